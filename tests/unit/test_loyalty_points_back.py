"""Points paid with, given back through the service (in-memory store): an order cancelled in
whole (by the customer, by a short pick of every line, by a pickup not collected) gives them
back in the cancellation's append; a refund pays back in money and points in the proportion
the purchase was paid; a refusal writes nothing and gives nothing back twice."""

from __future__ import annotations

from uuid import UUID

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.errors import NotAllowed
from domain.loyalty.model import LoyaltyAccount, loyalty_account_id
from domain.order.model import Fulfillment, FulfillmentMethod, Order, OrderClosed
from domain.ports import Position
from domain.returns.model import AlreadyRefunded, Inspection, Return, ReturnChannel
from domain.service import CommerceService
from domain.usecases.checkout import pickup_id_for
from domain.usecases.sales import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context, Money
from tests.shop import OPENING, STAFF, make_service

STORE = "AMS-ZUID"
TILL = Context(channel=Channel.POS, actor=Actor(ActorKind.POS_TERMINAL, "till-1", stores=(STORE,)))
ADA = Context(channel=Channel.WEB, device_id="laptop", actor=Actor(ActorKind.CUSTOMER, "cust-ada"))
BOB = Context(channel=Channel.WEB, device_id="phone", actor=Actor(ActorKind.CUSTOMER, "cust-bob"))
LEDGER = loyalty_account_id("cust-ada")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OPENING)


@pytest.fixture
async def service(clock: ManualClock) -> CommerceService:
    service = make_service(InMemoryEventStore(), clock)
    for sku in ("LAVA-LAMP", "VINYL-PLAYER", "RETRO-CLOCK"):
        await service.receive_stock(STORE, sku, 10, f"delivery-{sku}", STAFF)
    # Ada earns 149 points on a vinyl player bought at the till
    await service.record_pos_sale(
        STORE, "till-1", "1", [PosSaleLine("VINYL-PLAYER", 1)], TILL, customer_id="cust-ada"
    )
    return service


async def balance(service: CommerceService) -> int:
    return (await service.repository.get(LEDGER, LoyaltyAccount)).balance


async def order_paid_with(service: CommerceService, points: int, lamps: int = 2) -> UUID:
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", lamps, ADA)
    pickup = Fulfillment(FulfillmentMethod.PICKUP, STORE)
    placed = await service.checkout(cart_id, pickup, ADA, "tok", redeem_points=points)
    return placed.result.order_id


async def pickup_of(service: CommerceService, order_id: UUID) -> UUID:
    return pickup_id_for(order_id)


async def test_a_cancelled_order_gives_back_the_points_it_paid_with(
    service: CommerceService,
) -> None:
    order_id = await order_paid_with(service, 100)
    assert await balance(service) == 49

    await service.cancel_order(order_id, "changed my mind", ADA)

    assert await balance(service) == 149
    recorded = await service.store.read_all(Position())
    restored = [r for r in recorded if isinstance(r.event, LoyaltyAccount.Restored)]
    cancelled = [r for r in recorded if isinstance(r.event, Order.Cancelled)]
    assert [r.event.points for r in restored] == [100]
    assert restored[0].event.value == Money.of("1.00") and restored[0].event.refunded is None
    # in the cancellation's append (one transaction)
    assert restored[0].position.transaction_id == cancelled[0].position.transaction_id


async def test_cancelling_again_is_refused_and_gives_nothing_back_twice(
    service: CommerceService,
) -> None:
    order_id = await order_paid_with(service, 100)
    await service.cancel_order(order_id, "changed my mind", ADA)
    before = await service.store.last_position()
    with pytest.raises(OrderClosed):
        await service.cancel_order(order_id, "again", ADA)
    assert await service.store.last_position() == before
    assert await balance(service) == 149


async def test_another_customer_cannot_cancel_and_no_point_moves(
    service: CommerceService,
) -> None:
    order_id = await order_paid_with(service, 100)
    before = await service.store.last_position()
    with pytest.raises(NotAllowed):
        await service.cancel_order(order_id, "not mine", BOB)
    assert await service.store.last_position() == before
    assert await balance(service) == 49


async def test_a_short_pick_of_every_line_gives_the_points_back(
    service: CommerceService,
) -> None:
    order_id = await order_paid_with(service, 100)
    pickup_id = await pickup_of(service, order_id)
    await service.start_picking(pickup_id, "staff-bo", STAFF)

    await service.report_short(pickup_id, "L1", 1, STAFF)
    assert await balance(service) == 49  # one of two lamps short: the money pays it back
    await service.report_short(pickup_id, "L1", 1, STAFF)

    assert await balance(service) == 149


async def test_a_pickup_not_collected_gives_the_points_back(
    service: CommerceService, clock: ManualClock
) -> None:
    order_id = await order_paid_with(service, 100)
    pickup_id = await pickup_of(service, order_id)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    await service.mark_ready(pickup_id, "C4", STAFF)
    clock.advance(days=8)

    await service.mark_no_show(pickup_id, "staff-bo", STAFF)

    assert await balance(service) == 149
    ledger = await service.repository.get(LEDGER, LoyaltyAccount)
    assert ledger.next_expiry == OPENING.replace(year=2027)  # the expiry they were spent with


async def sale_paid_with(service: CommerceService, points: int) -> UUID:
    """Two lamps, 78.00, at the till: `points` pay part of it, the money earns."""
    done = await service.record_pos_sale(
        STORE,
        "till-1",
        "2",
        [PosSaleLine("LAVA-LAMP", 2)],
        TILL,
        customer_id="cust-ada",
        redeem_points=points,
    )
    assert done.result.sale_id is not None
    return done.result.sale_id


async def refunded(service: CommerceService, purchase_id: UUID, lamps: int) -> Return:
    asked = await service.request_return(
        purchase_id, {"LAVA-LAMP": lamps}, "too bright", ReturnChannel.STORE, STAFF
    )
    return_id = asked.result.return_id
    await service.receive_return(return_id, STORE, STAFF)
    await service.inspect_return(return_id, [Inspection("LAVA-LAMP", lamps, 0)], STAFF)
    await service.refund_return(return_id, STAFF)
    return await service.repository.get(return_id, Return)


async def test_a_refund_pays_back_money_and_points_as_the_sale_was_paid(
    service: CommerceService,
) -> None:
    # two lamps, 78.00: 1.00 in 100 points, 77.00 in money (77 points earned)
    sale_id = await sale_paid_with(service, 100)
    assert await balance(service) == 49 + 77

    first = await refunded(service, sale_id, 1)

    assert first.refunded == Money.of("38.50")  # 39.00 less the points' half: 0.50
    assert await balance(service) == 49 + 77 + 50 - 38  # 50 back, 38 of the 77 earned reversed
    second = await refunded(service, sale_id, 1)
    assert second.refunded == Money.of("38.50")
    assert await balance(service) == 149  # everything back: the points paid, none earned


async def test_refunding_a_return_twice_is_refused_and_moves_no_point(
    service: CommerceService,
) -> None:
    sale_id = await sale_paid_with(service, 100)
    item = await refunded(service, sale_id, 1)
    before, points = await service.store.last_position(), await balance(service)
    with pytest.raises(AlreadyRefunded):
        await service.refund_return(item.id, STAFF)
    assert await service.store.last_position() == before
    assert await balance(service) == points


async def test_a_short_line_the_money_cannot_cover_comes_back_in_points_then_the_rest_on_return(
    service: CommerceService,
) -> None:
    await service.receive_stock(STORE, "VINYL-PLAYER", 50, "delivery-more", STAFF)
    await service.record_pos_sale(
        STORE, "till-1", "3", [PosSaleLine("VINYL-PLAYER", 49)], TILL, customer_id="cust-ada"
    )
    assert await balance(service) == 149 * 50  # 7450
    # a lamp (39.00) and a clock (24.95): 6000 points pay 60.00, the card 3.95
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 1, ADA)
    await service.add_to_cart(cart_id, "RETRO-CLOCK", 1, ADA)
    pickup = Fulfillment(FulfillmentMethod.PICKUP, STORE)
    order_id = (
        await service.checkout(cart_id, pickup, ADA, "tok", redeem_points=6000)
    ).result.order_id
    pickup_id = pickup_id_for(order_id)
    await service.start_picking(pickup_id, "staff-bo", STAFF)

    await service.report_short(pickup_id, "L1", 1, STAFF)  # no lamp: 39.00 owed back

    # 3.95 off the money, 35.05 in points: 3505 of them
    assert await balance(service) == 7450 - 6000 + 3505
    ready = await service.mark_ready(pickup_id, "C4", STAFF)
    assert ready.result.pickup_code is not None
    await service.collect(pickup_id, ready.result.pickup_code, "staff-bo", STAFF)
    assert await balance(service) == 4955  # nothing captured, nothing earned

    asked = await service.request_return(
        order_id, {"RETRO-CLOCK": 1}, "too loud", ReturnChannel.STORE, STAFF
    )
    return_id = asked.result.return_id
    await service.receive_return(return_id, STORE, STAFF)
    await service.inspect_return(return_id, [Inspection("RETRO-CLOCK", 1, 0)], STAFF)
    await service.refund_return(return_id, STAFF)

    item = await service.repository.get(return_id, Return)
    assert item.refunded == Money.zero()  # the clock was paid in points: no money back
    assert await balance(service) == 7450  # every point of the 6000 back, none made
