"""The outbox relay: follows the global order like a projection and publishes the integration
events to NATS JetStream; its checkpoint moves only after every message was acknowledged.

One relay is active at a time (a lease, as projections have): a second one, in any process,
stands by and takes over when the first one's connection dies. Each window of the global
order is mapped (adapters/outbox/mapping.py), published pipelined on one connection, and
then the checkpoint and the stock levels commit together (compare-and-set). A crash after the
publish and before the commit re-sends the batch; the event ids make JetStream drop the
repeats. While NATS is unreachable the relay keeps its lease, waits and tries again, and
catches up when it returns; appends never wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from adapters.nats.jetstream import (
    BrokerUnavailable,
    JetStreamPublisher,
    Message,
    PublishFailed,
    StreamSpec,
)
from adapters.outbox import storage
from adapters.outbox.contract import encode, subject_of
from adapters.outbox.mapping import STOCK_TOPIC, TOPICS, Mapped, map_batch, streams_needing_origin
from adapters.postgres.lease import TRANSIENT_ERRORS, Lease
from adapters.postgres.store import PostgresEventStore
from adapters.subscription import COALESCE_SECONDS, Window
from domain.ports import Position, RecordedEvent

log = logging.getLogger(__name__)

RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)
LEASE_RETRY_SECONDS = 0.5
FOREIGN_CHECKPOINT_SECONDS = 0.25  # windows with nothing to publish move the row this often
IDLE_SECONDS = 0.05
HIDDEN_RETRY_SECONDS = 0.002


@dataclass(frozen=True)
class RelayConfig:
    stream: str = "OMNI"
    subject_prefix: str = "omni"
    duplicate_window: float = 1800.0
    replicas: int = 1  # the stream's copies: 3 on a three-node JetStream cluster
    batch_size: int = 500
    poll_interval: float = 1.0
    name: str = "outbox"

    @property
    def stream_spec(self) -> StreamSpec:
        subjects = [f"{self.subject_prefix}.>"]
        return StreamSpec(self.stream, subjects, self.duplicate_window, self.replicas)


class LeaseLost(Exception):
    """The lease connection closed: another relay may be active now."""


class RelayFailed(Exception):
    """An event could not be mapped: a bug or a damaged event, not something to wait out."""


class OutboxRelay:
    """`run()` until `stop()`, cancellation or an event that cannot be mapped."""

    def __init__(
        self,
        store: PostgresEventStore,
        nats_url: str,
        config: RelayConfig,
        dsn: str | None = None,
        schema: str | None = None,
    ) -> None:
        self.store, self.pool = store, store.pool
        self.nats_url, self.config = nats_url, config
        self.dsn, self.schema = dsn, schema
        self.position = Position()  # read up to here
        self.persisted = Position()  # the checkpoint row
        self.state = "starting"  # standby, running, waiting, stopped, failed
        self.error: str | None = None
        self._persisted_at = 0.0
        self._at_head_recorded = False
        self._backoff = 0.0
        self._failures = 0
        self._stop = asyncio.Event()
        self._lease: Lease | None = None
        self._task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        self._stop.clear()
        try:
            while not self._stop.is_set():
                try:
                    async with self._leased() as held:
                        if held:
                            await self._run_leased()
                except LeaseLost as error:
                    log.warning("outbox relay: %s; starting over", error)
                except TRANSIENT_ERRORS as error:
                    await self._wait_out("database", error)
                except RelayFailed as error:
                    self.state, self.error = "failed", str(error)
                    log.error("outbox relay stopped: %s", error, exc_info=error.__cause__)
                    with contextlib.suppress(*TRANSIENT_ERRORS):
                        await storage.set_state(self.pool, self.config.name, "failed", self.error)
                    return
        finally:
            if self.state != "failed":
                self.state = "stopped"

    def start(self) -> asyncio.Task[None]:
        """Run as a task of its own: whatever happens to it never reaches anyone else."""
        self._task = asyncio.create_task(self.run(), name=f"outbox relay {self.config.name}")
        self._task.add_done_callback(_report_crash)
        return self._task

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the batch in hand and release the lease; cancel after `grace` seconds."""
        self._stop.set()
        task = self._task
        if task is None or task.done():
            return
        done, _ = await asyncio.wait({task}, timeout=grace)
        if not done:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task

    @contextlib.asynccontextmanager
    async def _leased(self) -> AsyncIterator[bool]:
        self._lease = lease = Lease(
            self.pool, self.config.name, self.dsn, self.schema, kind=storage.LEASE_KIND
        )
        try:
            while not await lease.try_acquire():
                self.state = "standby"
                if await self._sleep(LEASE_RETRY_SECONDS):
                    yield False
                    return
            try:
                yield True
            finally:
                if lease.alive:
                    with contextlib.suppress(*TRANSIENT_ERRORS):
                        await storage.set_state(self.pool, self.config.name, "stopped")
        finally:
            await lease.release()

    async def _run_leased(self) -> None:
        await storage.ensure_checkpoint(self.pool, self.config.name)
        while not self._stop.is_set():
            try:
                broker = await JetStreamPublisher.connect(self.nats_url, self.config.stream_spec)
            except BrokerUnavailable as error:
                await self._wait_out("NATS", error)
                continue
            try:
                await self._follow(broker)
            except (PublishFailed, BrokerUnavailable) as error:
                await self._wait_out("NATS", error)
            except storage.CheckpointMoved:
                log.warning("outbox relay: checkpoint moved elsewhere, reloading")
            finally:
                await broker.close()

    async def _follow(self, broker: JetStreamPublisher) -> None:
        self.position = self.persisted = await storage.load_checkpoint(self.pool, self.config.name)
        self._at_head_recorded = False
        self.state = "running"
        await storage.set_state(self.pool, self.config.name, "running")
        batch_size = self.config.batch_size
        while not self._stop.is_set():
            self._check_lease()
            seen = self.store.signal.generation
            window = await self.store.read_window(self.position, batch_size, TOPICS)
            if window.end is not None:
                await self._relay(broker, window, at_head=window.scanned < batch_size)
                if window.scanned == batch_size:
                    continue
            await self._idle(seen)

    async def _relay(self, broker: JetStreamPublisher, window: Window, at_head: bool) -> None:
        assert window.end is not None
        if not window.events and time.monotonic() - self._persisted_at < FOREIGN_CHECKPOINT_SECONDS:
            self.position = window.end  # nothing to publish: re-reading these costs nothing
            return
        mapped = await self._map(window.events)
        prefix = self.config.subject_prefix
        await broker.publish(
            [Message(subject_of(prefix, m.type), m.id, encode(m)) for m in mapped.messages]
        )
        await self._commit(window.end, mapped, caught_up=at_head)
        self._failures = 0

    async def _map(self, events: list[RecordedEvent]) -> Mapped:
        stock_ids = {r.stream_id for r in events if r.topic.startswith(STOCK_TOPIC)}
        origins = await storage.load_origins(self.store, streams_needing_origin(events))
        stock = await storage.load_stock(self.pool, stock_ids)
        skus = {s.sku for s in stock.values()} | {
            getattr(r.event, "sku", "") for r in events if r.stream_id in stock_ids
        }
        thresholds = await storage.load_thresholds(self.pool, skus)
        try:
            return map_batch(events, origins, stock, thresholds)
        except Exception as error:
            first = events[0].position.token()
            raise RelayFailed(f"batch from {first}: {type(error).__name__}: {error}") from error

    async def _commit(self, end: Position, mapped: Mapped, caught_up: bool) -> None:
        published = len(mapped.messages)
        name = self.config.name
        await storage.commit_batch(
            self.pool, name, self.persisted, end, mapped.stock, published, caught_up=caught_up
        )
        self.position = self.persisted = end
        self._persisted_at = time.monotonic()
        self._at_head_recorded = caught_up

    async def _idle(self, seen: int) -> None:
        """At the head: sleep until an append (the poll interval at most). The checkpoint row
        catches up over foreign events once nothing new comes for IDLE_SECONDS."""
        if self.persisted < self.position or not self._at_head_recorded:
            if await self._wait_for_append(seen, IDLE_SECONDS):
                await asyncio.sleep(COALESCE_SECONDS)
                return
            await self._commit(self.position, Mapped([], {}), caught_up=True)
        if self.store.signal.generation > seen:
            await asyncio.sleep(COALESCE_SECONDS)
            return
        timeout = self.config.poll_interval
        if await self.store.committed_head() > self.position:
            # Committed but hidden behind an older open transaction: look again soon.
            self._backoff = min(max(2 * self._backoff, HIDDEN_RETRY_SECONDS), timeout)
            timeout = self._backoff
        else:
            self._backoff = 0.0
        if await self._wait_for_append(seen, timeout):
            await asyncio.sleep(COALESCE_SECONDS)

    async def _wait_out(self, what: str, error: BaseException) -> None:
        pause = RETRY_SECONDS[min(self._failures, len(RETRY_SECONDS) - 1)]
        self._failures += 1
        self.state, self.error = "waiting", f"{what}: {error}"
        log.warning("outbox relay: %s unavailable (%s); retrying in %ss", what, error, pause)
        if what != "database":
            with contextlib.suppress(*TRANSIENT_ERRORS):
                await storage.set_state(self.pool, self.config.name, "waiting", self.error)
        await self._sleep(pause)

    def _check_lease(self) -> None:
        if self._lease is not None and self._lease.lost.is_set():
            raise LeaseLost("lease connection closed")

    async def _sleep(self, seconds: float) -> bool:
        """Sleep, waking early on stop(); True when stopped."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
        return self._stop.is_set()

    async def _wait_for_append(self, seen: int, timeout: float) -> bool:
        appended = asyncio.ensure_future(self.store.signal.wait_beyond(seen, timeout))
        waits = {appended, asyncio.ensure_future(self._stop.wait())}
        if self._lease is not None:
            waits.add(asyncio.ensure_future(self._lease.lost.wait()))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        return self._stop.is_set() or (
            appended.done() and not appended.cancelled() and appended.result()
        )


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("outbox relay crashed", exc_info=task.exception())
