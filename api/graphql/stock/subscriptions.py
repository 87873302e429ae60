"""A SKU's stock at a location, pushed as it moves."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import asyncpg
import strawberry

from api.graphql.context import Info
from api.graphql.live import on_change
from api.graphql.stock.queries import require_location, require_products
from api.graphql.stock.types import StockLevel
from projections import store_inventory


@strawberry.type
class StockSubscriptions:
    @strawberry.subscription(description="A SKU's stock at a location.")
    async def stock_level(
        self, info: Info, location_id: str, sku: str
    ) -> AsyncGenerator[StockLevel | None, None]:
        await require_location(info.context, location_id)
        await require_products(info.context, [sku])

        async def read(pool: asyncpg.Pool) -> store_inventory.StockLevel | None:
            levels = await store_inventory.stock_at(pool, location_id, [sku])
            return levels[0] if levels else None

        async for level in on_change(info, "store_inventory", read):
            yield StockLevel.of(level) if level else None
