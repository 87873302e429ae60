"""Checkout and the order's own mutations: pay later, cancel."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.graphql.checkout.queries import ORDER_VIEWS, may_read, readable_order
from api.graphql.checkout.types import Order, order_view_of
from api.graphql.common import Money, Payload, attempt
from api.graphql.context import Info, RequestContext, path_of
from api.graphql.enums import FulfillmentMethod
from api.graphql.errors import Forbidden, UserError, invalid
from api.graphql.limits import ID_LIMIT, BoundedId, DeviceId, Reason
from domain.order.model import Fulfillment
from domain.order.model import Order as OrderState
from domain.usecases.base import Done
from domain.usecases.checkout import CheckedOut, OrderChanged

IDEMPOTENCY_KEY_LENGTH = range(8, 101)
PICKUP_VIEWS = ("fulfillment_times",)


@strawberry.input(
    description="A stream (the cart, a stock item) at the version the client saw: both read "
    "as `streamId` and `version` on Cart and StockLevel."
)
class ExpectedVersion:
    stream_id: UUID
    version: int


@strawberry.input
class CheckoutInput:
    cart_id: UUID
    method: FulfillmentMethod
    location_id: str = strawberry.field(description=f"A store or warehouse. {ID_LIMIT}")
    payment_token: str | None = strawberry.field(
        default=None, description=f"The payment provider's token. {ID_LIMIT}"
    )
    redeem_points: int | None = strawberry.field(
        default=None,
        description="Loyalty points that pay part of the order, redeemed in the same append "
        "(INSUFFICIENT_POINTS beyond the balance, INVALID_POINTS if not positive or worth more "
        "than the order); the card is authorized for the rest.",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="8 to 100 characters, one per request: a retry with the same input returns "
        "the first outcome; the same key with other input is refused (IDEMPOTENCY_KEY_REUSED). "
        "A refused checkout binds nothing: its retry runs as new.",
    )
    expected_versions: list[ExpectedVersion] | None = strawberry.field(
        default=None,
        description="Optimistic concurrency made explicit: the cart's and its lines' stock "
        "items' (at `locationId`) stream ids and versions as the client saw them "
        "(`Cart { streamId version }`, `storeStock(locationId:, skus:) { nodes { streamId "
        "version } }`); any other is refused with STALE_VERSION, nothing decided again.",
    )


@strawberry.type
class OrderPayload(Payload):
    order_id: UUID | None = None
    # The order as this mutation decided and saved it (None: answered from the read model)
    decided: strawberry.Private[OrderState | None] = None

    @strawberry.field(
        description="The order after this change: the state the mutation decided on, the very "
        "fields a later `order(id:, consistentWith: position)` answers (a replayed outcome, "
        "and `pickup`, wait until the read models show the change)."
    )
    async def order(self, info: Info) -> Order | None:
        if self.order_id is None:
            return None
        context, path = info.context, path_of(info)
        if self.decided is not None:
            view = order_view_of(self.decided)
            if not may_read(context.require(), view):
                raise Forbidden("this order is not yours")

            async def pickup_shown() -> None:
                await context.consistent_with(self.position, PICKUP_VIEWS, path)

            return Order.of(view, pickup_shown)
        await context.consistent_with(self.position, ORDER_VIEWS, path)
        return await readable_order(context, self.order_id)


@strawberry.type
class CheckoutPayload(OrderPayload):
    pickup_id: UUID | None = None
    total: Money | None = None


@strawberry.type
class CheckoutMutations:
    @strawberry.mutation(description="Place the order: ship, or pick up at a store.")
    async def checkout(
        self, info: Info, input: CheckoutInput, device_id: DeviceId = None
    ) -> CheckoutPayload:
        context = info.context
        key = input.idempotency_key
        if key is not None and len(key) not in IDEMPOTENCY_KEY_LENGTH:
            return CheckoutPayload(user_errors=[invalid("idempotencyKey", "8 to 100 characters")])
        placed = await attempt(
            context.services.service.checkout(
                input.cart_id,
                Fulfillment(input.method, input.location_id),
                context.command(device_id),
                input.payment_token,
                _scoped_key(context, key),
                _versions(input.expected_versions),
                input.redeem_points,
            )
        )
        return _checked_out(placed)

    @strawberry.mutation(description="Pay for an order placed without payment, or declined.")
    async def authorize_payment(
        self, info: Info, order_id: UUID, payment_token: BoundedId
    ) -> OrderPayload:
        context = info.context
        context.require()
        use_case = context.services.service.authorize_payment
        return _order(await attempt(use_case(order_id, payment_token, context.command())))

    @strawberry.mutation(description="Cancel before hand-over: the stock held is released.")
    async def cancel_order(self, info: Info, order_id: UUID, reason: Reason) -> OrderPayload:
        context = info.context
        context.require()
        use_case = context.services.service.cancel_order
        return _order(await attempt(use_case(order_id, reason, context.command())))


def _versions(expected: list[ExpectedVersion] | None) -> dict[UUID, int] | None:
    if expected is None:
        return None
    return {item.stream_id: item.version for item in expected}


def _scoped_key(context: RequestContext, key: str | None) -> str | None:
    """Keys are per caller: one client's key can never replay another's checkout."""
    if key is None:
        return None
    return f"checkout:{context.actor.id}:{key}"


def _checked_out(outcome: Done[CheckedOut] | UserError) -> CheckoutPayload:
    if isinstance(outcome, UserError):
        return CheckoutPayload(user_errors=[outcome])
    result = outcome.result
    return CheckoutPayload(
        user_errors=[],
        position=outcome.position.token(),
        order_id=result.order_id,
        pickup_id=result.pickup_id,
        total=Money.of(result.total),
        decided=outcome.decided_state(result.order_id, OrderState),
    )


def _order(outcome: Done[OrderChanged] | UserError) -> OrderPayload:
    if isinstance(outcome, UserError):
        return OrderPayload(user_errors=[outcome])
    order_id = outcome.result.order_id
    return OrderPayload(
        user_errors=[],
        position=outcome.position.token(),
        order_id=order_id,
        decided=outcome.decided_state(order_id, OrderState),
    )
