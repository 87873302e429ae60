"""Dispatching a shipped order from its warehouse: the parcel leaves, the money is taken,
the order completes and earns its points, in one append (as `collect` does for a pickup)."""

from __future__ import annotations

from uuid import UUID

import msgspec

from domain import access, bounds
from domain.access import Capability
from domain.order.model import Order
from domain.usecases.base import Decision, Done
from domain.usecases.fulfilment import FulfilmentUseCases
from domain.usecases.payments import PaymentCalls
from domain.values import Context


class OrderShipped(msgspec.Struct, frozen=True):
    order_id: UUID
    carrier: str
    tracking_number: str


class ShippingUseCases(FulfilmentUseCases):
    async def ship_order(
        self,
        order_id: UUID,
        staff_id: str,
        carrier: str,
        tracking_number: str,
        context: Context,
    ) -> Done[OrderShipped]:
        """The parcel leaves the warehouse with a carrier: its stock leaves the books, the
        payment held is captured, the order completes and earns points on the money taken.
        Once only: a second dispatch is ORDER_ALREADY_SHIPPED and writes nothing."""
        bounds.require_id(staff_id, "staff_id")
        bounds.require_id(carrier, "carrier")
        bounds.require_id(tracking_number, "tracking_number")
        now, payments = self.clock.now(), PaymentCalls(self.payments)

        async def decide() -> Decision[OrderShipped]:
            order = await self.repository.get(order_id, Order)
            access.require(context.actor, Capability.SHIP, order.fulfillment.location_id)
            order.ship(carrier, tracking_number, staff_id, now)  # every refusal comes first
            skus = sorted({line.sku for line in order.lines})
            location = order.fulfillment.location_id
            changed = await self._fulfilled(order, location, skus, payments, now)
            parcel = order.shipped
            assert parcel is not None
            shipped = OrderShipped(order.id, parcel.carrier, parcel.tracking_number)
            return Decision([order, *changed], shipped)

        return await self._execute(decide, OrderShipped, context)
