"""A simulation's business clock, shared by every process on one schema (the API workers,
`omni tick`, `omni notify run`): one row holds its anchor, a skip moves the row and tells the
others by NOTIFY, and each process's `AcceleratedClock` follows the anchor it last read.
Only a simulated clock comes here; the real one never reads the table."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from adapters.clock import AcceleratedClock, ClockCannotGoBack
from adapters.postgres.notify import Reloads

BUSINESS_CLOCK_CHANNEL = "business_clock"
log = logging.getLogger(__name__)

Subscribe = Callable[[str, Callable[[], None]], Awaitable[None]]


@dataclass(frozen=True)
class Anchor:
    """Business time `business_at` at the wall-clock instant `anchored_at` (epoch seconds)."""

    business_at: datetime
    anchored_at: float
    speed: float

    def at(self, wall: float) -> datetime:
        return self.business_at + timedelta(seconds=(wall - self.anchored_at) * self.speed)


class SharedBusinessClock:
    """Keeps `clock` on the schema's anchor: `start` once the database is open, `skip_to` for
    an admin, and a re-read whenever another process moved it."""

    def __init__(self, pool: asyncpg.Pool, clock: AcceleratedClock) -> None:
        self.pool, self.clock = pool, clock
        self._followed: Anchor | None = None
        self._rereads = Reloads(self._reread, "shared business clock")

    async def start(self, explicit_start: datetime | None, subscribe: Subscribe) -> Anchor:
        """Listen for skips, then join the schema's clock: record ours if none is stored; else
        take the stored one, or our explicit start where that is later (time never goes back;
        recorded, and every process follows), at the stored speed."""
        await subscribe(BUSINESS_CLOCK_CHANNEL, self.changed)
        async with self.pool.acquire() as connection, connection.transaction():
            stored = await _locked(connection)
            wall = self.clock.real()
            if stored is None:
                anchor = Anchor(explicit_start or self.clock.at(wall), wall, self.clock.speed)
            elif explicit_start is not None and explicit_start > stored.at(wall):
                anchor = Anchor(explicit_start, wall, stored.speed)
            else:
                anchor = stored
            if anchor is not stored:
                await _store(connection, anchor)
        if stored is not None and stored.speed != self.clock.speed:
            log.warning(
                "this process's OMNI_CLOCK_SPEED is %s; it follows the shared clock's %s",
                self.clock.speed,
                stored.speed,
            )
        self._follow(anchor)
        return anchor

    async def skip_to(self, instant: datetime) -> datetime:
        """Move every process's clock ahead to `instant`; never back (`ClockCannotGoBack`)."""
        async with self.pool.acquire() as connection, connection.transaction():
            stored = await _locked(connection)
            wall = self.clock.real()
            current = stored.at(wall) if stored is not None else self.clock.at(wall)
            if instant < current:
                if stored is not None:  # what another process did is news here too
                    self._follow(stored)
                raise ClockCannotGoBack(f"the clock is at {current.isoformat()}, after {instant}")
            speed = stored.speed if stored is not None else self.clock.speed
            anchor = Anchor(instant, wall, speed)
            await _store(connection, anchor)
        self._follow(anchor)
        return instant

    def changed(self) -> None:
        """Another process moved the clock (or a notification may have been missed): read the
        anchor again."""
        self._rereads.changed()

    async def _reread(self) -> None:
        anchor = await _anchor(self.pool)
        if anchor is not None:
            self._follow(anchor)

    def _follow(self, anchor: Anchor) -> None:
        """Take `anchor` unless it is older than the one followed: reads and skips of this
        process may finish out of order, and the stored clock only ever moves ahead."""
        followed = self._followed
        if followed is not None and anchor.business_at < followed.at(anchor.anchored_at):
            return
        self._followed = anchor
        self.clock.follow(anchor.business_at, anchor.anchored_at, anchor.speed)

    async def stop(self) -> None:
        await self._rereads.stop()


async def _locked(connection: asyncpg.Connection) -> Anchor | None:
    row = await connection.fetchrow("SELECT * FROM business_clock FOR UPDATE")
    return _of(row)


async def _anchor(pool: asyncpg.Pool) -> Anchor | None:
    return _of(await pool.fetchrow("SELECT * FROM business_clock"))


def _of(row: asyncpg.Record | None) -> Anchor | None:
    if row is None or row["business_at"] is None:
        return None
    return Anchor(row["business_at"], row["anchored_at"], row["speed"])


async def _store(connection: asyncpg.Connection, anchor: Anchor) -> None:
    """Record `anchor` and tell every process on the schema, at the transaction's commit."""
    await connection.execute(
        "UPDATE business_clock SET business_at = $1, anchored_at = $2, speed = $3",
        anchor.business_at,
        anchor.anchored_at,
        anchor.speed,
    )
    await connection.execute(
        "SELECT pg_notify(current_schema() || '_' || $1::text, '')", BUSINESS_CLOCK_CHANNEL
    )
