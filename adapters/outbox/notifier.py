"""The example consumer: e-mails a customer when their pickup is ready.

A separate process (`omni notify run`) with a durable JetStream consumer on the pickup-ready
subject. For each message it looks the customer up (`customers`), sends the mail, records the
message id and only then acknowledges, so a redelivery after a crash is recognised and never
mails twice (a crash between the send and the record can repeat one mail: at least once).

The pickup code goes in the mail, though never on the bus: it is the customer's own proof at
the counter (their order page shows it too), and a ready mail without it sends them to the
app while standing at the counter. It is read from the committed ReadyForPickup event the
message names, which also tells whether the pickup is still waiting (a mail for one already
collected, cancelled or expired after an outage would only confuse).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import msgspec
import nats
from nats.js.api import ConsumerConfig

from adapters.nats.jetstream import server_urls
from adapters.outbox.contract import EventType, IntegrationEvent, PickupReady, decode, subject_of
from adapters.outbox.mail import SmtpMailer, ready_for_pickup_mail
from adapters.outbox.relay import RETRY_SECONDS, RelayConfig
from adapters.postgres.catalog import PostgresCatalog
from adapters.postgres.customers import PostgresCustomers
from adapters.postgres.store import PostgresEventStore
from domain.pickup.model import Pickup

log = logging.getLogger(__name__)

DURABLE = "pickup-ready-mailer"
FETCH_BATCH = 20
FETCH_SECONDS = 1.0
ACK_WAIT_SECONDS = 60.0
RETRY_MAIL_SECONDS = 30.0
FINISHED = (Pickup.Collected, Pickup.NotCollected, Pickup.Cancelled)


class PickupReadyNotifier:
    """Consumes `<prefix>.pickup.ready` until stopped; `sent` and `skipped` count this run."""

    def __init__(
        self,
        store: PostgresEventStore,
        mailer: SmtpMailer,
        nats_url: str,
        config: RelayConfig,
        durable: str = DURABLE,
    ) -> None:
        self.store, self.pool, self.mailer = store, store.pool, mailer
        self.customers = PostgresCustomers(store.pool)
        self.catalog = PostgresCatalog(store.pool)
        self.nats_url, self.config, self.durable = nats_url, config, durable
        self.sent = self.skipped = 0
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.create_task(self.run(), name="pickup-ready notifier")
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
                log.warning("notifier: %r; retrying in %ss", error, pause)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), pause)

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
        subject = subject_of(self.config.subject_prefix, EventType.PICKUP_READY)
        return await js.pull_subscribe(
            subject,
            durable=self.durable,
            stream=self.config.stream,
            config=ConsumerConfig(ack_wait=ACK_WAIT_SECONDS, max_deliver=-1),
        )

    async def handle(self, message: Any) -> None:
        """Mail once per message id, then acknowledge; a failed send is retried later."""
        try:
            ready = decode(message.data, PickupReady)
        except msgspec.ValidationError as error:
            log.error("notifier: not a pickup.ready message, dropped: %s", error)
            await message.term()
            return
        if await self._already_handled(ready.id):
            await message.ack()
            return
        try:
            outcome, recipient = await self._notify(ready)
        except (OSError, ConnectionError) as error:  # smtplib's errors are OSErrors
            log.warning("notifier: mail for %s not sent (%s); will retry", ready.id, error)
            await message.nak(delay=RETRY_MAIL_SECONDS)
            return
        await self.pool.execute(
            """INSERT INTO outbox_notifications (message_id, outcome, recipient)
               VALUES ($1, $2, $3) ON CONFLICT DO NOTHING""",
            ready.id,
            outcome,
            recipient,
        )
        await message.ack()

    async def _already_handled(self, message_id: str) -> bool:
        found = await self.pool.fetchval(
            "SELECT 1 FROM outbox_notifications WHERE message_id = $1", message_id
        )
        return found is not None

    async def _notify(self, ready: IntegrationEvent[PickupReady]) -> tuple[str, str | None]:
        data = ready.data
        customer = await self.customers.customer(data.customer_id) if data.customer_id else None
        if customer is None or not customer.email:
            log.warning(
                "notifier: pickup %s: no e-mail address for its customer, skipped", data.pickup_id
            )
            self.skipped += 1
            return "skipped", None
        code = await self._code_if_waiting(ready)
        if code is None:
            log.info("notifier: pickup %s is no longer waiting, not mailed", data.pickup_id)
            self.skipped += 1
            return "skipped", None
        store = await self.catalog.location(data.store_id)
        await self.mailer.send(
            ready_for_pickup_mail(self.mailer.sender, customer, data, store, code)
        )
        self.sent += 1
        return "sent", customer.email

    async def _code_if_waiting(self, ready: IntegrationEvent[Any]) -> str | None:
        """The code the event issued, unless the pickup was finished since."""
        since = await self.store.read_stream(ready.aggregate_id, ready.aggregate_version - 1)
        if not since or not isinstance(since[0], Pickup.ReadyForPickup):
            return None
        if any(isinstance(event, FINISHED) for event in since[1:]):
            return None
        return since[0].pickup_code
