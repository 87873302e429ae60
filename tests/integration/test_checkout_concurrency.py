"""Checkout under contention, on PostgreSQL: the last units are never oversold."""

from __future__ import annotations

import asyncio

from adapters.postgres.database import Database
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.stock.model import StockItem
from domain.usecases.checkout import OutOfStock
from domain.values import Channel, stock_item_id
from tests.shop import STAFF, ctx, make_service


async def test_fifty_checkouts_for_the_last_ten_units_sell_exactly_ten(
    database: Database,
) -> None:
    service = make_service(database.store)
    await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 10, "last-delivery", STAFF)
    carts = []
    for shopper in range(50):
        shopper_ctx = ctx(Channel.MOBILE, f"phone-{shopper}")
        cart_id = (await service.start_cart(shopper_ctx)).result.cart_id
        await service.add_to_cart(cart_id, "LAVA-LAMP", 1, shopper_ctx)
        carts.append(cart_id)

    pickup = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
    outcomes = await asyncio.gather(
        *(service.checkout(cart_id, pickup, ctx(), payment_token="tok") for cart_id in carts),
        return_exceptions=True,
    )

    sold = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(sold) == 10
    assert len(refused) == 40 and all(isinstance(r, OutOfStock) for r in refused)
    assert all(r.short[0].sku == "LAVA-LAMP" and r.short[0].available == 0 for r in refused)
    lamps = await service.repository.get(stock_item_id("AMS-CENTRAAL", "LAVA-LAMP"), StockItem)
    assert (lamps.on_hand, lamps.reserved, lamps.available) == (10, 10, 0)
    assert {str(done.result.order_id) for done in sold} == set(lamps.reservations)


async def test_a_refused_checkout_changes_nothing(database: Database) -> None:
    service = make_service(database.store)
    await service.receive_stock("AMS-ZUID", "RETRO-CLOCK", 1, "delivery", STAFF)
    await service.receive_stock("AMS-CENTRAAL", "RETRO-CLOCK", 3, "delivery", STAFF)
    cart_id = (await service.start_cart(ctx())).result.cart_id
    await service.add_to_cart(cart_id, "RETRO-CLOCK", 2, ctx())
    head = await database.store.last_position()

    pickup = Fulfillment(FulfillmentMethod.PICKUP, "AMS-ZUID")
    try:
        await service.checkout(cart_id, pickup, ctx(), payment_token="tok")
    except OutOfStock as refused:
        [short] = refused.short
        assert (short.sku, short.requested, short.available) == ("RETRO-CLOCK", 2, 1)
        assert short.available_at == ["AMS-CENTRAAL"]
    else:
        raise AssertionError("expected OutOfStock")
    assert await database.store.last_position() == head
