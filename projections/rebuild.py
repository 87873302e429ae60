"""Rebuild a projection into fresh tables while the old ones keep serving, then swap them in.

Every event is replayed from position 0 into `<table>__rebuild` in big batches, each batch
one transaction with the shadow's own checkpoint row (`<name>__rebuild`), so an interrupted
rebuild resumes where it stopped. Then one transaction locks the live tables, applies the
events that arrived meanwhile, drops the old tables, renames the new ones (and their indexes)
to the live names and moves the live checkpoint: readers see the old tables or the new ones,
never neither. A live runner elsewhere keeps the old tables current until then; its next
compare-and-set fails and it carries on from the swapped-in checkpoint. A rebuild parks
streams as the runner does (projections/parking.py), under its shadow's name; the swap puts
its dead letters in place of the live ones.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TextIO

import asyncpg

from adapters.postgres.store import PostgresEventStore
from domain.ports import Position
from projections import dead_letters
from projections.parking import StreamParking
from projections.tracking import Projection, ensure_projection, read_checkpoint

log = logging.getLogger(__name__)

SUFFIX = "__rebuild"
REBUILD_BATCH = 5000
# Each swap attempt waits at most this long for readers and the live runner to let go of
# the tables, because new readers queue behind a waiting swap; then it tries again, without
# end: the old tables serve meanwhile, so a swap is never urgent.
SWAP_LOCK_TIMEOUTS = ("500ms", "1s", "2s")


class RebuildInProgress(Exception):
    """Another process is rebuilding this projection."""


@dataclass
class Progress:
    done: int
    total: int
    started: float

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def seconds_left(self) -> float:
        return (self.total - self.done) / self.rate if self.rate else 0.0


async def rebuild(
    store: PostgresEventStore,
    projection: Projection,
    on_progress: Callable[[Progress], None] = lambda _: None,
    *,
    batch_size: int = REBUILD_BATCH,
) -> Progress:
    """Replay every event into `<table>__rebuild`, then swap the tables in atomically.

    `on_progress` is called after every batch (events scanned, rate, time left); raising in
    it abandons the rebuild, which the next call resumes."""
    pool = store.pool
    await ensure_projection(pool, projection)
    shadow = projection.name + SUFFIX
    parking = StreamParking(projection, shadow, SUFFIX)
    async with _exclusive(pool, projection.name):
        position = await _prepare_shadow(pool, projection, shadow)
        await parking.load(pool)
        total = await pool.fetchval(
            """SELECT count(*) FROM events e
               WHERE (e.transaction_id, e.position) > ($1::text::xid8, $2)""",
            str(position.transaction_id),
            position.position,
        )
        progress = Progress(0, total, time.monotonic())
        while (window := await store.read_window(position, batch_size, projection.topics)).end:
            await parking.write(pool, position, window.end, window.events)
            position = window.end
            progress.done += window.scanned
            progress.total = max(progress.total, progress.done)
            on_progress(progress)
        await _swap(store, parking, position)
    return progress


@contextlib.asynccontextmanager
async def _exclusive(pool: asyncpg.Pool, name: str) -> AsyncIterator[None]:
    """One rebuild per projection at a time, across processes (released if we die)."""
    key = "hashtext(current_schema() || ':rebuild:' || $1::text)"
    async with pool.acquire() as connection:
        if not await connection.fetchval(f"SELECT pg_try_advisory_lock({key})", name):
            raise RebuildInProgress(name)
        try:
            yield
        finally:
            await connection.execute(f"SELECT pg_advisory_unlock({key})", name)


async def _prepare_shadow(pool: asyncpg.Pool, projection: Projection, shadow: str) -> Position:
    """Resume an interrupted rebuild of the same version, or start one from scratch."""
    checkpoint = await read_checkpoint(pool, shadow)
    tables = [f"{table}{SUFFIX}" for table in projection.tables]
    present = await pool.fetchval(
        "SELECT count(to_regclass(t)) FROM unnest($1::text[]) AS t", tables
    )
    if checkpoint and checkpoint.version == projection.version and present == len(tables):
        return checkpoint.position
    async with pool.acquire() as connection, connection.transaction():
        for table in tables:
            await connection.execute(f"DROP TABLE IF EXISTS {table}")
        await projection.create_tables(connection, SUFFIX)
        await dead_letters.discard(connection, shadow)
        await connection.execute("DELETE FROM projection_checkpoints WHERE name = $1", shadow)
        await connection.execute(
            """INSERT INTO projection_checkpoints (name, version, state)
               VALUES ($1, $2, 'rebuilding')""",
            shadow,
            projection.version,
        )
    return Position()


async def _swap(store: PostgresEventStore, parking: StreamParking, position: Position) -> None:
    projection = parking.projection
    for attempt in itertools.count():
        lock_timeout = SWAP_LOCK_TIMEOUTS[min(attempt, len(SWAP_LOCK_TIMEOUTS) - 1)]
        try:
            await _swap_once(store, parking, position, lock_timeout)
            return
        except (asyncpg.exceptions.LockNotAvailableError, asyncpg.DeadlockDetectedError):
            log.warning("rebuild of %s: tables busy, trying the swap again", projection.name)
        # Catch up outside the locks again, so the next attempt holds them for less time.
        while (window := await store.read_window(position, REBUILD_BATCH, projection.topics)).end:
            await parking.write(store.pool, position, window.end, window.events)
            position = window.end


async def _swap_once(
    store: PostgresEventStore, parking: StreamParking, position: Position, lock_timeout: str
) -> None:
    """Catch up the last events and rename, in one transaction: readers see old or new."""
    projection, shadow = parking.projection, parking.name
    async with store.pool.acquire() as connection, connection.transaction():
        await connection.execute(f"SET LOCAL lock_timeout = '{lock_timeout}'")
        # Tables first, then the checkpoint: the order the live runner takes them in.
        live = await connection.fetch(
            "SELECT t FROM unnest($1::text[]) AS t WHERE to_regclass(t) IS NOT NULL",
            list(projection.tables),
        )
        if live:
            names = ", ".join(row["t"] for row in live)
            await connection.execute(f"LOCK TABLE {names} IN ACCESS EXCLUSIVE MODE")
        await connection.execute(
            "SELECT 1 FROM projection_checkpoints WHERE name = $1 FOR UPDATE", projection.name
        )
        parked = parking.parked  # the shadow's, with what the tail parks (if this commits)
        while (tail := await store.read_window(position, REBUILD_BATCH, projection.topics)).end:
            if tail.events:
                parked = await parking.apply_in(connection, tail.events, parked)
            position = tail.end
        for table in projection.tables:
            await connection.execute(f"DROP TABLE IF EXISTS {table}")
            await connection.execute(f"ALTER TABLE {table}{SUFFIX} RENAME TO {table}")
        await _rename_shadow_indexes(connection, projection.tables)
        await connection.execute(
            """UPDATE projection_checkpoints SET transaction_id = $2, position = $3,
               version = $4, error = NULL, failed_at = NULL, updated_at = now(),
               caught_up_at = now(),
               state = CASE WHEN state IN ('failed', 'rebuilding') THEN 'stopped' ELSE state END
               WHERE name = $1""",
            projection.name,
            position.transaction_id,
            position.position,
            projection.version,
        )
        await connection.execute("DELETE FROM projection_checkpoints WHERE name = $1", shadow)
        await dead_letters.swap_in(connection, shadow, projection.name)


async def _rename_shadow_indexes(connection: asyncpg.Connection, tables: tuple[str, ...]) -> None:
    """Indexes (primary keys and unique constraints too) keep their shadow names through a
    table rename: give them the live names back."""
    rows = await connection.fetch(
        """SELECT indexname FROM pg_indexes
           WHERE schemaname = current_schema() AND tablename = ANY($1::text[])
             AND strpos(indexname, $2) > 0""",
        list(tables),
        SUFFIX,
    )
    for row in rows:
        name = row["indexname"]
        await connection.execute(f"ALTER INDEX {name} RENAME TO {name.replace(SUFFIX, '')}")


def format_progress(progress: Progress, width: int = 40) -> str:
    share = min(progress.done / progress.total, 1.0) if progress.total else 1.0
    bar = "#" * int(share * width)
    minutes, seconds = divmod(int(progress.seconds_left), 60)
    return (
        f"[{bar:<{width}}] {share:4.0%} {progress.done:,}/{progress.total:,} events, "
        f"{progress.rate:,.0f}/s, {minutes}:{seconds:02d} left"
    )


def print_progress_bar(progress: Progress, width: int = 40, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    out.write("\r" + format_progress(progress, width))
    out.flush()


async def rebuild_with_progress_bar(
    store: PostgresEventStore, projection: Projection, out: TextIO | None = None
) -> Progress:
    """`omni projections rebuild NAME`: rebuild with a progress bar on stdout."""
    out = out or sys.stdout
    progress = await rebuild(store, projection, lambda p: print_progress_bar(p, out=out))
    out.write(
        f"\nrebuilt {projection.name}: {progress.done:,} events in "
        f"{time.monotonic() - progress.started:,.1f} s ({progress.rate:,.0f}/s), swapped in\n"
    )
    out.flush()
    return progress
