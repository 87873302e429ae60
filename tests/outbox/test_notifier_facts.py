"""Facts that are true: a customer is "notified" only once the mail server accepted the mail.

A real relay and JetStream, the notifier mailing a local aiosmtpd server, and every read
model live: what the board and the customer's timeline show comes from what was recorded."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller

from adapters.nats.server import free_port
from adapters.outbox.mail import SmtpMailer
from adapters.outbox.notifier import MailRetry, PickupReadyNotifier
from adapters.outbox.relay import OutboxRelay, RelayConfig
from adapters.postgres.customers import upsert_customers
from api.server.scheduler import tick
from domain.pickup.model import Pickup
from domain.ports import Position
from domain.values import event_id
from projections.fulfillment_times import NotificationState, PickupCard, board
from projections.timeline_queries import timeline, timeline_header
from tests.integration.conftest import Shop
from tests.outbox.test_notifier import CUSTOMERS, drained, eventually, ready_pickup
from tests.shop import STAFF

STORE = "AMS-CENTRAAL"
BUSY = "451 4.3.0 mailbox busy, try again later"


class Server:
    """An aiosmtpd handler that refuses the first `refusals` mails, then accepts and keeps
    each one."""

    def __init__(self, refusals: int = 0) -> None:
        self.refusals = refusals
        self.accepted: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if self.refusals > 0:
            self.refusals -= 1
            return BUSY
        self.accepted.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Server, int]]:
    handler, port = Server(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


async def ready_for_ada(shop: Shop) -> UUID:
    async with shop.pool.acquire() as connection:
        await upsert_customers(connection, CUSTOMERS)
    await shop.service.receive_stock(STORE, "RETRO-CLOCK", 5, "delivery", STAFF)
    await ready_pickup(shop.service, "cust-ada", "shelf B3")
    await shop.settled()
    [card] = (await board(shop.pool, STORE, shop.clock.now())).ready
    return card.pickup_id


async def run_notifier(
    shop: Shop,
    nats_url: str,
    outbox: RelayConfig,
    port: int,
    until: object,
    durable: str = "mailer-1",
    retry: MailRetry = MailRetry(delays=(0.2,), attempts=5),  # noqa: B008
) -> PickupReadyNotifier:
    """The relay and a notifier, until `until(notifier)` and the consumer is drained."""
    database = shop.database
    relay = OutboxRelay(database.store, nats_url, outbox, database.dsn, database.schema)
    mailer = SmtpMailer("127.0.0.1", port, "Omni Shop <orders@shop.example>")
    notifier = PickupReadyNotifier(
        database.store, shop.service, mailer, nats_url, outbox, durable=durable, retry=retry
    )
    relay.start()
    notifier.start()
    try:
        await eventually(lambda: until(notifier), "the notifier's outcome")  # type: ignore[operator]
        await eventually(lambda: drained(nats_url, outbox, durable), "every message handled")
    finally:
        await notifier.stop()
        await relay.stop()
    await shop.settled()
    return notifier


async def since_ready(shop: Shop, pickup_id: UUID) -> list[object]:
    events = await shop.database.store.read_stream(pickup_id)
    ready_at = next(i for i, e in enumerate(events) if isinstance(e, Pickup.ReadyForPickup))
    return events[ready_at + 1 :]


async def card_of(shop: Shop, pickup_id: UUID) -> PickupCard:
    [card] = (await board(shop.pool, STORE, shop.clock.now())).ready
    assert card.pickup_id == pickup_id
    return card


async def kinds_on_timeline(shop: Shop) -> list[str]:
    page = await timeline(shop.pool, "cust-ada", 50)
    return [t.kind for t in reversed(page.touchpoints)]


async def test_a_ready_pickup_is_mailed_once_and_shown_notified(
    shop: Shop,
    nats_url: str,
    outbox: RelayConfig,
    smtp: tuple[Server, int],
) -> None:
    server, port = smtp
    pickup_id = await ready_for_ada(shop)

    first = await run_notifier(shop, nats_url, outbox, port, lambda n: n.sent == 1)
    # The message id's record lost (a crash before it was written): a new consumer is handed
    # the message again, finds the fact in the pickup and mails nothing.
    await shop.pool.execute("DELETE FROM outbox_notifications")
    again = await run_notifier(
        shop, nats_url, outbox, port, lambda n: n.skipped == 1, durable="mailer-2"
    )

    assert (first.sent, first.failed, again.sent, again.skipped) == (1, 0, 0, 1)
    assert len(server.accepted) == 1 and server.accepted[0]["To"] == "ada@example.com"
    [told] = await since_ready(shop, pickup_id)
    assert isinstance(told, Pickup.CustomerNotified)
    assert (told.channel, told.at) == ("email", shop.clock.now())
    [recorded] = [r for r in await shop.database.store.read_all(Position()) if r.event == told]
    assert recorded.context.causation_id == event_id(pickup_id, 3)  # the ReadyForPickup
    card = await card_of(shop, pickup_id)
    assert card.notification is NotificationState.NOTIFIED
    assert (card.notified_channel, card.notified_at) == ("email", told.at)
    assert (await kinds_on_timeline(shop))[-2:] == ["pickup_ready", "pickup_notified"]
    assert (await timeline_header(shop.pool, "cust-ada")).not_notified == 0


async def test_a_refused_mail_is_recorded_failed_then_notified_when_accepted_on_retry(
    shop: Shop,
    nats_url: str,
    outbox: RelayConfig,
    smtp: tuple[Server, int],
) -> None:
    server, port = smtp
    server.refusals = 2
    pickup_id = await ready_for_ada(shop)

    notifier = await run_notifier(shop, nats_url, outbox, port, lambda n: n.sent == 1)

    assert (notifier.failed, notifier.sent) == (2, 1)
    assert len(server.accepted) == 1
    failed_1, failed_2, told = await since_ready(shop, pickup_id)
    assert isinstance(failed_1, Pickup.NotificationFailed)
    assert isinstance(failed_2, Pickup.NotificationFailed)
    assert (failed_1.channel, failed_1.reason, failed_1.attempt) == ("email", BUSY, 1)
    assert failed_2.attempt == 2
    assert isinstance(told, Pickup.CustomerNotified)
    card = await card_of(shop, pickup_id)
    assert card.notification is NotificationState.NOTIFIED and card.notice_attempts == 2
    assert (await kinds_on_timeline(shop))[-4:] == [
        "pickup_ready",
        "pickup_notification_failed",
        "pickup_notification_failed",
        "pickup_notified",
    ]


async def test_a_mail_refused_at_every_attempt_stays_failed_with_its_reason(
    shop: Shop,
    nats_url: str,
    outbox: RelayConfig,
    smtp: tuple[Server, int],
) -> None:
    server, port = smtp
    server.refusals = 10
    pickup_id = await ready_for_ada(shop)
    bounded = MailRetry(delays=(0.1,), attempts=3)

    notifier = await run_notifier(
        shop, nats_url, outbox, port, lambda n: n.failed == 3, retry=bounded
    )

    assert (notifier.failed, notifier.sent, server.refusals) == (3, 0, 7)  # then it gave up
    assert [type(e) for e in await since_ready(shop, pickup_id)] == [Pickup.NotificationFailed] * 3
    card = await card_of(shop, pickup_id)
    assert card.notification is NotificationState.FAILED
    assert (card.notice_failure, card.notice_attempts, card.notified_at) == (BUSY, 3, None)
    assert (await timeline_header(shop.pool, "cust-ada")).not_notified == 1


async def test_without_a_notifier_the_board_and_timeline_say_not_notified(
    shop: Shop,
) -> None:
    pickup_id = await ready_for_ada(shop)
    await tick(shop.pool, shop.service, shop.clock)  # the clock's rules, as the service ticks
    shop.clock.advance(minutes=30)
    await tick(shop.pool, shop.service, shop.clock)
    await shop.settled()

    assert await since_ready(shop, pickup_id) == []
    card = await card_of(shop, pickup_id)
    assert card.notification is NotificationState.NOT_NOTIFIED and card.notified_at is None
    assert "pickup_notified" not in await kinds_on_timeline(shop)
    assert (await timeline_header(shop.pool, "cust-ada")).not_notified == 1
