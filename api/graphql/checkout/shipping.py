"""Dispatching a shipped order: warehouse staff (or an admin) record the carrier and its
tracking number; the payment is captured and the order completes in the same write."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.graphql.checkout.mutations import OrderPayload
from api.graphql.common import attempt
from api.graphql.context import Info
from api.graphql.errors import UserError
from api.graphql.limits import BoundedId
from domain.order.model import Order as OrderState
from domain.usecases.base import Done
from domain.usecases.shipping import OrderShipped


@strawberry.type
class ShipOrderPayload(OrderPayload):
    carrier: str | None = None
    tracking_number: str | None = None


@strawberry.type
class ShippingMutations:
    @strawberry.mutation(
        description="The parcel of a shipped order left its warehouse (staff of that warehouse, "
        "or an admin): its stock leaves, the payment held is captured, the order completes and "
        "earns loyalty points on the money taken. Once only (ORDER_ALREADY_SHIPPED); a pickup "
        "order is refused (WRONG_FULFILLMENT), an unpaid one too (PAYMENT_REQUIRED)."
    )
    async def ship_order(
        self, info: Info, order_id: UUID, carrier: BoundedId, tracking_number: BoundedId
    ) -> ShipOrderPayload:
        context = info.context
        staff = context.require()
        use_case = context.services.service.ship_order
        return _shipped(
            await attempt(
                use_case(order_id, staff.subject, carrier, tracking_number, context.command())
            )
        )


def _shipped(outcome: Done[OrderShipped] | UserError) -> ShipOrderPayload:
    if isinstance(outcome, UserError):
        return ShipOrderPayload(user_errors=[outcome])
    result = outcome.result
    return ShipOrderPayload(
        user_errors=[],
        position=outcome.position.token(),
        order_id=result.order_id,
        carrier=result.carrier,
        tracking_number=result.tracking_number,
        decided=outcome.decided_state(result.order_id, OrderState),
    )
