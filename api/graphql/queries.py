"""Queries: every answer comes from a read model, optionally after waiting for a position."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import strawberry
from strawberry.types import Info

from api.auth import Role
from api.graphql.context import NotAllowed, require, services, wait_for
from api.graphql.permissions import require_cart_access, require_order_access, require_store
from api.graphql.types import (
    Board,
    Cart,
    FulfillmentStats,
    Order,
    OrderConnection,
    OrderEdge,
    PageInfo,
    ProjectionStatus,
    Return,
    StockLevel,
    StoreAvailability,
)
from projections import cart_continuity, fulfillment_times, orders, store_inventory

MAX_PAGE = 100


@strawberry.type
class Query:
    @strawberry.field(description="A cart by id: its guest, its customer, or a POS.")
    async def cart(self, info: Info, id: UUID, after: str | None = None) -> Cart | None:
        await require_cart_access(info, id)
        await wait_for(info, after, ["cart_continuity"])
        view = await cart_continuity.cart(services(info).database.pool, id)
        return Cart.of(view) if view else None

    @strawberry.field(description="The signed-in customer's current cart, from any device.")
    async def my_cart(self, info: Info, after: str | None = None) -> Cart | None:
        caller = require(info, Role.CUSTOMER)
        await wait_for(info, after, ["cart_continuity"])
        view = await cart_continuity.current_cart(services(info).database.pool, caller.subject)
        return Cart.of(view) if view else None

    @strawberry.field(description="A POS scans a loyalty id to take over the customer's cart.")
    async def pos_customer_cart(self, info: Info, loyalty_id: str) -> Cart | None:
        require(info, Role.POS)
        view = await cart_continuity.current_cart(services(info).database.pool, loyalty_id)
        return Cart.of(view) if view else None

    @strawberry.field(description="Stores that can serve a pickup of a SKU now, nearest first.")
    async def availability(
        self,
        info: Info,
        sku: str,
        latitude: float,
        longitude: float,
        quantity: int = 1,
        first: int = 10,
        after: str | None = None,
    ) -> list[StoreAvailability]:
        await wait_for(info, after, ["store_inventory"])
        found = await store_inventory.stores_with(
            services(info).database.pool,
            sku,
            max(quantity, 1),
            latitude,
            longitude,
            min(first, MAX_PAGE),
        )
        return [StoreAvailability(**{f: getattr(s, f) for f in s.__struct_fields__}) for s in found]

    @strawberry.field(description="On hand, reserved and available at a location.")
    async def store_stock(
        self,
        info: Info,
        location_id: str,
        skus: list[str] | None = None,
        after: str | None = None,
    ) -> list[StockLevel]:
        await wait_for(info, after, ["store_inventory"])
        levels = await store_inventory.stock_at(services(info).database.pool, location_id, skus)
        return [StockLevel.of(level) for level in levels]

    @strawberry.field(description="Items at or under their low-stock threshold (staff).")
    async def low_stock(self, info: Info, location_id: str) -> list[StockLevel]:
        require_store(info, location_id)
        levels = await store_inventory.low_stock(services(info).database.pool, location_id)
        return [StockLevel.of(level) for level in levels]

    @strawberry.field(description="The customer's orders, newest first.")
    async def my_orders(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        consistent_with: str | None = None,
    ) -> OrderConnection:
        caller = require(info, Role.CUSTOMER)
        await wait_for(info, consistent_with, ["orders"])
        before = datetime.fromisoformat(after) if after else None
        limit = min(max(first, 1), MAX_PAGE)
        views = await orders.orders_of_customer(
            services(info).database.pool, caller.subject, limit + 1, before
        )
        edges = [OrderEdge(cursor=v.placed_at.isoformat(), node=Order.of(v)) for v in views[:limit]]
        return OrderConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(views) > limit, end_cursor=edges[-1].cursor if edges else None
            ),
        )

    @strawberry.field
    async def order(self, info: Info, id: UUID, after: str | None = None) -> Order | None:
        require(info)
        await wait_for(info, after, ["orders", "fulfillment_times"])
        view = await info.context["loaders"].orders.load(id)
        if view is None:
            return None
        require_order_access(info, view)
        return Order.of(view)

    @strawberry.field(name="return")
    async def return_(self, info: Info, id: UUID, after: str | None = None) -> Return | None:
        caller = require(info)
        await wait_for(info, after, ["orders"])
        view = await orders.return_by_id(services(info).database.pool, id)
        if view is None:
            return None
        own = caller.role is Role.CUSTOMER and view.customer_id == caller.subject
        if not own and caller.role not in (Role.STAFF, Role.POS, Role.ADMIN):
            raise NotAllowed("this return is not yours")
        return Return.of(view)

    @strawberry.field(description="A store's pickup board (staff and POS of the store).")
    async def pickup_board(self, info: Info, store_id: str, after: str | None = None) -> Board:
        require_store(info, store_id)
        await wait_for(info, after, ["fulfillment_times"])
        now = services(info).clock.now()
        board = await fulfillment_times.board(services(info).database.pool, store_id, now)
        return Board.of(board, now)

    @strawberry.field(description="Click-to-collect times per day; without a store, the chain.")
    async def fulfillment_stats(
        self,
        info: Info,
        first_day: date,
        last_day: date,
        store_id: str | None = None,
    ) -> list[FulfillmentStats]:
        caller = require(info, Role.STAFF)
        if store_id is None and caller.role is not Role.ADMIN:
            raise NotAllowed("chain-wide statistics are for admins")
        if store_id is not None:
            require_store(info, store_id)
        stats = await fulfillment_times.fulfillment_stats(
            services(info).database.pool, store_id, first_day, last_day
        )
        return [FulfillmentStats.of(s) for s in stats]

    @strawberry.field(description="Each projection's position, lag and state (admin).")
    async def projections(self, info: Info) -> list[ProjectionStatus]:
        require(info, Role.ADMIN)
        return [
            ProjectionStatus(**{f: getattr(s, f) for f in s.__struct_fields__})
            for s in await services(info).projections.status()
        ]
