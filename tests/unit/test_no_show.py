"""A no-show staff can record once the pickup window has passed: the same consequences as
the window's rule (reservations released, order cancelled), refused while it is open."""

from __future__ import annotations

from uuid import UUID

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.errors import NotAllowed
from domain.order.model import Fulfillment, FulfillmentMethod, Order, OrderStatus
from domain.pickup.model import Pickup, PickupClosed, PickupStatus, PickupWindowStillOpen
from domain.service import CommerceService
from domain.stock.model import StockItem
from domain.values import Actor, ActorKind, Channel, Context, stock_item_id
from tests.shop import OPENING, STAFF, ctx, make_service

LAMPS = stock_item_id("AMS-CENTRAAL", "LAVA-LAMP")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OPENING)


@pytest.fixture
async def service(clock: ManualClock) -> CommerceService:
    return make_service(InMemoryEventStore(), clock)


async def ready_pickup(service: CommerceService) -> UUID:
    await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 3, "delivery", STAFF)
    cart_id = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 2, ctx())
    pickup = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
    placed = await service.checkout(cart_id, pickup, ctx(), payment_token="tok")
    assert placed.result.pickup_id is not None
    await service.start_picking(placed.result.pickup_id, "staff-bo", STAFF)
    await service.mark_ready(placed.result.pickup_id, "C4", STAFF)
    return placed.result.pickup_id


async def test_refused_while_the_customer_may_still_come(
    service: CommerceService, clock: ManualClock
) -> None:
    pickup_id = await ready_pickup(service)
    clock.advance(days=6)
    head = await service.store.last_position()

    with pytest.raises(PickupWindowStillOpen) as still_open:
        await service.mark_no_show(pickup_id, "staff-bo", STAFF)

    assert still_open.value.code == "PICKUP_WINDOW_STILL_OPEN"
    assert "can still collect this order until" in str(still_open.value)
    assert await service.store.last_position() == head


async def test_after_the_window_it_releases_the_stock_and_cancels_the_order(
    service: CommerceService, clock: ManualClock
) -> None:
    pickup_id = await ready_pickup(service)
    clock.advance(days=7, minutes=1)

    done = await service.mark_no_show(pickup_id, "staff-bo", STAFF)

    assert done.result.status == PickupStatus.NOT_COLLECTED.value
    pickup = await service.repository.get(pickup_id, Pickup)
    [last] = (await service.store.read_stream(pickup_id))[-1:]
    assert isinstance(last, Pickup.NotCollected) and last.staff_id == "staff-bo"
    order = await service.repository.get(pickup.order_id, Order)
    assert order.status is OrderStatus.CANCELLED
    lamps = await service.repository.get(LAMPS, StockItem)
    assert (lamps.reserved, lamps.available) == (0, 3)

    with pytest.raises(PickupClosed):  # the window's rule, firing later, changes nothing
        await service.expire_pickup(pickup_id, clock.now(), STAFF)


async def test_only_staff_of_the_pickups_store(
    service: CommerceService, clock: ManualClock
) -> None:
    pickup_id = await ready_pickup(service)
    clock.advance(days=8)
    zuid = Context(channel=Channel.STAFF, actor=Actor(ActorKind.STAFF, "staff-cy", ("AMS-ZUID",)))
    head = await service.store.last_position()
    with pytest.raises(NotAllowed, match="not allowed at store AMS-CENTRAAL"):
        await service.mark_no_show(pickup_id, "staff-cy", zuid)
    assert await service.store.last_position() == head
