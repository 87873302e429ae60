"""At the counter and the curb: the customer says "I'm here", and an order placed without
payment is paid at hand-over through the payment port (then handed over as any other)."""

from __future__ import annotations

from uuid import UUID

from domain import access, bounds
from domain.access import Capability
from domain.errors import DomainError, ErrorCode
from domain.idempotency import idempotent
from domain.order.model import Order, OrderStatus
from domain.pickup.model import FINISHED, Pickup, PickupClosed
from domain.usecases.base import Decision, Done, UseCases
from domain.usecases.checkout_rules import pickup_id_for
from domain.usecases.payments import PaymentCalls
from domain.usecases.pickups import PickupChanged
from domain.values import Context

PAID_ALREADY = frozenset({OrderStatus.PAYMENT_AUTHORIZED, OrderStatus.PAID})


class AlreadyPaid(DomainError):
    code = ErrorCode.ALREADY_PAID
    message = "this order is paid already; hand it over against the customer's code"


class NotAPickup(DomainError):
    code = ErrorCode.NOT_FOUND
    subject = "order_id"
    message = "order {order_id} is not collected at a store"


class CounterUseCases(UseCases):
    async def arrive_for_pickup(
        self, order_id: UUID, bay_or_car: str | None, context: Context
    ) -> Done[PickupChanged]:
        """The customer is here to collect (curbside: where they wait, in a few words)."""
        bounds.require_length(bay_or_car, bounds.MAX_ARRIVAL_NOTE_LENGTH, "bay_or_car")
        where = (bay_or_car or "").strip() or None
        now = self.clock.now()

        async def decide() -> Decision[PickupChanged]:
            order = await self.repository.get(order_id, Order)
            store_id = order.fulfillment.location_id
            access.require_arrival_reporter(
                context.actor, order.customer_id, order.cart_id, store_id
            )
            pickup = await self.repository.find(pickup_id_for(order_id), Pickup)
            if pickup is None:
                raise NotAPickup(order_id=order_id)
            pickup.arrive(now, where)
            return Decision([pickup], _changed(pickup))

        return await self._execute(decide, PickupChanged, context)

    async def take_payment_at_counter(
        self,
        pickup_id: UUID,
        payment_token: str,
        context: Context,
        idempotency_key: str | None = None,
    ) -> Done[PickupChanged]:
        """The customer pays at hand-over: the card terminal's token is authorized for the
        order's total, captured when the pickup is handed over (as a paid-online order is)."""
        bounds.require_id(payment_token, "payment_token")
        payments, now = PaymentCalls(self.payments), self.clock.now()

        async def decide() -> Decision[PickupChanged]:
            pickup = await self.repository.get(pickup_id, Pickup)
            access.require(context.actor, Capability.HAND_OVER, pickup.store_id)
            if pickup.status in FINISHED:
                raise PickupClosed(pickup_id=pickup.id, status=pickup.status.value)
            order = await self.repository.get(pickup.order_id, Order)
            if order.status in PAID_ALREADY:
                raise AlreadyPaid(order_id=order.id, status=order.status.value)
            order.require_payable()
            reference = await payments.authorize(order.id, order.amount_payable, payment_token)
            order.authorize_payment(reference, now)
            return Decision([order], _changed(pickup))

        request = idempotent(
            idempotency_key,
            "take_payment_at_counter",
            pickup_id=pickup_id,
            payment_token=payment_token,
        )
        return await self._execute(decide, PickupChanged, context, request)


def _changed(pickup: Pickup) -> PickupChanged:
    return PickupChanged(pickup.id, pickup.order_id, pickup.status.value)
