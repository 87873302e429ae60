"""The customer's current cart, pushed as other devices change it."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import asyncpg
import strawberry

from api.auth import Role
from api.graphql.carts.types import Cart
from api.graphql.context import Info
from api.graphql.live import on_change
from projections import cart_continuity


@strawberry.type
class CartSubscriptions:
    @strawberry.subscription(description="The customer's current cart, as other devices change it.")
    async def my_cart(self, info: Info) -> AsyncGenerator[Cart | None, None]:
        caller = info.context.require(Role.CUSTOMER)

        async def read(pool: asyncpg.Pool) -> cart_continuity.CartView | None:
            return await cart_continuity.current_cart(pool, caller.subject)

        async for view in on_change(info, "cart_continuity", read):
            yield Cart.of(view) if view else None
