"""Runs every projection as a task of its own; reports their state and lag; awaits positions."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence

import asyncpg
import msgspec

from adapters.postgres.store import PostgresEventStore
from domain.ports import Position
from projections.runner import Projection, ProjectionRunner, ensure_projection

# Counting a huge backlog exactly costs more than it tells: past this, say "at least".
LAG_COUNT_LIMIT = 100_000

STATUS = """
SELECT c.name, c.transaction_id, c.position, c.state, c.error, c.failed_at, c.version,
       (SELECT count(*) FROM (
            SELECT 1 FROM events e
            WHERE (e.transaction_id, e.position) > (c.transaction_id::text::xid8, c.position)
              AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            LIMIT $2) AS backlog) AS lag_events,
       (SELECT extract(epoch FROM now() - min(e.recorded_at)) FROM (
            SELECT recorded_at FROM events e
            WHERE (e.transaction_id, e.position) > (c.transaction_id::text::xid8, c.position)
              AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY e.transaction_id, e.position LIMIT 1) AS e) AS lag_seconds
FROM projection_checkpoints c
WHERE c.name = ANY($1::text[])
ORDER BY c.name
"""


class ProjectionStatus(msgspec.Struct, frozen=True):
    name: str
    state: str
    position: str
    lag_events: int
    lag_seconds: float
    error: str | None = None
    failed_at: str | None = None


async def projection_status(pool: asyncpg.Pool, names: Sequence[str]) -> list[ProjectionStatus]:
    rows = await pool.fetch(STATUS, list(names), LAG_COUNT_LIMIT)
    return [
        ProjectionStatus(
            name=row["name"],
            state=row["state"],
            position=Position(row["transaction_id"], row["position"]).token(),
            lag_events=row["lag_events"],
            lag_seconds=round(float(row["lag_seconds"] or 0.0), 3),
            error=row["error"],
            failed_at=row["failed_at"],
        )
        for row in rows
    ]


class ProjectionSupervisor:
    """One runner task per projection; a failing projection stops alone."""

    def __init__(
        self,
        store: PostgresEventStore,
        projections: Sequence[Projection],
        dsn: str,
        schema: str | None = None,
        poll_interval: float = 1.0,
    ) -> None:
        self.store = store
        self.runners = {
            p.name: ProjectionRunner(store, p, dsn, schema, poll_interval=poll_interval)
            for p in projections
        }
        self._tasks: list[asyncio.Task[None]] = []

    async def prepare(self) -> None:
        """Create every read model's tables before the first query can arrive."""
        for runner in self.runners.values():
            await ensure_projection(self.store.pool, runner.projection)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(r.run(), name=n) for n, r in self.runners.items()]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def status(self) -> list[ProjectionStatus]:
        """From the checkpoints, plus runners that have not written one yet."""
        recorded = {s.name: s for s in await projection_status(self.store.pool, list(self.runners))}
        return [
            recorded.get(name) or ProjectionStatus(name, runner.state, Position().token(), 0, 0.0)
            for name, runner in self.runners.items()
        ]

    async def wait_for(
        self, position: Position, timeout: float, names: Sequence[str] | None = None
    ) -> bool:
        """True once every named projection (all by default) has applied `position`."""
        deadline = time.monotonic() + timeout
        for name in names or list(self.runners):
            left = max(deadline - time.monotonic(), 0.0)
            if not await self.runners[name].wait_for(position, left):
                return False
        return True
