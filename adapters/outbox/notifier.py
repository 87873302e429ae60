"""The example consumer: e-mails a customer when their pickup is ready, and records what
happened in the pickup's stream.

A separate process (`omni notify run`) with a durable JetStream consumer on the pickup-ready
subject. For each message it reads the pickup, looks the customer up (`customers`) and sends
the mail. Only once the SMTP server accepted it does it record `CustomerNotified` (through the
service), then the message id, and only then acknowledge; a redelivery finds the fact in the
pickup and never mails twice (a crash between the send and the record can repeat one mail: at
least once). A failed send is recorded as `NotificationFailed` (reason, attempt) and retried
by JetStream after a growing, bounded delay; after `MailRetry.attempts` failures it stops,
and the pickup stays "notification failed" for staff to see.

The pickup code goes in the mail, though never on the bus: it is the customer's own proof at
the counter (their order page shows it too), and a ready mail without it sends them to the
app while standing at the counter. It is read from the committed ReadyForPickup event the
message names, which also tells whether the pickup is still waiting (a mail for one already
collected, cancelled or expired after an outage would only confuse).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec

from adapters.outbox.consumer import NOTIFIER, MailingConsumer, MailRetry
from adapters.outbox.contract import EventType, IntegrationEvent, PickupReady, decode
from adapters.outbox.mail import SmtpMailer, failure_reason, ready_for_pickup_mail
from domain.errors import DomainError
from domain.pickup.model import READY_NOTICE_CHANNEL, Pickup
from domain.service import Done
from domain.values import Channel, Context, event_id

__all__ = ["DURABLE", "MailRetry", "PickupReadyNotifier", "SmtpMailer"]

log = logging.getLogger(__name__)

DURABLE = "pickup-ready-mailer"
FINISHED = (Pickup.Collected, Pickup.NotCollected, Pickup.Cancelled)
R = TypeVar("R", bound=msgspec.Struct)


class Waiting(msgspec.Struct, frozen=True):
    """What the pickup's stream says since the ready event a message names."""

    pickup_code: str | None  # None: it is no longer waiting (or the message names no ready)
    notified: bool  # the e-mail notice is recorded already


class PickupReadyNotifier(MailingConsumer):
    """Consumes `<prefix>.pickup.ready` until stopped; `sent`, `skipped` and `failed` (sends)
    count this run."""

    event_type = EventType.PICKUP_READY
    name = "pickup-ready notifier"

    durable_name = DURABLE

    async def handle(self, message: Any) -> None:
        """Mail once per pickup and record the outcome, then acknowledge; a failed send is
        recorded and retried later."""
        try:
            ready = decode(message.data, PickupReady)
        except msgspec.ValidationError as error:
            log.error("notifier: not a pickup.ready message, dropped: %s", error)
            await message.term()
            return
        if await self._already_handled(ready.id):
            await message.ack()
            return
        handled = await self._notify(message, ready)
        if handled is None:  # not sent: retried later, or given up
            return
        await self._handled(ready.id, *handled)
        await message.ack()

    async def _notify(
        self, message: Any, ready: IntegrationEvent[PickupReady]
    ) -> tuple[str, str | None] | None:
        data = ready.data
        waiting = await self._waiting(ready)
        if waiting.notified:
            log.info("notifier: pickup %s: its customer was told already", data.pickup_id)
            self.skipped += 1
            return "skipped", None
        customer = await self.customers.customer(data.customer_id) if data.customer_id else None
        if customer is None or not customer.email:
            log.warning(
                "notifier: pickup %s: no e-mail address for its customer, skipped", data.pickup_id
            )
            self.skipped += 1
            return "skipped", None
        # Transactional (MessageKind.PICKUP_READY): it goes whatever the customer said about
        # marketing; only marketing asks for consent (adapters/outbox/reminder.py).
        if waiting.pickup_code is None:
            log.info("notifier: pickup %s is no longer waiting, not mailed", data.pickup_id)
            self.skipped += 1
            return "skipped", None
        store = await self.catalog.location(data.store_id)
        mail = ready_for_pickup_mail(self.mailer.sender, customer, data, store, waiting.pickup_code)
        try:
            await self.mailer.send(mail)
        except OSError as error:  # smtplib's errors, the server's refusals included
            await self._failed_then_retry(message, ready, error)
            return None
        await self._record(
            ready,
            lambda context: self.service.record_customer_notified(
                data.pickup_id, READY_NOTICE_CHANNEL, context
            ),
        )
        self.sent += 1
        return "sent", customer.email

    async def _failed_then_retry(
        self, message: Any, ready: IntegrationEvent[PickupReady], error: OSError
    ) -> None:
        reason = failure_reason(error)
        self.failed += 1
        done = await self._record(
            ready,
            lambda context: self.service.record_notification_failed(
                ready.data.pickup_id, READY_NOTICE_CHANNEL, reason, context
            ),
        )
        attempt = done.result.attempt if done is not None else message.metadata.num_delivered
        delay = self.retry.delay_after(attempt)
        if delay is None:
            log.error(
                "notifier: mail for %s failed %d times (%s); given up", ready.id, attempt, reason
            )
            await message.term()
            return
        log.warning(
            "notifier: mail for %s not sent (%s); retry %d in %ss", ready.id, reason, attempt, delay
        )
        await message.nak(delay=delay)

    async def _record(
        self,
        ready: IntegrationEvent[PickupReady],
        record: Callable[[Context], Awaitable[Done[R]]],
    ) -> Done[R] | None:
        """Run a recording use case in the ready event's correlation, caused by it; a
        refusal (e.g. the fact is recorded already) is logged, not raised."""
        context = Context(
            channel=Channel.SYSTEM,
            actor=NOTIFIER,
            correlation_id=ready.correlation_id,
            causation_id=event_id(ready.aggregate_id, ready.aggregate_version),
        )
        try:
            return await record(context)
        except DomainError as refused:
            log.info("notifier: pickup %s: %r not recorded", ready.data.pickup_id, refused)
            return None

    async def _waiting(self, ready: IntegrationEvent[Any]) -> Waiting:
        """The code the event issued, unless the pickup was finished since; and whether the
        customer was told already (a redelivery after success, or staff's own e-mail)."""
        since = await self.store.read_stream(ready.aggregate_id, ready.aggregate_version - 1)
        if not since or not isinstance(since[0], Pickup.ReadyForPickup):
            return Waiting(None, notified=False)
        notified = any(
            isinstance(event, Pickup.CustomerNotified) and event.channel == READY_NOTICE_CHANNEL
            for event in since[1:]
        )
        if any(isinstance(event, FINISHED) for event in since[1:]):
            return Waiting(None, notified)
        return Waiting(since[0].pickup_code, notified)
