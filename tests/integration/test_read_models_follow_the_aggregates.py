"""Read models say what the aggregates say: a return's and an order's status at every step
(one enum, one rule), and stock promised to orders that the shelf no longer holds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

import pytest

from domain.order.model import Fulfillment, FulfillmentMethod, Order
from domain.returns.model import Inspection, Return, ReturnChannel, ReturnStatus
from domain.stock.model import StockItem
from domain.usecases.stock import PosSaleLine
from domain.values import Channel, stock_item_id
from projections import orders, store_inventory
from tests.integration.conftest import Shop
from tests.shop import STAFF, as_uuid, ctx

CENTRAAL_PICKUP = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
TILL = ctx(Channel.POS, "till-1")


async def collected_order(shop: Shop, lamps: int = 2) -> UUID:
    service = shop.service
    await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 5, "delivery-1", STAFF)
    cart_id = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", lamps, ctx())
    placed = await service.checkout(cart_id, CENTRAAL_PICKUP, ctx(), payment_token="tok")
    pickup_id = as_uuid(placed.result.pickup_id)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    code = (await service.mark_ready(pickup_id, "A1", STAFF)).result.pickup_code
    await service.collect(pickup_id, code or "", "staff-bo", STAFF)
    return placed.result.order_id


async def statuses(shop: Shop, return_id: UUID) -> tuple[str, str]:
    """(the aggregate's status, the read model's) once the projection caught up."""
    await shop.settled()
    view = await orders.return_by_id(shop.pool, return_id)
    assert view is not None
    return (await shop.service.repository.get(return_id, Return)).status.value, view.status


PATHS = {
    "refund then restock": (
        [(2, 0)],
        ["refund_return", "restock_return"],
        [ReturnStatus.INSPECTED, ReturnStatus.CLOSED],
    ),
    "restock then refund": (
        [(1, 1)],
        ["restock_return", "refund_return"],
        [ReturnStatus.INSPECTED, ReturnStatus.CLOSED],
    ),
    "nothing to restock": ([(0, 2)], ["refund_return"], [ReturnStatus.CLOSED]),
}


@pytest.mark.parametrize("path", list(PATHS))
async def test_a_return_has_the_same_status_in_the_read_model_at_every_step(
    shop: Shop, path: str
) -> None:
    judged, steps, expected = PATHS[path]
    order_id = await collected_order(shop)
    service = shop.service
    requested = await service.request_return(
        order_id, {"LAVA-LAMP": 2}, "too bright", ReturnChannel.WEB, ctx()
    )
    return_id = requested.result.return_id
    seen = [await statuses(shop, return_id)]
    await service.receive_return(return_id, "AMS-ZUID", STAFF)
    seen.append(await statuses(shop, return_id))
    results = [Inspection("LAVA-LAMP", resellable, damaged) for resellable, damaged in judged]
    await service.inspect_return(return_id, results, STAFF)
    seen.append(await statuses(shop, return_id))
    for step in steps:
        run: Callable[[UUID, object], Awaitable[object]] = getattr(service, step)
        await run(return_id, STAFF)
        seen.append(await statuses(shop, return_id))

    assert [aggregate for aggregate, _ in seen] == [
        ReturnStatus.REQUESTED,
        ReturnStatus.RECEIVED,
        ReturnStatus.INSPECTED,
        *expected,
    ]
    assert [view for _, view in seen] == [aggregate for aggregate, _ in seen]


async def test_an_order_has_the_same_status_in_the_read_model(shop: Shop) -> None:
    order_id = await collected_order(shop)
    await shop.settled()
    order = await shop.service.repository.get(order_id, Order)
    [view] = await orders.orders_of_customer(shop.pool, "cust-ada", limit=5)
    assert view.status == order.status.value == "completed"


async def test_a_till_sale_of_reserved_units_shows_as_oversold_among_low_stock(
    shop: Shop,
) -> None:
    service = shop.service
    await service.receive_stock("AMS-ZUID", "LAVA-LAMP", 2, "delivery-1", STAFF)
    await service.receive_stock("AMS-ZUID", "RETRO-CLOCK", 1, "delivery-1", STAFF)
    cart_id = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 2, ctx())
    zuid = Fulfillment(FulfillmentMethod.PICKUP, "AMS-ZUID")
    await service.checkout(cart_id, zuid, ctx(), payment_token="tok")

    # The till sells a lamp the system had promised to the click-and-collect order.
    await service.record_pos_sale("AMS-ZUID", "till-1", "S-1", [PosSaleLine("LAVA-LAMP", 1)], TILL)
    await shop.settled()

    [lamps] = await store_inventory.stock_at(shop.pool, "AMS-ZUID", ["LAVA-LAMP"])
    assert (lamps.on_hand, lamps.reserved, lamps.available, lamps.oversold) == (1, 2, -1, 1)
    low = await store_inventory.low_stock(shop.pool, "AMS-ZUID")
    assert [(s.sku, s.oversold) for s in low] == [("LAVA-LAMP", 1), ("RETRO-CLOCK", 0)]
    item = await service.repository.get(stock_item_id("AMS-ZUID", "LAVA-LAMP"), StockItem)
    flagged = [
        e
        for e in await shop.database.store.read_stream(item.id)
        if isinstance(e, StockItem.Oversold)
    ]
    assert [(e.uncovered, e.reserved, e.on_hand) for e in flagged] == [(1, 2, 1)]
    assert lamps.version == item.version


async def test_a_count_below_reservations_shows_as_oversold(shop: Shop) -> None:
    await collected_order(shop, lamps=1)  # leaves 4 lamps, none reserved
    service = shop.service
    cart_id = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 3, ctx())
    await service.checkout(cart_id, CENTRAAL_PICKUP, ctx(), payment_token="tok")
    await service.count_stock("AMS-CENTRAAL", "LAVA-LAMP", 1, "two broken", STAFF)
    await shop.settled()

    [lamps] = await store_inventory.stock_at(shop.pool, "AMS-CENTRAAL", ["LAVA-LAMP"])
    assert (lamps.on_hand, lamps.reserved, lamps.oversold) == (1, 3, 2)
