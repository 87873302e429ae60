"""Subscriptions over graphql-transport-ws: a store's board, a customer's cart, a SKU's stock.

Each wakes when its projection moves on, re-reads the view, and sends it only if it changed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from api.auth import Role
from api.graphql.context import require, services
from api.graphql.permissions import require_store
from api.graphql.types import Board, Cart, StockLevel
from projections import cart_continuity, fulfillment_times, store_inventory

T = TypeVar("T")
HEARTBEAT_SECONDS = 30.0


async def on_change(
    info: Info, projection: str, read: Callable[[], Awaitable[T]]
) -> AsyncGenerator[T, None]:
    runner = services(info).projections.runners[projection]
    seen = runner.position
    last: Any = object()
    while True:
        current = await read()
        if current != last:
            last = current
            yield current
        seen = await runner.wait_beyond(seen, HEARTBEAT_SECONDS)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="The pickup board of a store, on every change.")
    async def pickup_board(self, info: Info, store_id: str) -> AsyncGenerator[Board, None]:
        require_store(info, store_id)
        pool, clock = services(info).database.pool, services(info).clock

        async def read() -> Any:
            return await fulfillment_times.board(pool, store_id, clock.now())

        async for board in on_change(info, "fulfillment_times", read):
            yield Board.of(board, clock.now())

    @strawberry.subscription(description="The customer's current cart, as other devices change it.")
    async def my_cart(self, info: Info) -> AsyncGenerator[Cart | None, None]:
        caller = require(info, Role.CUSTOMER)
        pool = services(info).database.pool

        async def read() -> Any:
            return await cart_continuity.current_cart(pool, caller.subject)

        async for view in on_change(info, "cart_continuity", read):
            yield Cart.of(view) if view else None

    @strawberry.subscription(description="A SKU's stock at a store.")
    async def stock_level(
        self, info: Info, location_id: str, sku: str
    ) -> AsyncGenerator[StockLevel | None, None]:
        pool = services(info).database.pool

        async def read() -> Any:
            levels = await store_inventory.stock_at(pool, location_id, [sku])
            return levels[0] if levels else None

        async for level in on_change(info, "store_inventory", read):
            yield StockLevel.of(level) if level else None
