"""Erasure and the bus (issue 20, item 2): the marked customer is mailed through the real relay,
JetStream and the notifier, then erased. `customer.erased` goes out; the JetStream stream's
contents (her cancellation's words deleted by the redactor), the database's full dump and the
notifier's records hold none of her markers. The
SMTP sink keeps the one mail sent before the erasure, as a real mail server would (its own
retention policy decides), and nothing is mailed to her after."""

from __future__ import annotations

import json
from uuid import uuid4

import nats

from adapters.clock import ManualClock
from adapters.outbox.mail import SmtpMailer
from adapters.outbox.notifier import PickupReadyNotifier
from adapters.outbox.redactor import ErasureRedactor
from adapters.outbox.relay import OutboxRelay, RelayConfig
from adapters.postgres.customers import upsert_customers
from adapters.postgres.database import Database
from adapters.postgres.erasure import PostgresEraser
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.ports import Customer
from domain.values import Actor, ActorKind, Channel, Context
from tests.integration.test_erasure import DESK, found_in, full_dump
from tests.outbox.test_notifier import Inbox, drained, eventually, inbox
from tests.outbox.test_relay import shop_service
from tests.shop import OPENING, STAFF, as_uuid

__all__ = ["inbox"]  # the fixture, used by name


async def stream_contents(nats_url: str, config: RelayConfig) -> list[bytes]:
    """Every message the stream holds, subject and headers and data, as stored."""
    connection = await nats.connect(nats_url)
    try:
        js = connection.jetstream()
        info = await js.stream_info(config.stream)
        held = []
        for sequence in range(info.state.first_seq, info.state.last_seq + 1):
            try:
                message = await js.get_msg(config.stream, sequence)
            except nats.js.errors.NotFoundError:
                continue  # deleted

            headers = json.dumps(message.headers or {}).encode()
            held.append(message.subject.encode() + b"\n" + headers + b"\n" + message.data)
        return held
    finally:
        await connection.close()


async def test_the_bus_and_the_notifier_forget_her(
    database: Database, nats_url: str, outbox: RelayConfig, inbox: tuple[Inbox, int]
) -> None:
    mailbox, port = inbox
    tag = uuid4().hex[:10]
    marks = {
        "name": f"Ysolde{tag}",
        "email": f"ysolde.{tag}@example.org",
        "phone": f"+31 6 7{tag[:7]}",
        "device": f"DEVICE-{tag}",
        "cancel": f"CANCEL wrong size for Ysolde {tag}",
    }
    customer_id = f"cust-{tag}"
    async with database.pool.acquire() as connection:
        person = Customer(
            id=customer_id, first_name=marks["name"], email=marks["email"], phone=marks["phone"]
        )
        await upsert_customers(connection, [person])
    service = await shop_service(database, ManualClock(OPENING))
    service.eraser = PostgresEraser(database.store, [])
    phone = Context(
        channel=Channel.MOBILE,
        device_id=marks["device"],
        actor=Actor(ActorKind.CUSTOMER, customer_id),
    )
    await service.receive_stock("AMS-CENTRAAL", "RETRO-CLOCK", 10, "delivery", STAFF)
    cart = (await service.start_cart(phone, customer_id=customer_id)).result.cart_id
    await service.add_to_cart(cart, "RETRO-CLOCK", 1, phone)
    pickup = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
    placed = (await service.checkout(cart, pickup, phone, payment_token="tok")).result
    pickup_id = as_uuid(placed.pickup_id)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    code = (await service.mark_ready(pickup_id, "shelf B3", STAFF)).result.pickup_code
    assert code is not None
    # A second order, cancelled in her words: `order.cancelled` carries them on the bus.
    second = (await service.start_cart(phone, customer_id=customer_id)).result.cart_id
    await service.add_to_cart(second, "RETRO-CLOCK", 1, phone)
    other = (await service.checkout(second, pickup, phone, payment_token="tok")).result
    await service.cancel_order(other.order_id, marks["cancel"], phone)

    relay = OutboxRelay(database.store, nats_url, outbox, database.dsn, database.schema)
    relay.start()
    mailer = SmtpMailer("127.0.0.1", port, "Omni Shop <orders@shop.example>")
    notifier = PickupReadyNotifier(
        database.store, service, mailer, nats_url, outbox, durable="erasure-mailer"
    )
    redactor = ErasureRedactor(
        database.store, service, mailer, nats_url, outbox, durable="erasure-redactor"
    )
    notifier.start()
    redactor.start()
    try:
        await eventually(lambda: notifier.sent == 1, "the ready mail sent")
        await eventually(lambda: drained(nats_url, outbox, "erasure-mailer"), "acknowledged")
        before = b"\n".join(await stream_contents(nats_url, outbox))
        assert marks["cancel"].encode() in before  # her words on the bus, until erased
        assert await database.pool.fetchval(
            "SELECT count(*) FROM outbox_notifications WHERE recipient = $1", marks["email"]
        )  # the notifier keeps whom it mailed...
        await service.collect(pickup_id, code, "staff-bo", STAFF)

        await service.erase_customer(customer_id, "asked by mail", DESK)

        async def erased_published() -> bool:
            held = await stream_contents(nats_url, outbox)
            return any(b".customer.erased\n" in message for message in held)

        await eventually(erased_published, "customer.erased on the stream")
        await eventually(lambda: redactor.deleted == 1, "her cancellation deleted")
        await eventually(lambda: drained(nats_url, outbox, "erasure-redactor"), "acknowledged")
    finally:
        await redactor.stop()
        await notifier.stop()
        await relay.stop()

    held = await stream_contents(nats_url, outbox)
    erased = [m for m in held if b".customer.erased\n" in m]
    assert len(erased) == 1 and customer_id.encode() in erased[0]
    assert found_in(b"\n".join(held), marks) == {}
    # ...and forgets it at the erasure; the dump holds none of her markers.
    assert (
        await database.pool.fetchval(
            "SELECT count(*) FROM outbox_notifications WHERE recipient IS NULL"
        )
        == 1
    )
    assert found_in(await full_dump(database), marks) == {}
    # The mail sent before the erasure stays in the mail server's store: it was delivered.
    assert len(mailbox.messages) == 1
    assert mailbox.messages[0]["To"] == marks["email"]
