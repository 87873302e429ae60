"""Asking, sending and answering through the service on the in-memory store: a point asks its
customer only with consent, once, NPS on a cadence; an answer is the customer's, once; a refusal
records nothing. And who may record a service-desk case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import UUID

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.bounds import TooLong
from domain.customer.consent import MarketingChannel, MessageKind
from domain.customer.profile import CustomerProfile
from domain.errors import NotAllowed, NotFound
from domain.feedback.model import Asked, CustomerFeedback, SurveyAlreadyAnswered
from domain.feedback.values import (
    DEFAULT_QUESTIONS,
    FeedbackPoint,
    Question,
    SurveyRules,
    customer_feedback_id,
    survey_id_for,
)
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.service import CommerceService
from domain.service_desk.model import CaseAlreadyResolved
from domain.usecases.feedback import NotAsked
from domain.usecases.sales import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context, StaffRole, customer_profile_id
from tests.shop import OPENING, STAFF, as_uuid, ctx, make_service

EMAIL = MarketingChannel.EMAIL
RULES = SurveyRules(DEFAULT_QUESTIONS)
NOTIFIER = Context(actor=Actor(ActorKind.SYSTEM, "notifier"))
TILL = Context(channel=Channel.POS, actor=Actor(ActorKind.POS_TERMINAL, "till-1", ("AMS-ZUID",)))


def customer(customer_id: str) -> Context:
    return Context(channel=Channel.MOBILE, actor=Actor(ActorKind.CUSTOMER, customer_id))


def staff(role: StaffRole, *stores: str) -> Context:
    return Context(
        channel=Channel.STAFF, actor=Actor(ActorKind.STAFF, "staff-di", stores, None, role)
    )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OPENING)


@pytest.fixture
def service(clock: ManualClock) -> CommerceService:
    return make_service(InMemoryEventStore(), clock)


async def nothing_written(service: CommerceService, attempt: Callable[[], Awaitable[object]],
                          error: type[Exception]) -> None:  # fmt: skip
    before = await service.store.last_position()
    with pytest.raises(error):
        await attempt()
    assert await service.store.last_position() == before


async def collected_pickup(service: CommerceService, clock: ManualClock, customer_id: str) -> UUID:
    """Bought on the phone, ready two hours after the promise."""
    await service.receive_stock("AMS-CENTRAAL", "RETRO-CLOCK", 5, "delivery", STAFF)
    cart = (await service.start_cart(ctx(Channel.MOBILE), customer_id=customer_id)).result.cart_id
    await service.add_to_cart(cart, "RETRO-CLOCK", 1, ctx(Channel.MOBILE))
    pickup = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
    placed = (await service.checkout(cart, pickup, ctx(Channel.MOBILE), payment_token="tok")).result
    pickup_id = as_uuid(placed.pickup_id)
    clock.advance(hours=3)  # the store promises an hour
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    code = (await service.mark_ready(pickup_id, "A1", STAFF)).result.pickup_code
    await service.collect(pickup_id, as_str(code), "staff-bo", STAFF)
    return pickup_id


def as_str(value: str | None) -> str:
    assert value is not None
    return value


async def consenting(service: CommerceService, customer_id: str) -> None:
    await service.set_consent(customer_id, EMAIL, True, "mkt-v1", customer(customer_id))


async def ask(service: CommerceService, point: FeedbackPoint, subject: UUID):  # type: ignore[no-untyped-def]
    return await service.request_feedback(
        point, subject, service.clock.now(), RULES, EMAIL, NOTIFIER
    )


class TestAsking:
    async def test_a_collected_pickup_asks_its_customer_about_that_journey(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        pickup_id = await collected_pickup(service, clock, "cust-ada")
        await consenting(service, "cust-ada")

        asked = (await ask(service, FeedbackPoint.PICKUP_COLLECTED, pickup_id)).result

        assert (asked.outcome, asked.question) == (Asked.REQUESTED, Question.CSAT)
        assert asked.request_id == survey_id_for(FeedbackPoint.PICKUP_COLLECTED, pickup_id)
        assert asked.expires_at == clock.now() + timedelta(days=14)
        feedback = await service.feedback_of("cust-ada")
        assert feedback is not None
        survey = feedback.surveys[asked.request_id]
        assert (survey.touchpoint.store_id, survey.touchpoint.channel) == ("AMS-CENTRAAL", "mobile")
        assert survey.touchpoint.cart_id is not None and survey.touchpoint.order_id is not None
        (requested,) = [
            e for e in await service.store.read_stream(feedback.id)
            if isinstance(e, CustomerFeedback.SurveyRequested)
        ]  # fmt: skip
        happened = requested.happened
        assert happened.ready_at is not None and happened.promised_ready_at is not None
        assert happened.ready_at - happened.promised_ready_at == timedelta(hours=2)

    async def test_nobody_is_asked_without_consent_and_nothing_is_written(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        pickup_id = await collected_pickup(service, clock, "cust-ada")
        await consenting(service, "cust-ada")
        await service.set_consent("cust-ada", EMAIL, False, "mkt-v1", customer("cust-ada"))
        before = await service.store.last_position()

        asked = (await ask(service, FeedbackPoint.PICKUP_COLLECTED, pickup_id)).result

        assert asked.outcome == NotAsked.NO_CONSENT and not asked.to_send
        assert await service.store.last_position() == before
        assert await service.feedback_of("cust-ada") is None

    async def test_the_same_point_asks_once(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        pickup_id = await collected_pickup(service, clock, "cust-ada")
        await consenting(service, "cust-ada")
        first = (await ask(service, FeedbackPoint.PICKUP_COLLECTED, pickup_id)).result
        before = await service.store.last_position()
        again = (await ask(service, FeedbackPoint.PICKUP_COLLECTED, pickup_id)).result
        assert again.outcome == Asked.ALREADY_REQUESTED and again.to_send
        assert (again.request_id, again.expires_at) == (first.request_id, first.expires_at)
        assert await service.store.last_position() == before

    async def test_till_sales_ask_nps_at_most_once_per_90_days(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        await consenting(service, "cust-bob")
        outcomes = []
        for number, day in (("1", 0), ("2", 30), ("3", 90)):
            clock.current = OPENING + timedelta(days=day)
            sale = await service.record_pos_sale(
                "AMS-ZUID", "till-1", number, [PosSaleLine("RETRO-CLOCK", 1)], TILL,
                customer_id="cust-bob",
            )  # fmt: skip
            asked = await ask(service, FeedbackPoint.TILL_SALE, as_uuid(sale.result.sale_id))
            outcomes.append(asked.result.outcome)
        assert outcomes == [Asked.REQUESTED, Asked.NPS_NOT_DUE, Asked.REQUESTED]

    async def test_an_anonymous_till_sale_asks_nobody(self, service: CommerceService) -> None:
        sale = await service.record_pos_sale(
            "AMS-ZUID", "till-1", "7", [PosSaleLine("RETRO-CLOCK", 1)], TILL
        )
        asked = await ask(service, FeedbackPoint.TILL_SALE, as_uuid(sale.result.sale_id))
        assert asked.result.outcome == NotAsked.NO_CUSTOMER

    async def test_a_point_without_a_question_asks_nobody(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        pickup_id = await collected_pickup(service, clock, "cust-ada")
        await consenting(service, "cust-ada")
        quiet = SurveyRules({FeedbackPoint.TILL_SALE: Question.NPS})
        done = await service.request_feedback(
            FeedbackPoint.PICKUP_COLLECTED, pickup_id, clock.now(), quiet, EMAIL, NOTIFIER
        )
        assert done.result.outcome == NotAsked.NO_QUESTION_HERE

    async def test_only_the_notifier_asks(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        pickup_id = await collected_pickup(service, clock, "cust-ada")
        await consenting(service, "cust-ada")
        await nothing_written(service, lambda: service.request_feedback(
            FeedbackPoint.PICKUP_COLLECTED, pickup_id, clock.now(), RULES, EMAIL,
            customer("cust-ada")), NotAllowed)  # fmt: skip

    async def test_sending_is_a_fact_on_the_feedback_and_the_profile(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        pickup_id = await collected_pickup(service, clock, "cust-ada")
        await consenting(service, "cust-ada")
        asked = (await ask(service, FeedbackPoint.PICKUP_COLLECTED, pickup_id)).result
        sent = await service.record_survey_sent("cust-ada", asked.request_id, EMAIL, NOTIFIER)
        again = await service.record_survey_sent("cust-ada", asked.request_id, EMAIL, NOTIFIER)
        assert (sent.result.recorded, again.result.recorded) == (True, False)
        profile = await service.store.read_stream(customer_profile_id("cust-ada"))
        marketing = [e for e in profile if isinstance(e, CustomerProfile.MarketingSent)]
        assert [(e.message, e.about) for e in marketing] == [
            (MessageKind.SATISFACTION_SURVEY, asked.request_id)
        ]


class TestAnswering:
    async def asked(self, service: CommerceService, clock: ManualClock) -> UUID:
        pickup_id = await collected_pickup(service, clock, "cust-ada")
        await consenting(service, "cust-ada")
        return (await ask(service, FeedbackPoint.PICKUP_COLLECTED, pickup_id)).result.request_id

    async def test_the_customer_answers_once_and_the_same_answer_again_replays(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        request_id = await self.asked(service, clock)
        ada = customer("cust-ada")
        first = await service.answer_survey("cust-ada", request_id, 4, " Friendly! ", ada)
        after_first = await service.store.last_position()
        retried = await service.answer_survey("cust-ada", request_id, 4, "Friendly!", ada)
        assert retried.replayed and retried.result == first.result
        await nothing_written(
            service, lambda: service.answer_survey("cust-ada", request_id, 1, None, ada),
            SurveyAlreadyAnswered,
        )  # fmt: skip
        assert await service.store.last_position() == after_first
        events = await service.store.read_stream(customer_feedback_id("cust-ada"))
        (answered,) = [e for e in events if isinstance(e, CustomerFeedback.SurveyAnswered)]
        assert (answered.score, answered.comment) == (4, "Friendly!")

    async def test_nobody_else_answers_for_the_customer(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        request_id = await self.asked(service, clock)
        await nothing_written(service, lambda: service.answer_survey(
            "cust-ada", request_id, 5, None, customer("cust-bob")), NotAllowed)  # fmt: skip

    async def test_a_comment_past_its_bound_is_refused(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        request_id = await self.asked(service, clock)
        await nothing_written(service, lambda: service.answer_survey(
            "cust-ada", request_id, 5, "x" * 1001, customer("cust-ada")), TooLong)  # fmt: skip

    async def test_a_customer_never_asked_has_no_survey(self, service: CommerceService) -> None:
        unknown = survey_id_for(FeedbackPoint.TILL_SALE, OPENING_ID)
        await nothing_written(service, lambda: service.answer_survey(
            "cust-bob", unknown, 5, None, customer("cust-bob")), NotFound)  # fmt: skip


OPENING_ID = UUID("00000000-0000-4000-8000-0000000000ff")


class TestServiceDeskCases:
    async def test_the_desk_opens_resolves_and_a_second_resolution_is_refused(
        self, service: CommerceService
    ) -> None:
        desk = staff(StaffRole.SERVICE_DESK, "AMS-ZUID")
        case = (await service.open_service_case("cust-ada", desk)).result
        await service.contact_service_case(case.case_id, desk)
        resolved = (await service.resolve_service_case(case.case_id, desk)).result
        assert (resolved.status, resolved.contacts) == ("resolved", 2)
        await nothing_written(
            service, lambda: service.resolve_service_case(case.case_id, desk), CaseAlreadyResolved
        )

    async def test_a_picker_a_till_and_the_customer_may_not_record_a_case(
        self, service: CommerceService
    ) -> None:
        for who in (staff(StaffRole.PICKER, "AMS-ZUID"), TILL, customer("cust-ada")):
            await nothing_written(
                service, lambda who=who: service.open_service_case("cust-ada", who), NotAllowed
            )

    async def test_a_desk_acts_only_on_cases_of_its_stores(self, service: CommerceService) -> None:
        zuid = staff(StaffRole.SERVICE_DESK, "AMS-ZUID")
        case = (await service.open_service_case("cust-ada", zuid)).result
        centraal = staff(StaffRole.SERVICE_DESK, "AMS-CENTRAAL")
        await nothing_written(
            service, lambda: service.resolve_service_case(case.case_id, centraal), NotAllowed
        )
