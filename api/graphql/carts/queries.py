"""Carts read from the cart continuity read model: by id, the customer's current one, and
the one a till finds by the shopper's loyalty card."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.auth import Principal, Role
from api.graphql.carts.types import Cart
from api.graphql.context import Info, RequestContext, path_of
from api.graphql.errors import Forbidden, NotFoundError
from api.graphql.limits import BoundedArguments
from domain.values import customer_carts_id
from projections import cart_continuity
from projections.cart_continuity import CartView

CART_VIEWS = ("cart_continuity",)


def may_read(caller: Principal | None, view: CartView) -> bool:
    """Its guest (by token), its customer, a till serving it, or an admin."""
    if caller is None:
        return False
    if caller.role in (Role.POS, Role.ADMIN) or caller.cart_id == view.cart_id:
        return True
    return caller.role is Role.CUSTOMER and view.customer_id == caller.subject


async def readable_cart(
    context: RequestContext, cart_id: UUID, path: tuple[str | int, ...] = ()
) -> Cart | None:
    """The cart if the caller may read it; flagged stale when its stream is parked (then it
    may even be missing: its first event was not applied)."""
    caller = context.caller
    if caller is None or (caller.role is Role.GUEST and caller.cart_id != cart_id):
        raise Forbidden("this cart is not yours")  # a guest's token names its one cart
    pool = context.read_pool
    view = await cart_continuity.cart(pool, cart_id)
    if view is None:  # perhaps not projected yet: answer from everything committed so far
        await context.caught_up(CART_VIEWS)
        view = await cart_continuity.cart(pool, cart_id)
    if view is not None and not may_read(context.caller, view):
        raise Forbidden("this cart is not yours")
    context.flag_parked(CART_VIEWS, (cart_id,), path)
    return Cart.of(view) if view is not None else None


async def current_cart_of(
    context: RequestContext, customer_id: str, path: tuple[str | int, ...]
) -> Cart | None:
    """The customer's current cart; stale if their carts stream or that cart is parked."""
    pool = context.read_pool
    view = await cart_continuity.current_cart(pool, customer_id)
    if context.services.projections.parked:  # else nothing to flag: no query more
        cart_id = view.cart_id if view else await cart_continuity.current_cart_id(pool, customer_id)
        streams = (customer_carts_id(customer_id), *((cart_id,) if cart_id else ()))
        context.flag_parked(CART_VIEWS, streams, path)
    return Cart.of(view) if view else None


@strawberry.type
class CartQueries:
    @strawberry.field(description="A cart by id: for its guest, its customer, or a till.")
    async def cart(self, info: Info, id: UUID, consistent_with: str | None = None) -> Cart | None:
        await info.context.consistent_with(consistent_with, CART_VIEWS, path_of(info))
        return await readable_cart(info.context, id, path_of(info))

    @strawberry.field(description="The signed-in customer's current cart, from any device.")
    async def my_cart(self, info: Info, consistent_with: str | None = None) -> Cart | None:
        caller = info.context.require(Role.CUSTOMER)
        await info.context.consistent_with(consistent_with, CART_VIEWS, path_of(info))
        return await current_cart_of(info.context, caller.subject, path_of(info))

    @strawberry.field(
        description="A till scans a loyalty card to serve the shopper's cart.",
        extensions=[BoundedArguments()],
    )
    async def pos_customer_cart(self, info: Info, loyalty_id: str) -> Cart | None:
        info.context.require(Role.POS)
        customer = await info.context.services.customers.by_loyalty_id(loyalty_id)
        if customer is None:
            raise NotFoundError(f"no customer has loyalty card {loyalty_id}")
        return await current_cart_of(info.context, customer.id, path_of(info))
