# Over 300 lines: one runner's catch-up, live reading, lease and parked streams together.
"""The projection runner: catch-up then live, exactly once, one active worker per projection.

The runner holds a lease (a session advisory lock on a connection of its own), brings the
tables up to the projection's version, then reads the global order in windows from its
checkpoint: each window's events of its topics are applied and the checkpoint moved to the
window's end in one compare-and-set transaction (projections/tracking.py). At the head it
sleeps until an append is signalled (LISTEN/NOTIFY; polling is only the fallback). A second
runner for the same projection, in any process, waits for the lease and takes over when the
first one's connection closes. An event a handler cannot apply parks only its own stream
(projections/parking.py): every other stream goes on, and operators retry or skip the parked
one (projections/dead_letter_actions.py), which this runner performs between two batches.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from uuid import UUID

from adapters.postgres.lease import Lease
from adapters.postgres.outage import is_transient
from adapters.postgres.store import PostgresEventStore
from adapters.subscription import COALESCE_SECONDS, Window
from domain.ports import Position, RecordedEvent
from projections.dead_letter_actions import perform_pending
from projections.parking import StreamParking, not_the_handlers_fault
from projections.rebuild import Progress, RebuildInProgress, format_progress, rebuild
from projections.tracking import (
    CheckpointMoved,
    Projection,
    apply_batch,
    ensure_projection,
    load_checkpoint,
    read_checkpoint,
    set_state,
)

__all__ = [
    "CheckpointMoved",
    "Projection",
    "ProjectionRunner",
    "apply_batch",
    "ensure_projection",
    "not_the_handlers_fault",
]

log = logging.getLogger(__name__)

LEASE_RETRY_SECONDS = 0.5
# Windows of other topics only move the checkpoint row at most this often while events flow;
# once the log goes quiet for IDLE_SECONDS the row catches up with the head at once.
FOREIGN_CHECKPOINT_SECONDS = 0.25
IDLE_SECONDS = 0.05
HIDDEN_RETRY_SECONDS = 0.002
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)
UNEXPECTED_RETRY_SECONDS = (1.0, 5.0, 30.0)
OUTDATED_RETRY_SECONDS = 5.0
REBUILD_LOG_SECONDS = 10.0
REMOTE_POLL_SECONDS = 0.2  # subscribers watching a projection another process runs
# While streams are parked, operators' requests are looked for this often even if their
# notification was lost (with nothing parked there is nothing to retry or skip).
ACTIONS_POLL_SECONDS = 1.0


class LeaseLost(Exception):
    """The lease connection closed: another worker may be active now."""


class OutdatedWorker(Exception):
    """The tables were built by a newer version of the projection than this code."""


class ProjectionRunner:
    """Runs one projection: `run()` until `stop()` or cancellation.

    `dsn`/`schema` open the lease's dedicated connection; without a dsn the lease is held on a
    connection taken from the store's pool for as long as the runner runs.
    """

    def __init__(
        self,
        store: PostgresEventStore,
        projection: Projection,
        dsn: str | None = None,
        schema: str | None = None,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        self.store = store
        self.pool = store.pool
        self.projection = projection
        self.dsn, self.schema = dsn, schema
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.position = Position()  # applied to the read model (what waits are answered by)
        self.persisted = Position()  # the checkpoint row; behind only over foreign events
        # starting, standby, running, rebuilding, retrying, outdated or stopped
        self.state = "starting"
        self.parking = StreamParking(projection)
        # Told the parked streams whenever they change here (the supervisor's index).
        self.on_parked: Callable[[str, Mapping[UUID, Position]], None] = lambda *_: None
        self._actions_wanted = True
        self._actions_checked_at = 0.0
        self._actions_requested = asyncio.Event()
        self._persisted_at = 0.0
        self._writes = 0
        self._backoff = 0.0
        self._failures = 0
        self._writes_at_failure = 0
        self._logged_at = 0.0
        self._reported_head = False
        self._changed = asyncio.Event()
        # The checkpoint as another process's notifications last told it (moved_elsewhere).
        self.elsewhere = Position()
        self._stop = asyncio.Event()
        self._lease: Lease | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self.projection.name

    async def run(self) -> None:
        """Hold the lease and apply batches until stopped or cancelled.

        Nothing else ends it: a poison event parks its stream, database outages are waited
        out, and any other error (a bug outside the handlers) is logged and the run starts
        over from the checkpoint."""
        self._task = asyncio.current_task()
        self._stop.clear()
        try:
            while not self._stop.is_set():
                try:
                    async with self._leased() as held:
                        if held:
                            await self._run_leased()
                except LeaseLost as error:
                    log.warning("projection %s: %s; starting over", self.name, error)
                except OutdatedWorker as error:
                    log.warning("projection %s: %s; standing by", self.name, error)
                    self._set_state("outdated")
                    await self._sleep(OUTDATED_RETRY_SECONDS)
                except Exception as error:  # noqa: BLE001 - the runner outlives every error
                    await self._pause_after(error)
        finally:
            self._set_state("stopped")

    async def _pause_after(self, error: Exception) -> None:
        """Back off before starting over: longer with each failure in a row, from the start
        again once a batch got through. An outage is logged once for the whole process."""
        if self._writes != self._writes_at_failure:
            self._failures, self._writes_at_failure = 0, self._writes
        if is_transient(error):
            pause = RETRY_SECONDS[min(self._failures, len(RETRY_SECONDS) - 1)]
            if not self.store.outage.observe(error, f"running projection {self.name}"):
                log.warning("projection %s: %r; retrying in %ss", self.name, error, pause)
        else:
            pause = UNEXPECTED_RETRY_SECONDS[min(self._failures, len(UNEXPECTED_RETRY_SECONDS) - 1)]
            log.error(
                "projection %s: unexpected error, starting over in %ss",
                self.name,
                pause,
                exc_info=error,
            )
        self._failures += 1
        self._set_state("retrying")
        await self._sleep(pause)

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the batch in hand, record 'stopped' and release the lease; cancel the run
        if that takes longer than `grace` seconds."""
        self._stop.set()
        task = self._task
        if task is None or task.done() or task is asyncio.current_task():
            return
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    @contextlib.asynccontextmanager
    async def _leased(self) -> AsyncIterator[bool]:
        """Wait for the lease; yield False if stopped while waiting."""
        self._lease = lease = Lease(self.pool, self.name, self.dsn, self.schema)
        try:
            while not await lease.try_acquire():
                self._set_state("standby")
                if await self._sleep(LEASE_RETRY_SECONDS):
                    yield False
                    return
            try:
                yield True
            finally:
                # Still the lease holder here: say so before letting the next worker in.
                if lease.alive and self.state in ("running", "rebuilding"):
                    with contextlib.suppress(Exception):  # best effort: the row is advisory
                        await asyncio.wait_for(set_state(self.pool, self.name, "stopped"), 2)
        finally:
            await lease.release()

    async def _run_leased(self) -> None:
        await ensure_projection(self.pool, self.projection)
        while True:
            await self._bring_to_version()
            self._set_state("running")
            await set_state(self.pool, self.name, "running")
            self.position = self.persisted = await load_checkpoint(self.pool, self.name)
            self._actions_wanted = True  # which also loads what is parked, before any batch
            self._reported_head = False
            self._changed_now()
            try:
                await self._follow()
                return
            except CheckpointMoved:
                # A rebuild swapped new tables in (or a worker that lost its lease wrote).
                log.info("projection %s: checkpoint moved elsewhere, reloading", self.name)

    async def _bring_to_version(self) -> None:
        """Tables built by an older version are rebuilt (blue/green) before running."""
        while (checkpoint := await read_checkpoint(self.pool, self.name)) is not None:
            if checkpoint.version == self.projection.version:
                return
            if checkpoint.version > self.projection.version:
                raise OutdatedWorker(
                    f"tables are at version {checkpoint.version}, this code is at "
                    f"{self.projection.version}"
                )
            log.info("projection %s: rebuilding for version %s", self.name, self.projection.version)
            self._set_state("rebuilding")
            await set_state(self.pool, self.name, "rebuilding")
            try:
                await rebuild(self.store, self.projection, on_progress=self._rebuilding)
            except RebuildInProgress:
                await self._sleep(OUTDATED_RETRY_SECONDS)

    async def _follow(self) -> None:
        after = self.position
        while not self._stop.is_set():
            self._check_lease()
            if self._actions_wanted or self._actions_due():
                await self._perform_actions()
            seen = self.store.signal.generation
            window = await self.store.read_window(after, self.batch_size, self.projection.topics)
            if window.end is not None:
                await self._apply(window, at_head=window.scanned < self.batch_size)
                after = window.end
                if window.scanned == self.batch_size:
                    continue
            await self._idle(seen)

    async def _idle(self, seen: int) -> None:
        """At the head: sleep until an append. If the checkpoint row is behind over other
        topics' events, catch it up once nothing new comes for IDLE_SECONDS, so waiters in
        other processes and the lag in status see the projection at the head."""
        if self.persisted < self.position or not self._reported_head:
            if await self._wait_for_append(seen, IDLE_SECONDS):
                await asyncio.sleep(COALESCE_SECONDS)
                return
            await self._write(self.position, [], caught_up=True)
        timeout = self.poll_interval
        if self.store.signal.generation > seen:
            # More commits were announced meanwhile: read again rather than ask for the head.
            await asyncio.sleep(COALESCE_SECONDS)
            return
        if await self.store.committed_head() > self.position:
            # Committed, but hidden behind an older open transaction (often another
            # projection's batch) whose commit signals nothing: look again soon.
            self._backoff = min(max(2 * self._backoff, HIDDEN_RETRY_SECONDS), timeout)
            timeout = self._backoff
        else:
            self._backoff = 0.0
        self._logged_at = 0.0
        if await self._wait_for_append(seen, timeout):
            # Let a burst of commits gather so it is read as one window.
            await asyncio.sleep(COALESCE_SECONDS)

    async def _apply(self, window: Window, at_head: bool) -> None:
        """Apply the window's events and move the checkpoint to its end, even past events of
        other topics, so a wait for any position is answered."""
        assert window.end is not None
        foreign_only = not window.events
        if foreign_only and time.monotonic() - self._persisted_at < FOREIGN_CHECKPOINT_SECONDS:
            # Nothing of ours: re-reading these after a crash changes nothing.
            self._advance(window.end)
            return
        await self._write(window.end, window.events, caught_up=at_head)

    async def _write(
        self, end: Position, events: list[RecordedEvent], *, caught_up: bool = False
    ) -> None:
        parked = self.parking.parked
        await self.parking.write(self.pool, self.persisted, end, events, caught_up=caught_up)
        if self.parking.parked is not parked:
            self.on_parked(self.name, self.parking.parked)
        self.persisted = end
        self._writes += 1
        self._persisted_at = time.monotonic()
        self._reported_head = caught_up
        self._advance(end)

    async def _perform_actions(self) -> None:
        """Operators' retries and skips of parked streams, between two batches: this runner
        is the only writer of its read model while it holds the lease. The parked streams are
        read again too: a rebuild's swap may have put others in place."""
        self._actions_wanted = False
        self._actions_requested.clear()
        self._actions_checked_at = time.monotonic()
        await self.parking.load(self.pool)
        performed = await perform_pending(self.store, self.parking)
        self.on_parked(self.name, self.parking.parked)
        if performed:
            self._changed_now()  # subscriptions read the retried rows

    def _actions_due(self) -> bool:
        """Parked streams: look for requests now and then, in case a notification was lost."""
        waited = time.monotonic() - self._actions_checked_at
        return bool(self.parking.parked) and waited >= ACTIONS_POLL_SECONDS

    def actions_requested(self) -> None:
        """An operator asked for a retry or skip (the dead letters' notification)."""
        self._actions_wanted = True
        self._actions_requested.set()

    def _advance(self, position: Position) -> None:
        self.position = position
        self._changed_now()

    def _set_state(self, state: str) -> None:
        self.state = state
        self._changed_now()

    def _changed_now(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _rebuilding(self, progress: Progress) -> None:
        self._check_lease()
        if time.monotonic() - self._logged_at >= REBUILD_LOG_SECONDS:
            self._logged_at = time.monotonic()
            log.info("projection %s: rebuilding, %s", self.name, format_progress(progress))

    def _lease_lost(self) -> bool:
        return self._lease is not None and self._lease.lost.is_set()

    def _check_lease(self, *_: object) -> None:
        if self._lease_lost():
            raise LeaseLost("lease connection closed")

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, waking early on stop(); True when stopped."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
        return self._stop.is_set()

    async def _wait_for_append(self, seen: int, timeout: float) -> bool:
        """True when an append was signalled (or stop() called) within `timeout`."""
        appended = asyncio.ensure_future(self.store.signal.wait_beyond(seen, timeout))
        waits = {appended, asyncio.ensure_future(self._stop.wait())}
        waits.add(asyncio.ensure_future(self._actions_requested.wait()))
        if self._lease is not None:
            waits.add(asyncio.ensure_future(self._lease.lost.wait()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        interrupted = self._stop.is_set() or self._lease_lost() or self._actions_requested.is_set()
        return interrupted or (appended.done() and not appended.cancelled() and appended.result())

    async def wait_for(self, position: Position, timeout: float) -> bool:
        """Read-your-writes: True once the read model reflects every event up to `position`.

        Answered from memory while this runner is active; otherwise (another process holds
        the lease, or this one is not running) from the checkpoint row and its notifications."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.position < position:
            left = deadline - loop.time()
            if left <= 0:
                return False
            if self.state != "running":
                return await self._wait_elsewhere(lambda at: at >= position, left) >= position
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return True

    async def wait_beyond(self, position: Position, timeout: float) -> Position:
        """Sleep until the projection moves past `position` (or the timeout); where it is.
        For subscriptions: from memory while this runner is active, else from the row and
        its notifications."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.state == "running":
            left = deadline - loop.time()
            if self.position > position or left <= 0:
                return self.position
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return await self._wait_elsewhere(lambda at: at > position, deadline - loop.time())

    async def _wait_elsewhere(self, done: Callable[[Position], bool], timeout: float) -> Position:
        """Where the projection another process runs is, once `done` says so or the timeout
        passes. Woken by that process's checkpoint notifications (`moved_elsewhere`); the
        row is read at the start and after REMOTE_POLL_SECONDS without a notification, in
        case one was lost."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        current = max(self.position, self.elsewhere, await load_checkpoint(self.pool, self.name))
        while not done(current):
            left = deadline - loop.time()
            if left <= 0:
                break
            try:
                await asyncio.wait_for(self._changed.wait(), min(REMOTE_POLL_SECONDS, left))
                current = max(current, self.position, self.elsewhere)
            except TimeoutError:
                current = max(current, await load_checkpoint(self.pool, self.name))
        return current

    def moved_elsewhere(self, position: Position) -> None:
        """Another process moved this projection's checkpoint to `position`."""
        if position > self.elsewhere:
            self.elsewhere = position
            self._changed_now()
