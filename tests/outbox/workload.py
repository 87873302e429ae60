"""A mixed shop workload for the outbox under failure: stock counts that each cross into low
or out, and pickup orders placed, made ready and collected, until told to stop. It keeps
count of the messages it owes, per aggregate, so a test can tell loss from repetition."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from uuid import UUID

from domain.order.model import Fulfillment, FulfillmentMethod
from domain.service import CommerceService
from domain.values import stock_item_id
from tests.shop import LOCATIONS, STAFF, as_uuid, ctx

COUNTED = [(location.id, sku) for location in LOCATIONS for sku in ("LAVA-LAMP", "VINYL-PLAYER")]
PICKUP_STORE, PICKUP_SKU = "AMS-CENTRAAL", "RETRO-CLOCK"
PICKUP_MESSAGES = ("order.placed", "pickup.ready", "pickup.collected")


@dataclass
class Owed:
    """The messages the workload's events must become, by aggregate id."""

    per_aggregate: Counter[str] = field(default_factory=Counter)
    pickups: list[UUID] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.per_aggregate.values())


async def stock_the_pickup_shelf(service: CommerceService) -> None:
    """Enough clocks that pickups never bring them near low stock (no stock messages)."""
    await service.receive_stock(PICKUP_STORE, PICKUP_SKU, 100_000, "delivery-1", STAFF)


async def shop_until(
    service: CommerceService, stop: asyncio.Event, owed: Owed, pause: float = 0.05
) -> None:
    """Round after round: every counted item counted (2, 0, 2, ...: one message each time),
    then one pickup journey (three messages); a short pause bounds the volume."""
    turn = 0
    while not stop.is_set():
        for location_id, sku in COUNTED:
            await service.count_stock(location_id, sku, 2 * (turn % 2 == 0), "count", STAFF)
            owed.per_aggregate[str(stock_item_id(location_id, sku))] += 1
        await _pickup_journey(service, owed)
        turn += 1
        await asyncio.sleep(pause)


async def _pickup_journey(service: CommerceService, owed: Owed) -> None:
    cart = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart, PICKUP_SKU, 1, ctx())
    fulfillment = Fulfillment(FulfillmentMethod.PICKUP, PICKUP_STORE)
    placed = (await service.checkout(cart, fulfillment, ctx(), payment_token="tok")).result
    owed.per_aggregate[str(placed.order_id)] += 1
    pickup_id = as_uuid(placed.pickup_id)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    code = (await service.mark_ready(pickup_id, "shelf C1", STAFF)).result.pickup_code
    await service.collect(pickup_id, code or "", "staff-bo", STAFF)
    owed.per_aggregate[str(pickup_id)] += 2
    owed.pickups.append(pickup_id)
