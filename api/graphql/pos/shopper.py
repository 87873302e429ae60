"""Who the shopper at the till is, their open online cart and a short profile (first name,
open pickups and returns, the last three orders): what a till needs to continue the cart.

Only a till (or an admin) asks. A customer shops in every store, so a till of any store may
identify any customer, as it may scan their loyalty card for a sale."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from api.auth import Role
from api.graphql.carts.queries import CART_VIEWS, readable_cart
from api.graphql.carts.types import Cart
from api.graphql.checkout.types import Order
from api.graphql.context import Info, RequestContext, path_of
from api.graphql.enums import ShopperKey
from api.graphql.errors import ApiError, Forbidden
from api.graphql.limits import ID_LIMIT, BoundedArguments, described
from api.graphql.loyalty.types import Loyalty
from domain.errors import DomainError, NotAllowed
from domain.usecases.till import ShopperAtTill
from projections import orders, timeline_queries
from projections.loyalty import loyalty_of

LAST_ORDERS = 3
PROFILE_VIEWS = (*CART_VIEWS, "customer_timeline", "orders", "loyalty")


@strawberry.type(description="The shopper a till serves: who, their open online cart, a profile.")
class TillShopper:
    customer_id: str | None = strawberry.field(description="None: a guest, known by a cart.")
    first_name: str | None
    cart: Cart | None = strawberry.field(description="Their open online cart, if any.")
    open_pickups: int
    open_returns: int
    last_orders: list[Order] = strawberry.field(description="Newest first, at most 3.")
    loyalty: Loyalty | None = strawberry.field(
        default=None, description="Their points, to redeem as a tender (none: a guest)."
    )


def refused(refusal: DomainError) -> ApiError:
    """A domain refusal in a query: a GraphQL error with the refusal's own code."""
    if isinstance(refusal, NotAllowed):
        return Forbidden(str(refusal))
    error = ApiError(str(refusal))
    error.code = refusal.code
    return error


async def till_shopper(context: RequestContext, by: ShopperKey, value: str) -> TillShopper:
    use_case = context.services.service.shopper_at_till
    try:
        found: ShopperAtTill = await use_case(by, value, context.command())
    except DomainError as refusal:
        raise refused(refusal) from None
    await context.caught_up(PROFILE_VIEWS)  # the cart's version is what the till rings up
    cart = await _cart(context, found.cart_id)
    if found.customer_id is None:
        return TillShopper(
            customer_id=None,
            first_name=None,
            cart=cart,
            open_pickups=0,
            open_returns=0,
            last_orders=[],
        )
    pool = context.services.database.pool
    header = await timeline_queries.timeline_header(pool, found.customer_id)
    last = await orders.orders_of_customer(pool, found.customer_id, LAST_ORDERS)
    return TillShopper(
        customer_id=found.customer_id,
        first_name=found.first_name,
        cart=cart,
        open_pickups=header.open_pickups,
        open_returns=header.open_returns,
        last_orders=[Order.of(view) for view in last],
        loyalty=Loyalty.of(
            await loyalty_of(pool, found.customer_id),
            context.services.service.loyalty_rules.point_value,
        ),
    )


async def _cart(context: RequestContext, cart_id: UUID | None) -> Cart | None:
    return await readable_cart(context, cart_id) if cart_id is not None else None


@strawberry.type
class TillShopperQueries:
    @strawberry.field(
        description="A till identifies the shopper by their loyalty card or the cart code "
        "their app shows: their open online cart and a short profile, to ring the cart up.",
        extensions=[BoundedArguments()],
    )
    async def till_shopper(
        self,
        info: Info,
        by: ShopperKey,
        value: Annotated[str, described(f"What the shopper showed. {ID_LIMIT}")],
    ) -> TillShopper:
        info.context.require(Role.POS)
        shopper = await till_shopper(info.context, by, value)
        if shopper.cart is not None:
            info.context.flag_parked(CART_VIEWS, (shopper.cart.cart_id,), path_of(info))
        return shopper
