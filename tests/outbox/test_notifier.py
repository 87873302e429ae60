"""The pickup-ready notifier: a real relay and JetStream, mail to a local aiosmtpd server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from email import message_from_bytes
from email.message import Message

import nats
import pytest
from aiosmtpd.controller import Controller

from adapters.clock import ManualClock
from adapters.nats.server import free_port
from adapters.outbox.mail import SmtpMailer
from adapters.outbox.notifier import PickupReadyNotifier
from adapters.outbox.relay import OutboxRelay, RelayConfig
from adapters.postgres.customers import upsert_customers
from adapters.postgres.database import Database
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.ports import Customer
from domain.service import CommerceService
from tests.outbox.test_relay import shop_service
from tests.shop import OPENING, STAFF, as_uuid, ctx

CUSTOMERS = [
    Customer(id="cust-ada", first_name="Ada", last_name="Lovelace", email="ada@example.com"),
    Customer(id="cust-nomail", first_name="Kim", email=None),
]


class Inbox:
    """An aiosmtpd handler keeping every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


async def eventually(check: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        result = check()
        if await result if isinstance(result, Awaitable) else result:
            return
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def ready_pickup(service: CommerceService, customer_id: str, shelf: str) -> None:
    cart = (await service.start_cart(ctx(), customer_id=customer_id)).result.cart_id
    await service.add_to_cart(cart, "RETRO-CLOCK", 1, ctx())
    pickup = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
    placed = (await service.checkout(cart, pickup, ctx(), payment_token="tok")).result
    await service.start_picking(as_uuid(placed.pickup_id), "staff-bo", STAFF)
    await service.mark_ready(as_uuid(placed.pickup_id), shelf, STAFF)


async def drained(nats_url: str, config: RelayConfig, durable: str) -> bool:
    connection = await nats.connect(nats_url)
    try:
        info = await connection.jetstream().consumer_info(config.stream, durable)
        return info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq > 0
    except nats.js.errors.NotFoundError:
        return False
    finally:
        await connection.close()


async def test_a_ready_pickup_mails_its_customer_once_and_skips_one_without_an_address(
    database: Database, nats_url: str, outbox: RelayConfig, inbox: tuple[Inbox, int]
) -> None:
    mailbox, port = inbox
    async with database.pool.acquire() as connection:
        await upsert_customers(connection, CUSTOMERS)
    service = await shop_service(database, ManualClock(OPENING))
    await service.receive_stock("AMS-CENTRAAL", "RETRO-CLOCK", 10, "delivery", STAFF)
    await ready_pickup(service, "cust-ada", "shelf B3")
    await ready_pickup(service, "cust-nomail", "shelf B4")
    relay = OutboxRelay(database.store, nats_url, outbox, database.dsn, database.schema)
    relay.start()
    mailer = SmtpMailer("127.0.0.1", port, "Omni Shop <orders@shop.example>")
    first = PickupReadyNotifier(
        database.store, service, mailer, nats_url, outbox, durable="mailer-1"
    )
    first.start()
    try:
        await eventually(lambda: first.sent + first.skipped == 2, "both messages handled")
        await eventually(lambda: drained(nats_url, outbox, "mailer-1"), "both acknowledged")
        await first.stop()
        # A second consumer is handed the same messages again: nothing is mailed twice.
        again = PickupReadyNotifier(
            database.store, service, mailer, nats_url, outbox, durable="mailer-2"
        )
        again.start()
        await eventually(lambda: drained(nats_url, outbox, "mailer-2"), "redelivery handled")
        await again.stop()
    finally:
        await relay.stop()

    assert (first.sent, first.skipped, again.sent, again.skipped) == (1, 1, 0, 0)
    assert len(mailbox.messages) == 1
    mail = mailbox.messages[0]
    assert mail["To"] == "ada@example.com" and mail["From"] == "Omni Shop <orders@shop.example>"
    assert "ready for pickup at Amsterdam Centraal" in mail["Subject"]
    body = mail.get_payload(decode=True).decode()
    assert body.startswith("Hi Ada,")
    assert "CODE01" in body and "shelf B3" in body
    assert "Please collect it by" in body and "UTC" not in body  # in the store's time zone
    outcomes = await database.pool.fetch(
        "SELECT outcome, recipient FROM outbox_notifications ORDER BY outcome"
    )
    assert [tuple(r) for r in outcomes] == [("sent", "ada@example.com"), ("skipped", None)]
