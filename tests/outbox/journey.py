"""A shop day that touches every integration event: stock in, a pickup order placed, made
ready and collected, a return received and refunded, and the last lamps sold out at a till."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from adapters.clock import ManualClock
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.returns.model import Inspection, ReturnChannel
from domain.service import CommerceService
from domain.usecases.stock import PosSaleLine
from domain.values import Channel, stock_item_id
from tests.shop import STAFF, as_uuid, ctx

CENTRAAL = "AMS-CENTRAAL"


@dataclass
class Journey:
    order_id: UUID
    pickup_id: UUID
    return_id: UUID
    lamps_at_centraal: UUID


async def shop_day(service: CommerceService, clock: ManualClock) -> Journey:
    """LAVA-LAMP (threshold 3) at Centraal: 5 in, 2 reserved (low: 3), collected, 1 back,
    then a till sells the last 4 (out)."""
    await service.receive_stock(CENTRAAL, "LAVA-LAMP", 5, "delivery-1", STAFF)
    await service.receive_stock(CENTRAAL, "RETRO-CLOCK", 20, "delivery-1", STAFF)
    cart = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart, "LAVA-LAMP", 2, ctx())
    pickup = Fulfillment(FulfillmentMethod.PICKUP, CENTRAAL)
    placed = (await service.checkout(cart, pickup, ctx(), payment_token="tok-visa")).result
    pickup_id = as_uuid(placed.pickup_id)
    clock.advance(minutes=20)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    code = (await service.mark_ready(pickup_id, "shelf B3", STAFF)).result.pickup_code
    clock.advance(hours=2)
    await service.collect(pickup_id, code or "", "staff-bo", STAFF)
    clock.advance(days=1)
    return_id = (
        await service.request_return(
            placed.order_id, {"LAVA-LAMP": 1}, "wrong colour", ReturnChannel.STORE, ctx()
        )
    ).result.return_id
    await service.receive_return(return_id, CENTRAAL, STAFF)
    await service.inspect_return(return_id, [Inspection("LAVA-LAMP", 1, 0)], STAFF)
    await service.refund_return(return_id, STAFF)
    await service.restock_return(return_id, STAFF)
    till = ctx(Channel.POS, "till-1")
    await service.record_pos_sale(CENTRAAL, "till-1", "S-1", [PosSaleLine("LAVA-LAMP", 4)], till)
    return Journey(placed.order_id, pickup_id, return_id, stock_item_id(CENTRAAL, "LAVA-LAMP"))
