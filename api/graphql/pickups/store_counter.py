"""At the counter and the curb: staff take payment at hand-over; the customer says "I'm here"."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.checkout.mutations import IDEMPOTENCY_KEY_LENGTH, OrderPayload
from api.graphql.common import attempt
from api.graphql.context import Info, RequestContext
from api.graphql.errors import UserError, invalid
from api.graphql.limits import BoundedId, described
from api.graphql.pickups.mutations import PickupPayload, pickup_payload
from domain.bounds import MAX_ARRIVAL_NOTE_LENGTH
from domain.usecases.base import Done
from domain.usecases.pickups import PickupChanged

PaymentKey = Annotated[
    str | None,
    described(
        "8 to 100 characters, one per payment attempt: a retry with the same key and token "
        "answers the first outcome and charges nothing again."
    ),
]
BayOrCar = Annotated[
    str | None,
    described(
        f"Where you wait, e.g. 'bay 3, red Golf'. At most {MAX_ARRIVAL_NOTE_LENGTH} characters."
    ),
]


@strawberry.type
class CounterMutations:
    @strawberry.mutation(
        description="Take payment at hand-over for an order placed without it (or declined): "
        "the card terminal's token is authorized for the order, and captured when the pickup "
        "is handed over. Staff of the pickup's store."
    )
    async def take_payment_at_counter(
        self,
        info: Info,
        pickup_id: UUID,
        payment_token: BoundedId,
        idempotency_key: PaymentKey = None,
    ) -> PickupPayload:
        context = info.context
        context.require()
        if idempotency_key is not None and len(idempotency_key) not in IDEMPOTENCY_KEY_LENGTH:
            return PickupPayload(user_errors=[invalid("idempotencyKey", "8 to 100 characters")])
        use_case = context.services.service.take_payment_at_counter
        key = _scoped_key(context, idempotency_key)
        return pickup_payload(
            await attempt(use_case(pickup_id, payment_token, context.command(), key))
        )

    @strawberry.mutation(
        description='"I\'m here": the customer has arrived to collect their order (curbside: '
        "say where). The store's board shows them in its arrived lane. The order's customer, "
        "or the guest holding its cart; the store's staff for a customer who calls."
    )
    async def arrive_for_pickup(
        self, info: Info, order_id: UUID, bay_or_car: BayOrCar = None
    ) -> OrderPayload:
        context = info.context
        context.require()
        use_case = context.services.service.arrive_for_pickup
        return _arrived(await attempt(use_case(order_id, bay_or_car, context.command())))


def _scoped_key(context: RequestContext, key: str | None) -> str | None:
    """Keys are per caller, as checkout's are: one till's key never replays another's."""
    return None if key is None else f"counter-payment:{context.actor.id}:{key}"


def _arrived(outcome: Done[PickupChanged] | UserError) -> OrderPayload:
    if isinstance(outcome, UserError):
        return OrderPayload(user_errors=[outcome])
    return OrderPayload(
        user_errors=[], position=outcome.position.token(), order_id=outcome.result.order_id
    )
