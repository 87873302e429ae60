"""The outbox relay: follows the global order like a projection and publishes the integration
events to NATS JetStream; its checkpoint moves only after every message was acknowledged.

A client of the leased follower (adapters/postgres/follower.py), as projection runners are: one
relay is active at a time, and a second one, in any process, stands by and takes over when the
first one's connection dies. Each window of the global order is mapped
(adapters/outbox/mapping.py), published pipelined on one connection, and then the checkpoint and
the stock levels commit together (compare-and-set). A crash after the publish and before the
commit re-sends the batch; the event ids make JetStream drop the repeats. While NATS is
unreachable the relay keeps its lease, waits and tries again, and catches up when it returns;
appends never wait for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
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
from adapters.postgres.follower import LeasedFollower
from adapters.postgres.lease import TRANSIENT_ERRORS
from adapters.postgres.outage import is_transient
from adapters.postgres.store import PostgresEventStore
from domain.ports import Position, RecordedEvent

log = logging.getLogger(__name__)

RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)


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
        self.follower = LeasedFollower(
            store,
            self,
            config.name,
            kind=storage.LEASE_KIND,
            topics=TOPICS,
            dsn=dsn,
            schema=schema,
            batch_size=config.batch_size,
            poll_interval=config.poll_interval,
            label="outbox relay",
            pause_state="waiting",
        )
        self.error: str | None = None
        self._broker: JetStreamPublisher | None = None

    @property
    def state(self) -> str:
        """starting, standby, running, waiting, stopped or failed"""
        return self.follower.state

    async def run(self) -> None:
        await self.follower.run()

    def start(self) -> asyncio.Task[None]:
        """Run as a task of its own: whatever happens to it never reaches anyone else."""
        task = self.follower.start(f"outbox relay {self.config.name}")
        task.add_done_callback(_report_crash)
        return task

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the batch in hand and release the lease; cancel after `grace` seconds."""
        await self.follower.stop(grace)

    async def recover(self, error: Exception) -> None:
        """The database is waited out; an event that cannot be mapped ends the run, and any
        other error (a bug) ends the task."""
        if isinstance(error, RelayFailed):
            self.error = str(error)
            self.follower.finish("failed")
            log.error("outbox relay stopped: %s", error, exc_info=error.__cause__)
            with contextlib.suppress(*TRANSIENT_ERRORS):
                await storage.set_state(self.pool, self.config.name, "failed", self.error)
            return
        if not is_transient(error):
            raise error
        self.error = f"database: {error}"
        await self.follower.pause_after(error, RETRY_SECONDS)

    async def leaving(self) -> None:
        await storage.set_state(self.pool, self.config.name, "stopped")

    async def lead(self) -> None:
        await storage.ensure_checkpoint(self.pool, self.config.name)
        while not self.follower.stopping:
            try:
                broker = await JetStreamPublisher.connect(self.nats_url, self.config.stream_spec)
            except BrokerUnavailable as error:
                await self._wait_for_broker(error)
                continue
            self._broker = broker
            try:
                await self._follow()
            except (PublishFailed, BrokerUnavailable) as error:
                await self._wait_for_broker(error)
            except storage.CheckpointMoved:
                log.warning("outbox relay: checkpoint moved elsewhere, reloading")
            finally:
                self._broker = None
                await broker.close()

    async def _follow(self) -> None:
        checkpoint = await storage.load_checkpoint(self.pool, self.config.name)
        self.follower.set_state("running")
        await storage.set_state(self.pool, self.config.name, "running")
        await self.follower.follow(checkpoint)

    async def before_read(self) -> None:
        pass

    async def write(
        self, persisted: Position, end: Position, events: list[RecordedEvent], caught_up: bool
    ) -> None:
        """Publish the window's messages, then move the checkpoint: only once acknowledged."""
        assert self._broker is not None
        mapped = await self._map(events) if events else Mapped([], {})
        if mapped.messages:
            prefix = self.config.subject_prefix
            await self._broker.publish(
                [Message(subject_of(prefix, m.type), m.id, encode(m)) for m in mapped.messages]
            )
        name, published = self.config.name, len(mapped.messages)
        await storage.commit_batch(
            self.pool, name, persisted, end, mapped.stock, published, caught_up=caught_up
        )

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

    async def _wait_for_broker(self, error: BaseException) -> None:
        """NATS unreachable, or a message refused: keep the lease, wait, publish again."""
        self.error = f"NATS: {error}"
        with contextlib.suppress(*TRANSIENT_ERRORS):
            await storage.set_state(self.pool, self.config.name, "waiting", self.error)
        await self.follower.pause_after(error, RETRY_SECONDS, service="NATS")


def _report_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("outbox relay crashed", exc_info=task.exception())
