"""Orders: one by id (its customer, or staff and tills of its store), and the customer's own,
newest first, as a cursor connection."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import strawberry

from api.auth import Principal, Role
from api.graphql.checkout.types import Order
from api.graphql.context import Info, RequestContext, path_of
from api.graphql.errors import Forbidden
from api.graphql.permissions import is_shopper
from api.graphql.relay import Connection, Page, paged
from projections import orders
from projections.orders import OrderView

ORDER_VIEWS = ("orders", "fulfillment_times")


def may_read(caller: Principal, view: OrderView) -> bool:
    """Its shopper (the customer, or the guest whose cart it was) or its store."""
    if caller.role in (Role.CUSTOMER, Role.GUEST):
        return is_shopper(caller, view.customer_id, view.cart_id)
    return caller.works_at(view.location_id)


async def readable_order(context: RequestContext, order_id: UUID) -> Order | None:
    caller = context.require()
    view = await context.loaders.orders.load(order_id)
    if view is None:  # perhaps not projected yet: answer from everything committed so far
        await context.caught_up(ORDER_VIEWS)
        view = (await orders.orders_by_id(context.read_pool, [order_id])).get(order_id)
    if view is None:
        return None
    if not may_read(caller, view):
        raise Forbidden("this order is not yours")
    return Order.of(view)


@strawberry.type
class OrderQueries:
    @strawberry.field
    async def order(self, info: Info, id: UUID, consistent_with: str | None = None) -> Order | None:
        info.context.require()
        await info.context.consistent_with(consistent_with, ORDER_VIEWS, path_of(info))
        order = await readable_order(info.context, id)
        info.context.flag_parked(("orders",), (id,), path_of(info))
        return order

    @strawberry.field(description="The customer's orders, newest first.")
    async def my_orders(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        consistent_with: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Order]:
        caller = info.context.require(Role.CUSTOMER)
        page = Page(first, after, last, before)
        await info.context.consistent_with(consistent_with, ("orders",), path_of(info))
        pool, path = info.context.read_pool, path_of(info)

        async def fetch(key: orders.OrderCursor | None, limit: int) -> list[OrderView]:
            return await orders.orders_of_customer(pool, caller.subject, limit, key)

        def seen(views: Sequence[OrderView]) -> None:
            info.context.flag_parked(("orders",), (v.order_id for v in views), path)

        return await paged(page, orders.OrderCursor, fetch, orders.order_cursor, Order.of, seen)
