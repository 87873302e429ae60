"""The whole journey through the service alone, on the in-memory store."""

from __future__ import annotations

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.cart.model import Cart, CartStatus
from domain.order.model import Fulfillment, FulfillmentMethod, Order, OrderStatus
from domain.pickup.model import Pickup, PickupStatus
from domain.returns.model import Inspection, Return, ReturnChannel, ReturnStatus
from domain.stock.model import StockItem
from domain.values import Channel, stock_item_id
from tests.shop import OPENING, STAFF, as_uuid, ctx, make_service

PICKUP_AT_CENTRAAL = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")


async def test_phone_to_laptop_to_store_and_back_through_another_store() -> None:
    store, clock = InMemoryEventStore(), ManualClock(OPENING)
    service = make_service(store, clock)
    for location in ("AMS-CENTRAAL", "AMS-ZUID"):
        for sku in ("RETRO-CLOCK", "LAVA-LAMP"):
            await service.receive_stock(location, sku, 5, "delivery-1", STAFF)

    # An older web cart of the customer, and a guest cart on the phone.
    web = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(web, "RETRO-CLOCK", 1, ctx())
    phone_ctx = ctx(Channel.MOBILE, "phone")
    guest = (await service.start_cart(phone_ctx)).result.cart_id
    await service.add_to_cart(guest, "RETRO-CLOCK", 1, phone_ctx)
    await service.add_to_cart(guest, "LAVA-LAMP", 2, phone_ctx)

    signed_in = (await service.sign_in(guest, "cust-ada", ctx())).result
    assert signed_in.cart_id == web and signed_in.merged_from == guest
    merged = await service.repository.get(web, Cart)
    assert {sku: line.quantity for sku, line in merged.lines.items()} == {
        "RETRO-CLOCK": 2,
        "LAVA-LAMP": 2,
    }
    assert (await service.repository.get(guest, Cart)).status is CartStatus.MERGED

    checked_out = (
        await service.checkout(
            web, PICKUP_AT_CENTRAAL, ctx(), payment_token="tok-visa", idempotency_key="co-1"
        )
    ).result
    pickup_id = as_uuid(checked_out.pickup_id)
    assert str(checked_out.total) == "127.90 EUR"
    clock.advance(minutes=20)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    ready = (await service.mark_ready(pickup_id, "shelf B3", STAFF)).result
    await service.notify_customer(pickup_id, "sms", STAFF)
    clock.advance(hours=3)
    await service.collect(pickup_id, as_uuid_code(ready.pickup_code), "staff-bo", STAFF)

    order = await service.repository.get(checked_out.order_id, Order)
    assert order.status is OrderStatus.COMPLETED
    assert (await service.repository.get(pickup_id, Pickup)).status is PickupStatus.COLLECTED
    centraal_clock = await service.repository.get(
        stock_item_id("AMS-CENTRAAL", "RETRO-CLOCK"), StockItem
    )
    assert (centraal_clock.on_hand, centraal_clock.reserved) == (3, 0)

    clock.advance(days=2)
    return_id = (
        await service.request_return(
            checked_out.order_id,
            {"LAVA-LAMP": 1},
            "wrong colour",
            ReturnChannel.STORE,
            ctx(Channel.POS, "till-1"),
        )
    ).result.return_id
    await service.receive_return(return_id, "AMS-ZUID", STAFF)
    await service.inspect_return(return_id, [Inspection("LAVA-LAMP", 1, 0)], STAFF)
    await service.refund_return(return_id, STAFF)
    await service.restock_return(return_id, STAFF)

    returned = await service.repository.get(return_id, Return)
    assert returned.status is ReturnStatus.CLOSED and str(returned.refunded) == "39.00 EUR"
    zuid_lamp = await service.repository.get(stock_item_id("AMS-ZUID", "LAVA-LAMP"), StockItem)
    centraal_lamp = await service.repository.get(
        stock_item_id("AMS-CENTRAAL", "LAVA-LAMP"), StockItem
    )
    assert zuid_lamp.on_hand == 6 and centraal_lamp.on_hand == 3


def as_uuid_code(code: str | None) -> str:
    assert code is not None
    return code


async def test_a_till_sale_with_two_lines_of_one_sku_sells_both() -> None:
    from domain.usecases.stock import PosSaleLine
    from tests.shop import STAFF

    service = make_service(InMemoryEventStore())
    await service.receive_stock("AMS-ZUID", "LAVA-LAMP", 5, "delivery", STAFF)
    till = ctx(Channel.POS, "till-1")
    lines = [PosSaleLine("LAVA-LAMP", 1), PosSaleLine("LAVA-LAMP", 2)]
    await service.record_pos_sale("AMS-ZUID", "till-1", "S-9", lines, till)
    again = await service.record_pos_sale("AMS-ZUID", "till-1", "S-9", lines, till)

    lamps = await service.repository.get(stock_item_id("AMS-ZUID", "LAVA-LAMP"), StockItem)
    assert lamps.on_hand == 2 and again.replayed
