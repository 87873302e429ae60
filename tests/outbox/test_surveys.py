"""Surveys after journey points through a real relay and JetStream, mail to a local aiosmtpd
server: only with consent, once per point however often the message comes, with a link that
names the customer and the survey."""

from __future__ import annotations

import re
from datetime import datetime
from uuid import UUID

from adapters.clock import ManualClock
from adapters.outbox.mail import SmtpMailer
from adapters.outbox.relay import OutboxRelay, RelayConfig
from adapters.outbox.surveys import AfterPickup, AfterTillSale
from adapters.postgres.customers import upsert_customers
from adapters.postgres.database import Database
from api.auth import TokenService
from domain.customer.consent import MarketingChannel, MessageKind
from domain.customer.profile import CustomerProfile
from domain.feedback.model import CustomerFeedback
from domain.feedback.values import DEFAULT_QUESTIONS, FeedbackPoint, SurveyRules, survey_id_for
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.ports import Customer
from domain.service import CommerceService
from domain.usecases.sales import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context, customer_profile_id
from tests.outbox.test_notifier import Inbox, drained, eventually
from tests.outbox.test_notifier import inbox as smtp_sink
from tests.outbox.test_relay import shop_service
from tests.shop import OPENING, STAFF, as_uuid, ctx

smtp = smtp_sink
EMAIL = MarketingChannel.EMAIL
TOKENS = TokenService("survey-tests-secret-of-at-least-thirty-two-bytes")
SHOPPERS = [
    Customer(id="cust-ada", first_name="Ada", email="ada@example.com"),  # says yes
    Customer(id="cust-bob", first_name="Bob", email="bob@example.com"),  # never asked
]
LINK = re.compile(r"https://shop\.example/survey#(\S+)")


def link_for(customer_id: str, request_id: UUID, expires_at: datetime) -> str:
    token = TOKENS.mint_survey_link(customer_id, request_id, int(expires_at.timestamp()))
    return f"https://shop.example/survey#{token}"


async def collected(service: CommerceService, customer_id: str) -> UUID:
    cart = (await service.start_cart(ctx(), customer_id=customer_id)).result.cart_id
    await service.add_to_cart(cart, "RETRO-CLOCK", 1, ctx())
    placed = await service.checkout(cart, _pickup_at_centraal(), ctx(), payment_token="tok")
    pickup_id = as_uuid(placed.result.pickup_id)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    code = (await service.mark_ready(pickup_id, "B3", STAFF)).result.pickup_code
    await service.collect(pickup_id, code or "", "staff-bo", STAFF)
    return pickup_id


def _pickup_at_centraal() -> Fulfillment:
    return Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")


async def test_a_survey_goes_once_and_only_to_who_agreed(
    database: Database, nats_url: str, outbox: RelayConfig, smtp: tuple[Inbox, int]
) -> None:
    mailbox, port = smtp
    async with database.pool.acquire() as connection:
        await upsert_customers(connection, SHOPPERS)
    clock = ManualClock(OPENING)
    service = await shop_service(database, clock)
    await service.receive_stock("AMS-CENTRAAL", "RETRO-CLOCK", 10, "delivery", STAFF)
    ada = Context(channel=Channel.WEB, actor=Actor(ActorKind.CUSTOMER, "cust-ada"))
    await service.set_consent("cust-ada", EMAIL, True, "mkt-v1", ada)
    ada_pickup = await collected(service, "cust-ada")
    await collected(service, "cust-bob")
    till = ctx(Channel.POS, "till-1")
    line = [PosSaleLine("RETRO-CLOCK", 1)]
    await service.record_pos_sale("AMS-CENTRAAL", "till-1", "S-1", line, till)  # anonymous

    relay = OutboxRelay(database.store, nats_url, outbox, database.dsn, database.schema)
    mailer = SmtpMailer("127.0.0.1", port, "Omni Shop <hello@shop.example>")
    rules = SurveyRules(DEFAULT_QUESTIONS)
    after_pickup = AfterPickup(database.store, service, mailer, nats_url, outbox, rules, link_for,
                               durable="pickups-1")  # fmt: skip
    after_sale = AfterTillSale(database.store, service, mailer, nats_url, outbox, rules, link_for,
                               durable="sales-1")  # fmt: skip
    for running in (relay, after_pickup, after_sale):
        running.start()
    try:
        await eventually(lambda: after_pickup.sent + after_pickup.skipped == 2, "both pickups")
        await eventually(lambda: after_sale.skipped == 1, "the anonymous sale")
        await after_pickup.stop()
        # The same messages to a second consumer: the request is found sent, nothing is mailed.
        again = AfterPickup(database.store, service, mailer, nats_url, outbox, rules, link_for,
                            durable="pickups-2")  # fmt: skip
        again.start()
        await eventually(lambda: drained(nats_url, outbox, "pickups-2"), "redelivery handled")
        await again.stop()
    finally:
        for running in (after_sale, relay):
            await running.stop()

    assert (after_pickup.sent, after_pickup.skipped, again.sent) == (1, 1, 0)
    (mail,) = mailbox.messages
    assert mail["To"] == "ada@example.com"
    body = mail.get_payload(decode=True).decode()
    assert "How satisfied were you with collecting your order at Amsterdam Centraal?" in body
    assert "from 1 (not at all satisfied) to 5 (very satisfied)" in body
    found = LINK.search(body)
    assert found is not None
    request_id = survey_id_for(FeedbackPoint.PICKUP_COLLECTED, ada_pickup)
    assert TOKENS.verify_survey_link(found.group(1)) == ("cust-ada", request_id)
    feedback = await database.store.read_stream(
        (await service.feedback_of("cust-ada")).id  # type: ignore[union-attr]
    )
    assert [type(e).__name__ for e in feedback] == ["Opened", "SurveyRequested", "SurveySent"]
    assert isinstance(feedback[1], CustomerFeedback.SurveyRequested)
    assert feedback[1].request_id == request_id
    profile = await database.store.read_stream(customer_profile_id("cust-ada"))
    assert [
        (e.message, e.about) for e in profile if isinstance(e, CustomerProfile.MarketingSent)
    ] == [(MessageKind.SATISFACTION_SURVEY, request_id)]
    assert await service.feedback_of("cust-bob") is None  # Bob never agreed: never asked
