"""Marketing needs consent, transactional messages do not: the abandoned-cart reminder and the
pickup-ready notice through a real relay and JetStream, mail to a local aiosmtpd server."""

from __future__ import annotations

from uuid import UUID

from adapters.clock import ManualClock
from adapters.outbox.mail import SmtpMailer
from adapters.outbox.notifier import PickupReadyNotifier
from adapters.outbox.relay import OutboxRelay, RelayConfig
from adapters.outbox.reminder import AbandonedCartReminder
from adapters.postgres.customers import upsert_customers
from adapters.postgres.database import Database
from domain.customer.consent import MarketingChannel, MessageKind
from domain.customer.profile import CustomerProfile
from domain.ports import Customer
from domain.service import CommerceService
from domain.values import Actor, ActorKind, Channel, Context, customer_profile_id
from projections.customer_data import customer_data
from tests.integration.conftest import Shop
from tests.outbox.test_notifier import Inbox, drained, eventually, ready_pickup
from tests.outbox.test_notifier import inbox as smtp_sink
from tests.outbox.test_relay import shop_service
from tests.shop import OPENING, STAFF, ctx

EMAIL = MarketingChannel.EMAIL
smtp = smtp_sink  # the notifier tests' SMTP sink, as this module's fixture
SHOPPERS = [
    Customer(id="cust-ada", first_name="Ada", email="ada@example.com"),  # says yes
    Customer(id="cust-bob", first_name="Bob", email="bob@example.com"),  # yes, then no
    Customer(id="cust-kim", first_name="Kim", email="kim@example.com"),  # never asked
]


def as_customer(customer_id: str) -> Context:
    return Context(channel=Channel.WEB, actor=Actor(ActorKind.CUSTOMER, customer_id))


async def abandoned_cart(service: CommerceService, customer_id: str | None) -> UUID:
    cart = (await service.start_cart(ctx(), customer_id=customer_id)).result.cart_id
    await service.add_to_cart(cart, "LAVA-LAMP", 2, ctx())
    return cart


async def test_a_reminder_goes_only_with_consent_and_a_pickup_notice_always(
    shop: Shop, nats_url: str, outbox: RelayConfig, smtp: tuple[Inbox, int]
) -> None:
    mailbox, port = smtp
    database, service, clock = shop.database, shop.service, shop.clock
    async with database.pool.acquire() as connection:
        await upsert_customers(connection, SHOPPERS)
    await service.receive_stock("AMS-CENTRAAL", "RETRO-CLOCK", 5, "delivery", STAFF)
    await service.set_consent("cust-ada", EMAIL, True, "mkt-v1", as_customer("cust-ada"))
    await service.set_consent("cust-bob", EMAIL, True, "mkt-v1", as_customer("cust-bob"))
    await service.set_consent("cust-bob", EMAIL, False, "mkt-v1", as_customer("cust-bob"))
    await ready_pickup(service, "cust-bob", "shelf C1")  # Bob's pickup: transactional
    carts = {who: await abandoned_cart(service, who) for who in ("cust-ada", "cust-bob")}
    carts["cust-kim"] = await abandoned_cart(service, "cust-kim")
    guest = await abandoned_cart(service, None)
    idle = clock.advance(days=31)
    for cart in (*carts.values(), guest):
        await service.abandon_cart(cart, idle, ctx())

    relay = OutboxRelay(database.store, nats_url, outbox, database.dsn, database.schema)
    mailer = SmtpMailer("127.0.0.1", port, "Omni Shop <hello@shop.example>")
    reminder = AbandonedCartReminder(
        database.store, service, mailer, nats_url, outbox, durable="reminder"
    )
    notifier = PickupReadyNotifier(
        database.store, service, mailer, nats_url, outbox, durable="ready"
    )
    for running in (relay, reminder, notifier):
        running.start()
    try:
        await eventually(lambda: reminder.sent + reminder.skipped == 4, "every cart handled")
        await eventually(lambda: notifier.sent == 1, "the pickup notice sent")
        await eventually(lambda: drained(nats_url, outbox, "reminder"), "all acknowledged")
    finally:
        for running in (reminder, notifier, relay):
            await running.stop()

    assert (reminder.sent, reminder.skipped) == (1, 3)
    subjects = {mail["To"]: mail["Subject"] for mail in mailbox.messages}
    assert len(mailbox.messages) == 2 and set(subjects) == {"ada@example.com", "bob@example.com"}
    assert subjects["ada@example.com"] == "You left something in your cart"
    assert "is ready for pickup" in subjects["bob@example.com"]  # Bob said no to marketing only
    reminded = mailbox.messages[[m["To"] for m in mailbox.messages].index("ada@example.com")]
    body = reminded.get_payload(decode=True).decode()
    assert body.startswith("Hi Ada,") and "2 x LAVA-LAMP" in body and "Say no" in body
    ada = await service.repository.get(customer_profile_id("cust-ada"), CustomerProfile)
    sent = [
        e for e in await database.store.read_stream(ada.id) if type(e).__name__ == "MarketingSent"
    ]
    assert [(e.message, e.channel, e.about) for e in sent] == [
        (MessageKind.ABANDONED_CART_REMINDER, EMAIL, carts["cust-ada"])
    ]
    outcomes = await database.pool.fetch(
        "SELECT message_id, outcome, recipient FROM outbox_notifications"
    )
    by_cart = {
        UUID(r["message_id"].split(":")[0]): (r["outcome"], r["recipient"]) for r in outcomes
    }
    assert by_cart[carts["cust-ada"]] == ("sent", "ada@example.com")
    assert by_cart[carts["cust-bob"]] == by_cart[carts["cust-kim"]] == ("skipped", None)
    assert by_cart[guest] == ("skipped", None)
    # What was sent to Ada, and the decision behind it, are in her data.
    await shop.settled()
    exported = await customer_data(database.store, "cust-ada", clock.now())
    assert exported["notifications"] == [
        {
            "messageId": next(
                r["message_id"]
                for r in outcomes
                if r["message_id"].startswith(str(carts["cust-ada"]))
            ),
            "outcome": "sent",
            "recipient": "ada@example.com",
            "recordedAt": exported["notifications"][0]["recordedAt"],
        }
    ]
    (profile,) = exported["profileHistory"]
    assert [e["type"] for e in profile["events"]] == [
        "CustomerProfile.Opened",
        "CustomerProfile.ConsentGiven",
        "CustomerProfile.MarketingSent",
    ]


async def test_a_reminder_is_not_sent_once_the_cart_is_recovered(
    database: Database, nats_url: str, outbox: RelayConfig, smtp: tuple[Inbox, int]
) -> None:
    mailbox, port = smtp
    async with database.pool.acquire() as connection:
        await upsert_customers(connection, SHOPPERS[:1])
    clock = ManualClock(OPENING)
    service = await shop_service(database, clock)
    await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 5, "delivery", STAFF)
    await service.set_consent("cust-ada", EMAIL, True, "mkt-v1", as_customer("cust-ada"))
    cart = await abandoned_cart(service, "cust-ada")
    await service.abandon_cart(cart, clock.advance(days=31), ctx())
    await service.recover_cart(cart, as_customer("cust-ada"))  # back before the mail went

    relay = OutboxRelay(database.store, nats_url, outbox, database.dsn, database.schema)
    mailer = SmtpMailer("127.0.0.1", port, "Omni Shop <hello@shop.example>")
    reminder = AbandonedCartReminder(database.store, service, mailer, nats_url, outbox)
    relay.start()
    reminder.start()
    try:
        await eventually(lambda: reminder.skipped == 1, "the message handled")
    finally:
        await reminder.stop()
        await relay.stop()
    assert reminder.sent == 0 and mailbox.messages == []
