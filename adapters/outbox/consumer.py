"""What every mailing consumer of the outbox shares: a durable JetStream pull consumer on one
integration event type, run as a task until stopped, that remembers which messages it has
handled (`outbox_notifications`) so a redelivery never mails twice, and retries a failed send
after a growing, bounded delay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, ClassVar

import msgspec
import nats
from nats.js.api import ConsumerConfig

from adapters.nats.jetstream import server_urls
from adapters.outbox.contract import EventType, subject_of
from adapters.outbox.mail import SmtpMailer
from adapters.outbox.relay import RETRY_SECONDS, RelayConfig
from adapters.postgres.catalog import PostgresCatalog
from adapters.postgres.customers import PostgresCustomers
from adapters.postgres.store import PostgresEventStore
from domain.service import CommerceService
from domain.values import Actor, ActorKind

log = logging.getLogger(__name__)

FETCH_BATCH = 20
FETCH_SECONDS = 1.0
ACK_WAIT_SECONDS = 60.0
NOTIFIER = Actor(ActorKind.SYSTEM, "notifier")


class MailRetry(msgspec.Struct, frozen=True):
    """After the n-th failed send, wait delays[n - 1] (the last one from then on) and try
    again, `attempts` sends in all."""

    delays: tuple[float, ...] = (10.0, 60.0, 300.0, 1800.0)
    attempts: int = 12  # ~4 hours of tries: past that a person must tell the customer

    def delay_after(self, attempt: int) -> float | None:
        """Seconds before the next send, or None when this was the last attempt."""
        if attempt >= self.attempts:
            return None
        return self.delays[min(attempt, len(self.delays)) - 1]


class MailingConsumer:
    """Consumes `<prefix>.<event_type>` until stopped; `sent`, `skipped` and `failed` (sends)
    count this run. Subclasses say what a message means in `handle`."""

    event_type: ClassVar[EventType]
    name: ClassVar[str]
    # The JetStream durable consumer's name, and how failed sends are retried, unless the
    # constructor is told otherwise (tests run several consumers of one kind side by side).
    durable_name: ClassVar[str]
    retry_policy: ClassVar[MailRetry] = MailRetry()

    def __init__(
        self,
        store: PostgresEventStore,
        service: CommerceService,
        mailer: SmtpMailer,
        nats_url: str,
        config: RelayConfig,
        durable: str | None = None,
        retry: MailRetry | None = None,
    ) -> None:
        durable = durable or self.durable_name
        self.store, self.pool, self.mailer = store, store.pool, mailer
        self.service, self.retry = service, retry or self.retry_policy
        self.customers = PostgresCustomers(store.pool)
        self.catalog = PostgresCatalog(store.pool)
        self.nats_url, self.config, self.durable = nats_url, config, durable
        self.sent = self.skipped = self.failed = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name=self.name)
        return self._task

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, 10)

    async def run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                await self._consume()
            except Exception as error:  # noqa: BLE001 - NATS or the database away: wait, retry
                pause = RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)]
                failures += 1
                log.warning("%s: %r; retrying in %ss", self.name, error, pause)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), pause)

    async def handle(self, message: Any) -> None:
        raise NotImplementedError

    async def _consume(self) -> None:
        connection = await nats.connect(
            server_urls(self.nats_url), connect_timeout=2, max_reconnect_attempts=3
        )
        try:
            subscription = await self._subscribe(connection.jetstream())
            while not self._stop.is_set():
                with contextlib.suppress(nats.errors.TimeoutError):
                    for message in await subscription.fetch(FETCH_BATCH, timeout=FETCH_SECONDS):
                        await self.handle(message)
        finally:
            await connection.close()

    async def _subscribe(self, js: Any) -> Any:
        subject = subject_of(self.config.subject_prefix, self.event_type)
        return await js.pull_subscribe(
            subject,
            durable=self.durable,
            stream=self.config.stream,
            config=ConsumerConfig(ack_wait=ACK_WAIT_SECONDS, max_deliver=-1),
        )

    async def _already_handled(self, message_id: str) -> bool:
        found = await self.pool.fetchval(
            "SELECT 1 FROM outbox_notifications WHERE message_id = $1", message_id
        )
        return found is not None

    async def _handled(self, message_id: str, outcome: str, recipient: str | None) -> None:
        await self.pool.execute(
            """INSERT INTO outbox_notifications (message_id, outcome, recipient)
               VALUES ($1, $2, $3) ON CONFLICT DO NOTHING""",
            message_id,
            outcome,
            recipient,
        )

    async def _retry_later(self, message: Any, message_id: str) -> None:
        """Redeliver the message after the retry policy's delay, or give it up."""
        delay = self.retry.delay_after(message.metadata.num_delivered)
        if delay is None:
            log.error("%s: %s given up", self.name, message_id)
            await message.term()
        else:
            await message.nak(delay=delay)

    def _skipped(self, why: str, *args: object) -> tuple[str, None]:
        log.info(f"{self.name}: {why}", *args)
        self.skipped += 1
        return "skipped", None
