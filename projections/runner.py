"""The projection runner: catch-up then live, exactly once, one active worker per projection.

A client of the leased follower (adapters/postgres/follower.py), which it shares with the
outbox relay: the follower holds the lease, reads the global order in windows from the
checkpoint and sleeps at the head until an append is signalled. The runner brings the tables up
to the projection's version, then applies each window's events of its topics and moves the
checkpoint to the window's end in one compare-and-set transaction (projections/tracking.py). A
second runner for the same projection, in any process, stands by and takes over when the first
one's connection closes. An event a handler cannot apply parks only its own stream
(projections/parking.py): every other stream goes on, and operators retry or skip the parked
one (projections/dead_letter_actions.py), which this runner performs between two windows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from uuid import UUID

from adapters.postgres.follower import LeasedFollower
from adapters.postgres.outage import is_transient
from adapters.postgres.store import PostgresEventStore
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

RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)
UNEXPECTED_RETRY_SECONDS = (1.0, 5.0, 30.0)
OUTDATED_RETRY_SECONDS = 5.0
REBUILD_LOG_SECONDS = 10.0
REMOTE_POLL_SECONDS = 0.2  # subscribers watching a projection another process runs
# While streams are parked, operators' requests are looked for this often even if their
# notification was lost (with nothing parked there is nothing to retry or skip).
ACTIONS_POLL_SECONDS = 1.0


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
        self.follower = LeasedFollower(
            store,
            self,
            projection.name,
            kind="projection",
            topics=projection.topics,
            dsn=dsn,
            schema=schema,
            batch_size=batch_size,
            poll_interval=poll_interval,
            on_change=self._changed_now,
        )
        self.parking = StreamParking(projection)
        # Told the parked streams whenever they change here (the supervisor's index).
        self.on_parked: Callable[[str, Mapping[UUID, Position]], None] = lambda *_: None
        self._actions_wanted = True
        self._actions_checked_at = 0.0
        self._logged_at = 0.0
        self._changed = asyncio.Event()
        # The checkpoint as another process's notifications last told it (moved_elsewhere).
        self.elsewhere = Position()

    @property
    def name(self) -> str:
        return self.projection.name

    @property
    def state(self) -> str:
        """starting, standby, running, rebuilding, retrying, outdated or stopped"""
        return self.follower.state

    @property
    def position(self) -> Position:
        """Applied to the read model: what waits are answered by."""
        return self.follower.position

    @property
    def persisted(self) -> Position:
        """The checkpoint row; behind `position` only over foreign events."""
        return self.follower.persisted

    async def run(self) -> None:
        """Hold the lease and apply windows until stopped or cancelled.

        Nothing else ends it: a poison event parks its stream, database outages are waited
        out, and any other error (a bug outside the handlers) is logged and the run starts
        over from the checkpoint."""
        await self.follower.run()

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the window in hand, record 'stopped' and release the lease; cancel the run
        if that takes longer than `grace` seconds."""
        await self.follower.stop(grace)

    async def recover(self, error: Exception) -> None:
        """Back off before starting over: longer with each failure in a row, from the start
        again once a window got through. Tables of a newer version are waited on."""
        if isinstance(error, OutdatedWorker):
            log.warning("projection %s: %s; standing by", self.name, error)
            self.follower.set_state("outdated")
            await self.follower.sleep(OUTDATED_RETRY_SECONDS)
            return
        schedule = RETRY_SECONDS if is_transient(error) else UNEXPECTED_RETRY_SECONDS
        await self.follower.pause_after(error, schedule)

    async def leaving(self) -> None:
        if self.state in ("running", "rebuilding"):
            await set_state(self.pool, self.name, "stopped")

    async def lead(self) -> None:
        await ensure_projection(self.pool, self.projection)
        while True:
            await self._bring_to_version()
            self.follower.set_state("running")
            await set_state(self.pool, self.name, "running")
            checkpoint = await load_checkpoint(self.pool, self.name)
            self._actions_wanted = True  # which also loads what is parked, before any window
            try:
                await self.follower.follow(checkpoint)
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
            self.follower.set_state("rebuilding")
            await set_state(self.pool, self.name, "rebuilding")
            self._logged_at = 0.0
            try:
                await rebuild(self.store, self.projection, on_progress=self._rebuilding)
            except RebuildInProgress:
                await self.follower.sleep(OUTDATED_RETRY_SECONDS)

    async def before_read(self) -> None:
        if self._actions_wanted or self._actions_due():
            await self._perform_actions()

    async def write(
        self, persisted: Position, end: Position, events: list[RecordedEvent], caught_up: bool
    ) -> None:
        parked = self.parking.parked
        await self.parking.write(self.pool, persisted, end, events, caught_up=caught_up)
        if self.parking.parked is not parked:
            self.on_parked(self.name, self.parking.parked)

    async def _perform_actions(self) -> None:
        """Operators' retries and skips of parked streams, between two batches: this runner
        is the only writer of its read model while it holds the lease. The parked streams are
        read again too: a rebuild's swap may have put others in place."""
        self._actions_wanted = False
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
        self.follower.wake()

    def _changed_now(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _rebuilding(self, progress: Progress) -> None:
        self.follower.check_lease()
        if time.monotonic() - self._logged_at >= REBUILD_LOG_SECONDS:
            self._logged_at = time.monotonic()
            log.info("projection %s: rebuilding, %s", self.name, format_progress(progress))

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
