"""The till rings up the shopper's online cart: the basket at the counter becomes the till's
sale with the cart's customer, and the cart closes as bought in store, in one append. Safe to
send again with the same sale number, as a counter sale."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from api.auth import Role
from api.graphql.common import Money, Payload, attempt
from api.graphql.context import Info
from api.graphql.errors import UserError
from api.graphql.limits import SALE_LINES_LIMIT, SALE_NUMBER_LIMIT, OptionalId, described
from api.graphql.pos.mutations import SaleLineInput, sold_lines
from domain.usecases.base import Done
from domain.usecases.till import CartRungUp


@strawberry.type(description="A SKU the counter sold in another quantity than the cart held.")
class CounterChange:
    sku: str
    in_cart: int = strawberry.field(description="0: added at the counter.")
    bought: int = strawberry.field(description="0: left out.")


@strawberry.type
class RingUpCartPayload(Payload):
    sale_id: UUID | None = None
    receipt: str | None = strawberry.field(default=None, description="Printed on the receipt.")
    cart_id: UUID | None = None
    customer_id: str | None = None
    total: Money | None = None
    location_id: str | None = None
    counter_changes: list[CounterChange] | None = None
    points_redeemed: int | None = None
    points_earned: int | None = None


@strawberry.type
class RingUpMutations:
    @strawberry.mutation(
        description="Ring up the shopper's online cart as this till's sale, with what is in "
        "the basket at the counter; the cart closes as BOUGHT_IN_STORE. A cart changed since "
        "the till read it (cartVersion) is refused with STALE_VERSION."
    )
    async def ring_up_cart(
        self,
        info: Info,
        cart_id: UUID,
        cart_version: Annotated[int, described("The cart's version as the till showed it.")],
        sale_id: Annotated[str, described(SALE_NUMBER_LIMIT)],
        lines: Annotated[list[SaleLineInput], described(SALE_LINES_LIMIT)],
        payment_reference: OptionalId = None,
        location_id: Annotated[
            str | None, described("Which of the till's stores (default: its first).")
        ] = None,
        redeem_points: Annotated[
            int | None,
            strawberry.argument(
                description="Loyalty points the shopper pays part of it with (INSUFFICIENT_POINTS "
                "beyond their balance; nothing is recorded then)."
            ),
        ] = None,
    ) -> RingUpCartPayload:
        context = info.context
        till = context.require(Role.POS)
        store = location_id or (till.stores[0] if till.stores else "")

        async def ring_up() -> Done[CartRungUp]:
            return await context.services.service.ring_up_cart(
                store,
                till.subject,
                sale_id,
                cart_id,
                cart_version,
                sold_lines(lines),
                context.command(),
                payment_reference=payment_reference,
                redeem_points=redeem_points,
            )

        return _payload(await attempt(ring_up()))


def _payload(outcome: Done[CartRungUp] | UserError) -> RingUpCartPayload:
    if isinstance(outcome, UserError):
        return RingUpCartPayload(user_errors=[outcome])
    rung = outcome.result
    return RingUpCartPayload(
        user_errors=[],
        position=outcome.position.token(),
        sale_id=rung.sale_id,
        receipt=rung.receipt,
        cart_id=rung.cart_id,
        customer_id=rung.customer_id,
        total=Money.of(rung.total),
        location_id=rung.location_id,
        counter_changes=[
            CounterChange(sku=c.sku, in_cart=c.in_cart, bought=c.bought) for c in rung.changes
        ],
        points_redeemed=rung.points_redeemed,
        points_earned=rung.points_earned,
    )
