"""Runs every projection as a task of its own; reports their state and lag, which are stalled
and which streams they parked; awaits positions."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import Sequence

import asyncpg
import msgspec

from adapters.postgres.store import PostgresEventStore
from domain.ports import Position
from projections.dead_letters import DEAD_LETTER_CHANNEL, parked_everywhere
from projections.parked_index import ParkedIndex
from projections.runner import Projection, ProjectionRunner, ensure_projection
from projections.tracking import CHECKPOINT_CHANNEL, load_checkpoints

log = logging.getLogger(__name__)

# Counting a huge backlog exactly costs more than it tells: past this, say "at least".
LAG_COUNT_LIMIT = 100_000
# A projection whose checkpoint is behind the head and has not moved for this long is stalled,
# whatever its state says: its runner hangs, died, or lost every worker.
STALL_SECONDS = 10.0
# A runner's task that ended by surprise (it should not: see ProjectionRunner.run) is started
# again after this long.
RELAUNCH_SECONDS = 1.0
# A read of the checkpoints after a notification gives up after this long: the waiters poll
# the rows themselves meanwhile.
REFRESH_TIMEOUT_SECONDS = 5.0

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
            ORDER BY e.transaction_id, e.position LIMIT 1) AS e) AS lag_seconds,
       -- a rebuild moves its own row while the live one waits for the swap
       extract(epoch FROM now() - greatest(c.updated_at, r.updated_at)) AS still_seconds,
       d.parked_streams, d.parked_events
FROM projection_checkpoints c
CROSS JOIN LATERAL (
    SELECT count(DISTINCT stream_id) AS parked_streams, count(*) AS parked_events
    FROM projection_dead_letters WHERE projection = c.name) AS d
LEFT JOIN projection_checkpoints r ON r.name = c.name || '__rebuild'
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
    # Streams parked behind an event the projection could not apply, and their events.
    parked_streams: int = 0
    parked_events: int = 0


async def projection_status(
    pool: asyncpg.Pool, names: Sequence[str], stall_seconds: float = STALL_SECONDS
) -> list[ProjectionStatus]:
    """Each projection's checkpoint, lag and state; "stalled" replaces the recorded state
    (unless "failed") when it is behind and has moved for neither events nor seconds."""
    rows = await pool.fetch(STATUS, list(names), LAG_COUNT_LIMIT)
    return [_status(row, stall_seconds) for row in rows]


def _status(row: asyncpg.Record, stall_seconds: float) -> ProjectionStatus:
    lag_seconds = float(row["lag_seconds"] or 0.0)
    still_seconds = float(row["still_seconds"] or 0.0)
    state, error = row["state"], row["error"]
    stalled = row["lag_events"] > 0 and min(lag_seconds, still_seconds) > stall_seconds
    if stalled and state != "failed":
        error = (
            f"no progress for {still_seconds:.0f} s with {row['lag_events']} events to apply "
            f"(recorded state: {state})"
        )
        state = "stalled"
    return ProjectionStatus(
        name=row["name"],
        state=state,
        position=Position(row["transaction_id"], row["position"]).token(),
        lag_events=row["lag_events"],
        lag_seconds=round(lag_seconds, 3),
        error=error,
        failed_at=row["failed_at"],
        parked_streams=row["parked_streams"],
        parked_events=row["parked_events"],
    )


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
        # Streams parked by any process's runners, for reads to flag (parked_index.py).
        self.parked = ParkedIndex()
        for runner in self.runners.values():
            runner.on_parked = self.parked.update
        self.stall_seconds = STALL_SECONDS
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._stopping = False
        self._refreshing: asyncio.Task[None] | None = None
        self._refresh_again = False
        self._reloading: asyncio.Task[None] | None = None
        self._reload_again = False

    async def prepare(self) -> None:
        """Create every read model's tables before the first query can arrive."""
        for runner in self.runners.values():
            await ensure_projection(self.store.pool, runner.projection)

    async def follow_other_processes(self) -> None:
        """Hear the checkpoint moves of projections that other processes run, so that
        subscriptions and read-your-writes here wake as soon as they commit; and every change
        of the dead letters, so the parked index stays current and the lease holders here
        perform operators' requests."""
        await self.store.notifier.subscribe(CHECKPOINT_CHANNEL, self._checkpoints_moved)
        self.parked.replace(await parked_everywhere(self.store.pool))
        await self.store.notifier.subscribe(DEAD_LETTER_CHANNEL, self._dead_letters_changed)

    def _dead_letters_changed(self) -> None:
        """One reload of the index per burst of notifications; the runners look for requests."""
        if self._stopping:
            return
        for runner in self.runners.values():
            runner.actions_requested()
        if self._reloading is None or self._reloading.done():
            self._reloading = asyncio.create_task(self._reload_parked())
        else:
            self._reload_again = True

    async def _reload_parked(self) -> None:
        self._reload_again = True
        while self._reload_again:
            self._reload_again = False
            try:
                parked = await asyncio.wait_for(
                    parked_everywhere(self.store.pool), REFRESH_TIMEOUT_SECONDS
                )
            except Exception:  # the next change or reconnect reloads it
                log.warning("reading the parked streams after a notification failed", exc_info=True)
                return
            self.parked.replace(parked)

    def _checkpoints_moved(self) -> None:
        """One read of every checkpoint per burst of notifications, not one per waiter; none
        once stopping, when the pool is about to close."""
        if self._stopping or not self._run_elsewhere():
            return
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.create_task(self._refresh_checkpoints())
        else:
            self._refresh_again = True

    async def _refresh_checkpoints(self) -> None:
        self._refresh_again = True
        while self._refresh_again:
            self._refresh_again = False
            names = self._run_elsewhere()
            if not names:
                return
            try:
                checkpoints = await asyncio.wait_for(
                    load_checkpoints(self.store.pool, names), REFRESH_TIMEOUT_SECONDS
                )
            except Exception:  # the waiters poll the row themselves: a missed read costs little
                log.debug("reading checkpoints after a notification failed", exc_info=True)
                return
            for name, position in checkpoints.items():
                self.runners[name].moved_elsewhere(position)

    def _run_elsewhere(self) -> list[str]:
        """Projections this process does not run now: only their checkpoints are news. (A
        running runner knows its position already; most notifications are its own batches.)"""
        return [name for name, runner in self.runners.items() if runner.state != "running"]

    def start(self) -> None:
        self._stopping = False
        for name in self.runners:
            self._launch(name)

    def _launch(self, name: str) -> None:
        if self._stopping:
            return
        task = asyncio.create_task(self.runners[name].run(), name=name)
        task.add_done_callback(functools.partial(self._ended, name))
        self._tasks[name] = task

    def _ended(self, name: str, task: asyncio.Task[None]) -> None:
        """A run that ends with an error is started again; one that ends without (stopped,
        or a handler failure recorded in its checkpoint) stays ended."""
        if self._stopping or task.cancelled() or task.exception() is None:
            return
        log.error(
            "projection %s: runner ended unexpectedly; starting it again in %ss",
            name,
            RELAUNCH_SECONDS,
            exc_info=task.exception(),
        )
        asyncio.get_running_loop().call_later(RELAUNCH_SECONDS, self._launch, name)

    async def stop(self) -> None:
        self._stopping = True
        tasks = list(self._tasks.values())
        tasks += [t for t in (self._refreshing, self._reloading) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def status(self) -> list[ProjectionStatus]:
        """From the checkpoints, plus runners that have not written one yet."""
        statuses = await projection_status(self.store.pool, list(self.runners), self.stall_seconds)
        recorded = {s.name: s for s in statuses}
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
