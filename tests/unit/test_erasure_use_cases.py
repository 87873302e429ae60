"""Erasing a customer through the service (issue 20, item 2): who may, when it is refused
(and then nothing is written), the customer's own request and its waiting period, and what
an erased customer's id can still do (nothing) while their business facts stay exact."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.bounds import OutOfBounds, TooLong
from domain.cart.model import Cart
from domain.customer.profile import CustomerErased, CustomerProfile, ProfileMerged
from domain.errors import ErrorCode, NotAllowed
from domain.order.model import Fulfillment, FulfillmentMethod, Order
from domain.personal import ERASED
from domain.returns.model import Inspection, Return
from domain.service import CommerceService
from domain.usecases.erasure import ErasureBlocked, ErasureNotDue
from domain.values import (
    SYSTEM_ACTOR,
    Actor,
    ActorKind,
    Channel,
    Context,
    StaffRole,
    customer_profile_id,
)
from tests.integration.personal_journey import ADA, MARKERS, STORE, ada_buys_collects_and_returns
from tests.shop import OPENING, STAFF, make_service


def acting(kind: ActorKind, actor_id: str, role: StaffRole | None = None) -> Context:
    channel = Channel.STAFF if kind is ActorKind.STAFF else Channel.MOBILE
    return Context(channel=channel, actor=Actor(kind, actor_id, (STORE,), staff_role=role))


DESK = acting(ActorKind.STAFF, "staff-di", StaffRole.SERVICE_DESK)
PICKER = acting(ActorKind.STAFF, "staff-bo", StaffRole.PICKER)
BOB = acting(ActorKind.CUSTOMER, "cust-bob")
ADMIN = Context(channel=Channel.STAFF, actor=Actor(ActorKind.ADMIN, "admin-1"))
CLOCK_CONTEXT = Context(channel=Channel.SYSTEM, actor=SYSTEM_ACTOR)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OPENING)


@pytest.fixture
def service(clock: ManualClock) -> CommerceService:
    return make_service(InMemoryEventStore(), clock)


async def refused(
    service: CommerceService, error: type[Exception], attempt: Callable[[], Awaitable[object]]
) -> Exception:
    before = await service.store.last_position()
    with pytest.raises(error) as refusal:
        await attempt()
    assert await service.store.last_position() == before
    return refusal.value


async def finish_return(service: CommerceService, return_id: object) -> None:
    await service.receive_return(return_id, STORE, STAFF)  # type: ignore[arg-type]
    await service.inspect_return(return_id, [Inspection("LAVA-LAMP", 1, 0)], STAFF)  # type: ignore[arg-type]
    await service.refund_return(return_id, STAFF)  # type: ignore[arg-type]


async def profile(service: CommerceService, customer_id: str) -> CustomerProfile:
    return await service.repository.get(customer_profile_id(customer_id), CustomerProfile)


class TestTheServiceDeskErases:
    async def test_erased_texts_read_as_the_placeholder_and_business_facts_stay(
        self, service: CommerceService
    ) -> None:
        journey = await ada_buys_collects_and_returns(service)
        await finish_return(service, journey.return_id)
        order = await service.repository.get(journey.order_id, Order)
        assert (await service.repository.get(journey.return_id, Return)).reason == MARKERS["reason"]

        done = await service.erase_customer("cust-ada", "asked by phone", DESK)

        assert done.result.customer_id == "cust-ada"
        assert (await profile(service, "cust-ada")).erased
        assert (await service.repository.get(journey.return_id, Return)).reason == ERASED
        assert (await service.repository.get(journey.cart_id, Cart)).device_id == ERASED
        after = await service.repository.get(journey.order_id, Order)
        assert (after.total, after.lines, after.customer_id) == (
            order.total,
            order.lines,
            "cust-ada",
        )

    async def test_an_admin_may_erase_too(self, service: CommerceService) -> None:
        await service.start_cart(ADA, customer_id="cust-ada")
        await service.erase_customer("cust-ada", "request by letter", ADMIN)
        assert (await profile(service, "cust-ada")).erased

    async def test_erased_once_then_the_id_answers_customer_erased(
        self, service: CommerceService
    ) -> None:
        journey = await ada_buys_collects_and_returns(service)
        await finish_return(service, journey.return_id)
        await service.erase_customer("cust-ada", "asked by phone", DESK)

        error = await refused(
            service, CustomerErased, lambda: service.erase_customer("cust-ada", "again", DESK)
        )
        assert error.code is ErrorCode.CUSTOMER_ERASED  # type: ignore[attr-defined]
        await refused(service, CustomerErased, lambda: service.start_cart(ADA, "cust-ada"))
        guest_cart = (await service.start_cart(acting(ActorKind.GUEST, "g-1"))).result.cart_id
        await refused(service, CustomerErased, lambda: service.sign_in(guest_cart, "cust-ada", ADA))
        await refused(
            service,
            CustomerErased,
            lambda: service.request_erasure("cust-ada", "and again", DESK),
        )

    async def test_her_cart_left_open_cannot_be_checked_out_after(
        self, service: CommerceService
    ) -> None:
        await service.receive_stock(STORE, "LAVA-LAMP", 5, "delivery-1", STAFF)
        cart = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
        await service.add_to_cart(cart, "LAVA-LAMP", 1, ADA)
        await service.erase_customer("cust-ada", "asked by phone", DESK)

        pickup = Fulfillment(FulfillmentMethod.PICKUP, STORE)
        await refused(
            service,
            CustomerErased,
            lambda: service.checkout(cart, pickup, ADA, payment_token="tok"),
        )

    async def test_a_merge_after_an_erasure_is_refused(self, service: CommerceService) -> None:
        await service.start_cart(ADA, customer_id="cust-ada")
        await service.start_cart(BOB, customer_id="cust-bob")
        await service.erase_customer("cust-ada", "asked by phone", DESK)
        await refused(
            service, CustomerErased, lambda: service.merge_customers("cust-bob", "cust-ada", DESK)
        )
        await refused(
            service, CustomerErased, lambda: service.merge_customers("cust-ada", "cust-bob", DESK)
        )

    async def test_a_profile_merged_away_is_erased_through_its_survivor(
        self, service: CommerceService
    ) -> None:
        await service.start_cart(ADA, customer_id="cust-ada")
        await service.start_cart(BOB, customer_id="cust-bob")
        await service.merge_customers("cust-ada", "cust-bob", DESK)
        await refused(service, ProfileMerged, lambda: service.erase_customer("cust-bob", "x", DESK))

        done = await service.erase_customer("cust-ada", "both profiles", DESK)

        assert done.result.merged_from == ["cust-bob"]


class TestRefusals:
    async def test_an_open_pickup_blocks_the_erasure(self, service: CommerceService) -> None:
        await service.receive_stock(STORE, "LAVA-LAMP", 5, "delivery-1", STAFF)
        cart = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
        await service.add_to_cart(cart, "LAVA-LAMP", 1, ADA)
        pickup = Fulfillment(FulfillmentMethod.PICKUP, STORE)
        await service.checkout(cart, pickup, ADA, payment_token="tok")

        error = await refused(
            service, ErasureBlocked, lambda: service.erase_customer("cust-ada", "now", DESK)
        )

        assert error.code is ErrorCode.ERASURE_BLOCKED  # type: ignore[attr-defined]
        assert "open pickup" in str(error)

    async def test_a_return_not_yet_refunded_blocks_it_and_a_refund_unblocks_it(
        self, service: CommerceService
    ) -> None:
        journey = await ada_buys_collects_and_returns(service)
        error = await refused(
            service, ErasureBlocked, lambda: service.erase_customer("cust-ada", "now", DESK)
        )
        assert "not yet refunded" in str(error)

        await finish_return(service, journey.return_id)
        await service.erase_customer("cust-ada", "now", DESK)

        assert (await profile(service, "cust-ada")).erased

    async def test_a_reason_is_required_and_bounded(self, service: CommerceService) -> None:
        await service.start_cart(ADA, customer_id="cust-ada")
        await refused(service, OutOfBounds, lambda: service.erase_customer("cust-ada", " ", DESK))
        await refused(
            service, TooLong, lambda: service.erase_customer("cust-ada", "x" * 5000, DESK)
        )


class TestAccess:
    async def test_a_picker_cannot_erase(self, service: CommerceService) -> None:
        await service.start_cart(ADA, customer_id="cust-ada")
        await refused(service, NotAllowed, lambda: service.erase_customer("cust-ada", "x", PICKER))

    async def test_a_customer_cannot_erase_another(self, service: CommerceService) -> None:
        await service.start_cart(ADA, customer_id="cust-ada")
        await refused(service, NotAllowed, lambda: service.erase_customer("cust-ada", "x", BOB))

    async def test_an_unknown_id_reads_like_a_forbidden_one(self, service: CommerceService) -> None:
        await service.start_cart(ADA, customer_id="cust-ada")
        known = await refused(
            service, NotAllowed, lambda: service.erase_customer("cust-ada", "x", BOB)
        )
        unknown = await refused(
            service, NotAllowed, lambda: service.erase_customer("cust-nobody", "x", BOB)
        )
        assert (type(known), known.code, str(known).replace("cust-ada", "ID")) == (  # type: ignore[attr-defined]
            type(unknown),
            unknown.code,  # type: ignore[attr-defined]
            str(unknown).replace("cust-nobody", "ID"),
        )


class TestTheCustomersOwnRequest:
    async def test_it_waits_the_retailers_period_then_the_clock_carries_it_out(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        service.erasure_waiting_days = 14
        cart = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
        await service.request_erasure("cust-ada", "I moved away", ADA)

        error = await refused(
            service, ErasureNotDue, lambda: service.erase_customer("cust-ada", "now", ADA)
        )
        assert error.code is ErrorCode.ERASURE_NOT_DUE  # type: ignore[attr-defined]
        clock.advance(days=13, hours=23)
        assert await service.erase_due(CLOCK_CONTEXT) == []
        assert not (await profile(service, "cust-ada")).erased

        clock.advance(hours=1)
        assert await service.erase_due(CLOCK_CONTEXT) == ["cust-ada"]

        assert (await profile(service, "cust-ada")).erased
        assert (await service.repository.get(cart, Cart)).device_id == ERASED
        assert await service.erase_due(CLOCK_CONTEXT) == []  # once

    async def test_the_customer_may_carry_it_out_once_due(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        service.erasure_waiting_days = 0
        await service.start_cart(ADA, customer_id="cust-ada")
        await refused(
            service, ErasureNotDue, lambda: service.erase_customer("cust-ada", "now", ADA)
        )  # not requested: not due either
        await service.request_erasure("cust-ada", "I moved away", ADA)
        await service.erase_customer("cust-ada", "now", ADA)
        assert (await profile(service, "cust-ada")).erased

    async def test_the_clock_waits_while_the_erasure_is_blocked(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        service.erasure_waiting_days = 1
        journey = await ada_buys_collects_and_returns(service)
        await service.request_erasure("cust-ada", "I moved away", ADA)
        clock.advance(days=2)

        assert await service.erase_due(CLOCK_CONTEXT) == []

        await finish_return(service, journey.return_id)
        assert await service.erase_due(CLOCK_CONTEXT) == ["cust-ada"]
