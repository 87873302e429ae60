# Over 300 lines: the lease, window loop, wait at the head and backoff are one state machine.
"""One leased follower of the global order: what the projection runner and the outbox relay share.

A follower holds a lease (adapters/postgres/lease.py), so one worker per name is active across
processes: a second one stands by and takes over when the first one's connection dies. Holding
it, its client `lead()`s: prepares, then calls `follow(checkpoint)`, which reads the global
order in windows of the client's topics and hands each to the client's `write`, which applies
it and moves the client's checkpoint from `persisted` to the window's end in one compare-and-set
transaction. At the head it sleeps until an append is signalled (LISTEN/NOTIFY; the poll
interval is only the fallback). Windows with nothing of the client's move the checkpoint row at
most every FOREIGN_CHECKPOINT_SECONDS while events flow, and it catches up with the head once
the log is quiet for IDLE_SECONDS. An error ends the lead and lets the lease go; the client's
`recover` then pauses (`pause_after`: longer with each failure in a row, from the first step
again once a write got through) or ends the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Protocol

from adapters.postgres.lease import Lease
from adapters.postgres.outage import describe, is_transient
from adapters.postgres.store import PostgresEventStore
from adapters.subscription import COALESCE_SECONDS, Window
from domain.ports import Position, RecordedEvent

log = logging.getLogger(__name__)

LEASE_RETRY_SECONDS = 0.5
FOREIGN_CHECKPOINT_SECONDS = 0.25
IDLE_SECONDS = 0.05
HIDDEN_RETRY_SECONDS = 0.002
LEAVING_TIMEOUT_SECONDS = 2.0


class LeaseLost(Exception):
    """The lease connection closed: another worker may be active now."""


class FollowerClient(Protocol):
    """What a projection runner or the relay does while its follower holds the lease."""

    async def lead(self) -> None:
        """Holding the lease: prepare, then `follow` from the checkpoint until stopped."""

    async def before_read(self) -> None:
        """Between two windows (the runner performs operators' requests here)."""

    async def write(
        self, persisted: Position, end: Position, events: list[RecordedEvent], caught_up: bool
    ) -> None:
        """Apply `events` and move the checkpoint from `persisted` to `end`, all or nothing."""

    async def leaving(self) -> None:
        """Still holding the lease, about to let it go: record that this worker stops."""

    async def recover(self, error: Exception) -> None:
        """`lead` raised and the lease is let go: `pause_after` the error, or raise to end."""


class Backoff:
    """Pauses after failures in a row: each failure takes the schedule's next step (its last
    one repeating), and progress starts it from the first step again."""

    def __init__(self) -> None:
        self.failures = 0

    def next(self, schedule: Sequence[float]) -> float:
        pause = schedule[min(self.failures, len(schedule) - 1)]
        self.failures += 1
        return pause

    def progressed(self) -> None:
        self.failures = 0


class LeasedFollower:
    """`run()` until `stop()`, cancellation, `finish()` or an error its client re-raises."""

    def __init__(
        self,
        store: PostgresEventStore,
        client: FollowerClient,
        name: str,
        *,
        kind: str,
        topics: Sequence[str],
        dsn: str | None = None,
        schema: str | None = None,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        label: str | None = None,
        pause_state: str = "retrying",
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.store, self.client, self.name, self.kind = store, client, name, kind
        self.topics, self.dsn, self.schema = topics, dsn, schema
        self.batch_size, self.poll_interval = batch_size, poll_interval
        self.label = label or f"{kind} {name}"  # in logs
        self.pause_state = pause_state
        self.on_change = on_change  # told of every move of `position` and `state`
        self.state = "starting"
        self.position = Position()  # read and written up to here (or past foreign events)
        self.persisted = Position()  # the checkpoint row
        self.backoff = Backoff()
        self._persisted_at = 0.0
        self._reported_head = False
        self._hidden_wait = 0.0
        self._final_state = "stopped"
        self._stop = asyncio.Event()
        self._woken = asyncio.Event()
        self._lease: Lease | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def start(self, task_name: str) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name=task_name)
        return self._task

    async def run(self) -> None:
        """Hold the lease and lead until stopped; after an error, the client recovers."""
        self._task = asyncio.current_task()
        self._stop.clear()
        self._final_state = "stopped"
        try:
            while not self._stop.is_set():
                try:
                    async with self._leased() as held:
                        if held:
                            await self.client.lead()
                except LeaseLost as error:
                    log.warning("%s: %s; starting over", self.label, error)
                except Exception as error:  # noqa: BLE001 - the client says what ends the run
                    await self.client.recover(error)
        finally:
            self.set_state(self._final_state)

    def finish(self, state: str) -> None:
        """End the run after the current step, in `state` (the relay's 'failed')."""
        self._final_state = state
        self.set_state(state)
        self._stop.set()

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the window in hand and let the lease go; cancel the run after `grace` s."""
        self._stop.set()
        task = self._task
        if task is None or task.done() or task is asyncio.current_task():
            return
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    def wake(self) -> None:
        """Cut the wait at the head short: the client has work besides new events."""
        self._woken.set()

    def set_state(self, state: str) -> None:
        self.state = state
        self.on_change()

    @contextlib.asynccontextmanager
    async def _leased(self) -> AsyncIterator[bool]:
        """Wait for the lease; yield False if stopped while waiting."""
        self._lease = lease = Lease(self.store.pool, self.name, self.dsn, self.schema, self.kind)
        try:
            while not await lease.try_acquire():
                self.set_state("standby")
                if await self.sleep(LEASE_RETRY_SECONDS):
                    yield False
                    return
            try:
                yield True
            finally:
                # Still the lease holder here: say so before letting the next worker in.
                if lease.alive:
                    with contextlib.suppress(Exception):  # best effort: the row is advisory
                        await asyncio.wait_for(self.client.leaving(), LEAVING_TIMEOUT_SECONDS)
        finally:
            await lease.release()

    def check_lease(self, *_: object) -> None:
        if self._lease is not None and self._lease.lost.is_set():
            raise LeaseLost("lease connection closed")

    async def follow(self, checkpoint: Position) -> None:
        """From `checkpoint`, hand the client each window and wait at the head, until stopped."""
        self.position = self.persisted = checkpoint
        self._reported_head = False
        self.on_change()
        while not self._stop.is_set():
            self.check_lease()
            self._woken.clear()
            await self.client.before_read()
            seen = self.store.signal.generation
            window = await self.store.read_window(self.position, self.batch_size, self.topics)
            if window.end is not None:
                await self._take(window, at_head=window.scanned < self.batch_size)
                if window.scanned == self.batch_size:
                    continue
            await self._idle(seen)

    async def _take(self, window: Window, at_head: bool) -> None:
        """Write the window and move the checkpoint to its end, even past events of other
        topics, so a wait for any position is answered."""
        assert window.end is not None
        recent = time.monotonic() - self._persisted_at < FOREIGN_CHECKPOINT_SECONDS
        if not window.events and recent:
            # Nothing of ours: re-reading these after a crash changes nothing.
            self._advance(window.end)
            return
        await self._write(window.end, window.events, caught_up=at_head)

    async def _write(self, end: Position, events: list[RecordedEvent], caught_up: bool) -> None:
        await self.client.write(self.persisted, end, events, caught_up)
        self.persisted = end
        self._persisted_at = time.monotonic()
        self._reported_head = caught_up
        self.backoff.progressed()
        self._advance(end)

    def _advance(self, position: Position) -> None:
        self.position = position
        self.on_change()

    async def _idle(self, seen: int) -> None:
        """At the head: sleep until an append. If the checkpoint row is behind over other
        topics' events, catch it up once nothing new comes for IDLE_SECONDS, so waiters in
        other processes and the lag in status see the follower at the head."""
        if self.persisted < self.position or not self._reported_head:
            if await self._wait_for_append(seen, IDLE_SECONDS):
                await asyncio.sleep(COALESCE_SECONDS)
                return
            await self._write(self.position, [], caught_up=True)
        if self.store.signal.generation > seen:
            # More commits were announced meanwhile: read again rather than ask for the head.
            await asyncio.sleep(COALESCE_SECONDS)
            return
        timeout = self.poll_interval
        if await self.store.committed_head() > self.position:
            # Committed, but hidden behind an older open transaction (often a projection's
            # batch) whose commit signals nothing: look again soon.
            self._hidden_wait = min(max(2 * self._hidden_wait, HIDDEN_RETRY_SECONDS), timeout)
            timeout = self._hidden_wait
        else:
            self._hidden_wait = 0.0
        if await self._wait_for_append(seen, timeout):
            # Let a burst of commits gather so it is read as one window.
            await asyncio.sleep(COALESCE_SECONDS)

    async def _wait_for_append(self, seen: int, timeout: float) -> bool:
        """True when an append was signalled, or the wait was cut short (stop(), wake(), the
        lease lost), within `timeout`."""
        appended = asyncio.ensure_future(self.store.signal.wait_beyond(seen, timeout))
        cut_short = [self._stop, self._woken] + ([self._lease.lost] if self._lease else [])
        waits = {appended, *(asyncio.ensure_future(event.wait()) for event in cut_short)}
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        interrupted = any(event.is_set() for event in cut_short)
        return interrupted or (appended.done() and not appended.cancelled() and appended.result())

    async def pause_after(
        self, error: BaseException, schedule: Sequence[float], *, service: str = "database"
    ) -> float:
        """Back off before trying again: the schedule's next step; the seconds paused.

        A database outage is logged once for the whole process (its Outage), an error that is
        no outage (a bug) with its traceback, another service's failure each time."""
        seconds = self.backoff.next(schedule)
        if service != "database":
            log.warning(
                "%s: %s unavailable (%s); retrying in %ss",
                self.label,
                service,
                describe(error),
                seconds,
            )
        elif not is_transient(error):
            log.error(
                "%s: unexpected error, starting over in %ss", self.label, seconds, exc_info=error
            )
        elif not self.store.outage.observe(error, f"running {self.label}"):
            log.warning("%s: %r; retrying in %ss", self.label, error, seconds)
        self.set_state(self.pause_state)
        await self.sleep(seconds)
        return seconds

    async def sleep(self, seconds: float) -> bool:
        """Sleep, waking early on stop(); True when stopped."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
        return self._stop.is_set()
