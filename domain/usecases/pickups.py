"""Click-and-collect use cases for store staff, the POS at hand-over, and the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import msgspec

from domain import access, bounds
from domain.access import Capability
from domain.errors import DomainError, ErrorCode
from domain.order.model import Order, OrderStatus
from domain.pickup.model import Pickup, PickupStatus, PickupWindowStillOpen
from domain.stock.model import StockItem
from domain.usecases.base import Decision, Done
from domain.usecases.fulfilment import FulfilmentUseCases
from domain.usecases.payments import PaymentCalls
from domain.values import Context, stock_item_id


class PaymentRequired(DomainError):
    code = ErrorCode.PAYMENT_REQUIRED
    message = "this order is not paid yet; take payment before hand-over"


class PickupChanged(msgspec.Struct, frozen=True):
    pickup_id: UUID
    order_id: UUID
    status: str
    pickup_code: str | None = None


class NotificationAttempt(msgspec.Struct, frozen=True):
    pickup_id: UUID
    channel: str
    attempt: int


def _changed(pickup: Pickup, code: str | None = None) -> PickupChanged:
    return PickupChanged(pickup.id, pickup.order_id, pickup.status.value, code)


class PickupUseCases(FulfilmentUseCases):
    async def _on_pickup(
        self,
        pickup_id: UUID,
        context: Context,
        act: Callable[[Pickup], object],
        capability: Capability = Capability.PICK,
    ) -> Done[PickupChanged]:
        async def decide() -> Decision[PickupChanged]:
            pickup = await self._pickup_at(pickup_id, context, capability)
            act(pickup)
            return Decision([pickup], _changed(pickup))

        return await self._execute(decide, PickupChanged, context)

    async def _pickup_at(
        self, pickup_id: UUID, context: Context, capability: Capability = Capability.PICK
    ) -> Pickup:
        """The pickup, once the actor is known to be allowed to work it at its store."""
        pickup = await self.repository.get(pickup_id, Pickup)
        access.require(context.actor, capability, pickup.store_id)
        return pickup

    async def start_picking(
        self, pickup_id: UUID, staff_id: str, context: Context
    ) -> Done[PickupChanged]:
        """A staff member takes the pickup to the shelves."""
        bounds.require_id(staff_id, "staff_id")
        now = self.clock.now()
        return await self._on_pickup(pickup_id, context, lambda p: p.start_picking(staff_id, now))

    async def take_pickup(
        self, pickup_id: UUID, staff_id: str, context: Context
    ) -> Done[PickupChanged]:
        """A staff member takes the card on the board: it is assigned to them (refused to
        anyone who may not pick at the pickup's store)."""
        bounds.require_id(staff_id, "staff_id")
        now = self.clock.now()
        return await self._on_pickup(pickup_id, context, lambda p: p.assign(staff_id, now))

    async def notify_customer(
        self, pickup_id: UUID, channel: str, context: Context
    ) -> Done[PickupChanged]:
        """Record that the customer was told the order is ready."""
        bounds.require_id(channel, "channel")
        now = self.clock.now()
        return await self._on_pickup(pickup_id, context, lambda p: p.notify_customer(channel, now))

    async def mark_ready(
        self, pickup_id: UUID, shelf_spot: str, context: Context
    ) -> Done[PickupChanged]:
        """Everything is on a shelf spot; a one-time pickup code is issued."""
        bounds.require_id(shelf_spot, "shelf_spot")
        code, now = self.new_code(), self.clock.now()

        async def decide() -> Decision[PickupChanged]:
            pickup = await self._pickup_at(pickup_id, context)
            pickup.mark_ready(shelf_spot, code, now)
            return Decision([pickup], _changed(pickup, code))

        return await self._execute(decide, PickupChanged, context)

    async def report_short(
        self,
        pickup_id: UUID,
        line_id: str,
        quantity_short: int,
        context: Context,
    ) -> Done[PickupChanged]:
        """The shelf is short: the order line is cancelled, its amount owed back (off the money
        first, then in points), stock released; the last line short cancels the order and
        gives back every point it paid with."""
        bounds.require_id(line_id, "line_id")
        now = self.clock.now()

        async def decide() -> Decision[PickupChanged]:
            pickup = await self._pickup_at(pickup_id, context)
            line = pickup.report_short(line_id, quantity_short, now)
            order = await self.repository.get(pickup.order_id, Order)
            order.cancel_line(line_id, quantity_short, "shelf short", now)
            item = await self.repository.get(stock_item_id(pickup.store_id, line.sku), StockItem)
            item.release(order.id, "shelf short", quantity_short)
            if pickup.status is PickupStatus.CANCELLED:  # every line's stock is released by now
                order.cancel("all lines short", now)
                back = await self._points_back(order, now)
            else:  # what the money cannot cover of the line comes back in points
                back = await self._points_back_in_part(order, now)
            return Decision([pickup, order, item, *back], _changed(pickup))

        return await self._execute(decide, PickupChanged, context)

    async def collect(
        self,
        pickup_id: UUID,
        code: str,
        staff_id: str,
        context: Context,
        collected_by: str | None = None,
    ) -> Done[PickupChanged]:
        """Hand over against the code: stock leaves, payment is captured, the order completes."""
        bounds.require_id(code, "code")
        bounds.require_id(staff_id, "staff_id")
        bounds.require_text(collected_by, "proof")
        now, payments = self.clock.now(), PaymentCalls(self.payments)

        async def decide() -> Decision[PickupChanged]:
            pickup = await self._pickup_at(pickup_id, context, Capability.HAND_OVER)
            pickup.collect(code, staff_id, now, collected_by)  # a second collect: PICKUP_CLOSED
            order = await self.repository.get(pickup.order_id, Order)
            if order.status is not OrderStatus.PAYMENT_AUTHORIZED:
                raise PaymentRequired(order_id=order.id, status=order.status.value)
            skus = [line.sku for line in pickup.lines]
            changed = await self._fulfilled(order, pickup.store_id, skus, payments, now)
            return Decision([pickup, order, *changed], _changed(pickup))

        return await self._execute(decide, PickupChanged, context)

    async def mark_pickup_overdue(
        self, pickup_id: UUID, at: datetime, context: Context
    ) -> Done[PickupChanged]:
        """The promised-ready time passed: recorded once, for the board and the statistics."""
        return await self._on_pickup(pickup_id, context, lambda p: p.mark_overdue(at))

    async def expire_pickup(
        self, pickup_id: UUID, at: datetime, context: Context
    ) -> Done[PickupChanged]:
        """The pickup window passed: the order is cancelled and its stock released."""
        return await self._not_collected(pickup_id, at, context, None)

    async def mark_no_show(
        self, pickup_id: UUID, staff_id: str, context: Context
    ) -> Done[PickupChanged]:
        """Staff close a pickup whose window has passed without the customer (a no-show),
        before the scheduler does: the same consequences as the expiry."""
        bounds.require_id(staff_id, "staff_id")
        return await self._not_collected(pickup_id, self.clock.now(), context, staff_id)

    async def _not_collected(
        self, pickup_id: UUID, at: datetime, context: Context, staff_id: str | None
    ) -> Done[PickupChanged]:
        async def decide() -> Decision[PickupChanged]:
            pickup = await self._pickup_at(pickup_id, context)
            try:
                pickup.expire(at, staff_id)
            except PickupWindowStillOpen as still_open:
                raise still_open.in_store_time(await self._time_zone(pickup.store_id)) from None
            order = await self.repository.get(pickup.order_id, Order)
            order.cancel("not collected", at)
            items = await self._release_reservations(order, "not collected")
            back = await self._points_back(order, at)
            return Decision([pickup, order, *items, *back], _changed(pickup))

        return await self._execute(decide, PickupChanged, context)

    async def _time_zone(self, store_id: str) -> str:
        """The store's zone, for times in refusals an associate reads; UTC if unknown."""
        location = await self.catalog.location(store_id)
        return location.time_zone if location is not None else "UTC"

    async def record_customer_notified(
        self, pickup_id: UUID, channel: str, context: Context
    ) -> Done[PickupChanged]:
        """The notifier's mail server accepted the ready notice: the customer is told."""
        bounds.require_id(channel, "channel")
        now = self.clock.now()
        return await self._on_pickup(pickup_id, context, lambda p: p.record_notified(channel, now))

    async def record_notification_failed(
        self, pickup_id: UUID, channel: str, reason: str, context: Context
    ) -> Done[NotificationAttempt]:
        """The notifier could not send the ready notice; the attempt number comes back."""
        bounds.require_id(channel, "channel")
        bounds.require_text(reason, "reason")
        now = self.clock.now()

        async def decide() -> Decision[NotificationAttempt]:
            pickup = await self._pickup_at(pickup_id, context)
            attempt = pickup.record_notification_failed(channel, reason, now)
            return Decision([pickup], NotificationAttempt(pickup.id, channel, attempt))

        return await self._execute(decide, NotificationAttempt, context)
