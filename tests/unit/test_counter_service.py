"""Paying at hand-over and "I'm here" through the service, on the in-memory store: what each
records, what each refuses (nothing written), and that a retried payment is charged once."""

from __future__ import annotations

from uuid import UUID

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.bounds import TooLong
from domain.errors import NotAllowed
from domain.order.model import Fulfillment, FulfillmentMethod, Order, OrderStatus
from domain.pickup.model import CustomerHasArrived, Pickup, PickupClosed, PickupWindowStillOpen
from domain.service import CommerceService
from domain.usecases.payments import PaymentProviderUnavailable, PaymentRejected
from domain.usecases.pickups import PaymentRequired
from domain.usecases.store_counter import AlreadyPaid, NotAPickup
from domain.values import Actor, ActorKind, Channel, Context
from tests.shop import OPENING, STAFF, ctx, make_service

ADA = Context(channel=Channel.MOBILE, actor=Actor(ActorKind.CUSTOMER, "cust-ada"))
BOB = Context(channel=Channel.MOBILE, actor=Actor(ActorKind.CUSTOMER, "cust-bob"))
ZUID_STAFF = Context(channel=Channel.STAFF, actor=Actor(ActorKind.STAFF, "staff-cy", ("AMS-ZUID",)))
CENTRAAL_TILL = Context(
    channel=Channel.POS, actor=Actor(ActorKind.POS_TERMINAL, "till-1", ("AMS-CENTRAAL",))
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OPENING)


@pytest.fixture
async def service(clock: ManualClock) -> CommerceService:
    service = make_service(InMemoryEventStore(), clock)
    await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 5, "delivery", STAFF)
    return service


async def placed(
    service: CommerceService,
    token: str | None = None,
    method: FulfillmentMethod = FulfillmentMethod.PICKUP,
) -> tuple[UUID, UUID | None]:
    """(order id, pickup id) of Ada's order of two lava lamps, paid online with `token`."""
    cart_id = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 2, ctx())
    where = Fulfillment(method, "AMS-CENTRAAL" if method is FulfillmentMethod.PICKUP else "WH-NL")
    if method is FulfillmentMethod.SHIP:
        await service.receive_stock("WH-NL", "LAVA-LAMP", 5, "delivery", STAFF)
    done = (await service.checkout(cart_id, where, ctx(), payment_token=token)).result
    return done.order_id, done.pickup_id


async def ready(service: CommerceService, pickup_id: UUID | None) -> tuple[UUID, str]:
    assert pickup_id is not None
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    code = (await service.mark_ready(pickup_id, "C4", STAFF)).result.pickup_code
    assert code is not None
    return pickup_id, code


async def unchanged(service: CommerceService) -> object:
    return await service.store.last_position()


class TestPayingAtTheCounter:
    async def test_an_unpaid_order_is_paid_then_handed_over_and_captured(
        self, service: CommerceService
    ) -> None:
        order_id, pickup = await placed(service)
        pickup_id, code = await ready(service, pickup)
        with pytest.raises(PaymentRequired, match="not paid yet; take payment"):
            await service.collect(pickup_id, code, "staff-bo", STAFF)

        await service.take_payment_at_counter(pickup_id, "tok-terminal", STAFF)
        order = await service.repository.get(order_id, Order)
        assert order.status is OrderStatus.PAYMENT_AUTHORIZED
        await service.collect(pickup_id, code, "staff-bo", STAFF)
        order = await service.repository.get(order_id, Order)
        assert order.status is OrderStatus.COMPLETED
        assert service.payments.captured == {order.authorization: order.total}  # type: ignore[attr-defined]

    async def test_a_declined_card_records_nothing_and_another_card_pays(
        self, service: CommerceService
    ) -> None:
        order_id, pickup = await placed(service)
        pickup_id, _ = await ready(service, pickup)
        head = await unchanged(service)
        with pytest.raises(PaymentRejected, match="card declined"):
            await service.take_payment_at_counter(pickup_id, "decline-terminal", STAFF)
        with pytest.raises(PaymentProviderUnavailable):
            await service.take_payment_at_counter(pickup_id, "error-terminal", STAFF)
        assert await unchanged(service) == head
        await service.take_payment_at_counter(pickup_id, "tok-other-card", STAFF)
        assert (
            await service.repository.get(order_id, Order)
        ).status is OrderStatus.PAYMENT_AUTHORIZED

    async def test_a_retry_with_its_key_is_answered_again_and_charged_once(
        self, service: CommerceService
    ) -> None:
        _, pickup = await placed(service)
        pickup_id, _ = await ready(service, pickup)
        first = await service.take_payment_at_counter(pickup_id, "tok-t", STAFF, "pay-7f3a9c21")
        again = await service.take_payment_at_counter(pickup_id, "tok-t", STAFF, "pay-7f3a9c21")
        assert (again.replayed, again.position) == (True, first.position)
        assert len(service.payments.authorized) == 1  # type: ignore[attr-defined]

    async def test_an_order_paid_already_is_refused_in_words(
        self, service: CommerceService
    ) -> None:
        _, pickup = await placed(service, token="tok-online")
        pickup_id, _ = await ready(service, pickup)
        head = await unchanged(service)
        with pytest.raises(AlreadyPaid, match="paid already; hand it over"):
            await service.take_payment_at_counter(pickup_id, "tok-t", STAFF)
        assert await unchanged(service) == head

    async def test_a_cancelled_order_cannot_be_paid(self, service: CommerceService) -> None:
        order_id, pickup = await placed(service)
        await service.cancel_order(order_id, "changed my mind", ADA)
        head = await unchanged(service)
        with pytest.raises(PickupClosed, match="cancelled"):
            await service.take_payment_at_counter(pickup or order_id, "tok-t", STAFF)
        assert await unchanged(service) == head

    @pytest.mark.parametrize(
        ("who", "refusal"),
        [
            (ZUID_STAFF, "not allowed at store AMS-CENTRAAL"),
            (CENTRAAL_TILL, "a till may not hand over pickups"),
            (ADA, "a customer may not hand over pickups"),
        ],
    )
    async def test_only_staff_of_the_pickups_store_take_payment(
        self, service: CommerceService, who: Context, refusal: str
    ) -> None:
        _, pickup = await placed(service)
        pickup_id, _ = await ready(service, pickup)
        head = await unchanged(service)
        with pytest.raises(NotAllowed, match=refusal):
            await service.take_payment_at_counter(pickup_id, "tok-t", who)
        assert await unchanged(service) == head


class TestImHere:
    async def test_the_customer_says_so_from_their_app(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        order_id, pickup = await placed(service, token="tok")
        clock.advance(minutes=30)
        await service.arrive_for_pickup(order_id, "  bay 3, red Golf ", ADA)
        arrived = await service.repository.get(pickup or order_id, Pickup)
        assert (arrived.arrived_at, arrived.bay_or_car) == (clock.now(), "bay 3, red Golf")

    async def test_a_blank_place_is_no_place(self, service: CommerceService) -> None:
        order_id, pickup = await placed(service, token="tok")
        await service.arrive_for_pickup(order_id, "   ", ADA)
        assert (await service.repository.get(pickup or order_id, Pickup)).bay_or_car is None

    @pytest.mark.parametrize(
        ("who", "refusal"),
        [
            (BOB, "this order is not yours"),
            (ZUID_STAFF, "not allowed at store AMS-CENTRAAL"),
            (CENTRAAL_TILL, "a till may not hand over pickups"),
        ],
    )
    async def test_nobody_else_says_it_for_them(
        self, service: CommerceService, who: Context, refusal: str
    ) -> None:
        order_id, _ = await placed(service, token="tok")
        head = await unchanged(service)
        with pytest.raises(NotAllowed, match=refusal):
            await service.arrive_for_pickup(order_id, None, who)
        assert await unchanged(service) == head

    async def test_the_stores_staff_may_record_it_for_a_customer_who_calls(
        self, service: CommerceService
    ) -> None:
        order_id, pickup = await placed(service, token="tok")
        await service.arrive_for_pickup(order_id, "called: bay 2", STAFF)
        assert (
            await service.repository.get(pickup or order_id, Pickup)
        ).bay_or_car == "called: bay 2"

    async def test_refused_for_a_shipped_order_and_for_a_long_text(
        self, service: CommerceService
    ) -> None:
        shipped, _ = await placed(service, token="tok", method=FulfillmentMethod.SHIP)
        with pytest.raises(NotAPickup):
            await service.arrive_for_pickup(shipped, None, ADA)
        order_id, _ = await placed(service, token="tok")
        head = await unchanged(service)
        with pytest.raises(TooLong, match="bay or car: 201 characters; at most 200"):
            await service.arrive_for_pickup(order_id, "x" * 201, ADA)
        assert await unchanged(service) == head


class TestNoShowRefusals:
    async def test_no_show_refused_once_the_customer_said_they_are_here(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        order_id, pickup = await placed(service, token="tok")
        pickup_id, _ = await ready(service, pickup)
        await service.arrive_for_pickup(order_id, None, ADA)
        clock.advance(days=8)
        head = await unchanged(service)
        with pytest.raises(CustomerHasArrived):
            await service.mark_no_show(pickup_id, "staff-bo", STAFF)
        assert await unchanged(service) == head

    async def test_the_window_is_said_in_store_time(self, service: CommerceService) -> None:
        _, pickup = await placed(service, token="tok")
        pickup_id, _ = await ready(service, pickup)
        with pytest.raises(PickupWindowStillOpen) as still_open:
            await service.mark_no_show(pickup_id, "staff-bo", STAFF)
        # Ready at 09:00 UTC on Mon 2 Nov, kept 7 days: 10:00 in Amsterdam (UTC+1).
        assert "until Mon 09 Nov, 10:00 (store time)" in str(still_open.value)
        assert "UTC" not in str(still_open.value)
