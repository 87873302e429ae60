"""Stock levels at a location, stores near a shopper that can serve a pickup now, low stock,
and a SKU's movement ledger. An unknown store or SKU is an error, never an empty list."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from api.graphql.context import Info, RequestContext, path_of
from api.graphql.errors import BadInput, NotFoundError
from api.graphql.limits import BoundedArguments, InvalidArgument
from api.graphql.relay import Connection, connection, decode_cursor, page_size
from api.graphql.stock.ledger import movement
from api.graphql.stock.types import StockLevel, StockMovement, StoreAvailability
from domain.ports import Product, RecordedEvent
from domain.values import stock_item_id
from projections import store_inventory

STOCK_VIEWS = ("store_inventory",)


async def require_location(context: RequestContext, location_id: str) -> None:
    if await context.services.catalog.location(location_id) is None:
        raise NotFoundError(f"there is no store or warehouse {location_id}")


async def require_products(context: RequestContext, skus: list[str]) -> dict[str, Product]:
    known = await context.services.catalog.products(skus)
    unknown = [sku for sku in skus if sku not in known]
    if unknown:
        raise NotFoundError(f"there is no product {', '.join(unknown)}")
    return known


def flag_parked_levels(
    context: RequestContext,
    levels: list[store_inventory.StockLevel],
    path: tuple[str | int, ...],
    location_id: str = "",
    skus: list[str] | None = None,
) -> None:
    """Stock levels are rows of stock item streams: a parked one reads as stale, and so does
    a SKU asked for by name that has no row (its stream's first event may be the parked one)."""
    if not context.services.projections.parked:
        return
    keys = {(level.location_id, level.sku) for level in levels}
    keys |= {(location_id, sku) for sku in skus or ()}
    context.flag_parked(STOCK_VIEWS, (stock_item_id(*key) for key in keys), path)


@dataclass(frozen=True)
class Near:
    latitude: float
    longitude: float
    quantity: int = 1

    def require_on_earth(self) -> None:
        """Degrees as WGS 84 has them; anything else is a client's mistake (swapped, or in
        another unit), which a nearest-first list would hide."""
        if not -90 <= self.latitude <= 90:
            raise InvalidArgument("latitude", f"{self.latitude} is not between -90 and 90")
        if not -180 <= self.longitude <= 180:
            raise InvalidArgument("longitude", f"{self.longitude} is not between -180 and 180")


async def stores_near(
    context: RequestContext,
    sku: str,
    near: Near,
    first: int | None,
    after: str | None,
    path: tuple[str | int, ...] = (),
) -> Connection[StoreAvailability]:
    size, key = page_size(first), decode_cursor(after, tuple[float, str])
    near.require_on_earth()
    if near.quantity < 1:
        raise BadInput("quantity: at least 1")
    products = await require_products(context, [sku])
    found: list[store_inventory.StoreAvailability] = []
    if not products[sku].discontinued:  # checkout would refuse it: no store can serve it
        found = await store_inventory.stores_with(
            context.read_pool,
            sku,
            near.quantity,
            near.latitude,
            near.longitude,
            size + 1,
            key,
        )
    streams = (stock_item_id(store.location_id, sku) for store in found[:size])
    context.flag_parked(STOCK_VIEWS, streams, path)
    return connection(
        found, size, lambda s: (s.distance_km, s.location_id), StoreAvailability.of, after
    )


@strawberry.type
class StockQueries:
    @strawberry.field(
        description="On hand, reserved and available at a location, by SKU.",
        extensions=[BoundedArguments()],
    )
    async def store_stock(
        self,
        info: Info,
        location_id: str,
        skus: list[str] | None = None,
        first: int | None = None,
        after: str | None = None,
        consistent_with: str | None = None,
    ) -> Connection[StockLevel]:
        context = info.context
        size, key = page_size(first), decode_cursor(after, tuple[str])
        await require_location(context, location_id)
        if skus is not None:
            await require_products(context, skus)
        await context.consistent_with(consistent_with, STOCK_VIEWS, path_of(info))
        levels = await store_inventory.stock_at(
            context.read_pool, location_id, skus, size + 1, key[0] if key else None
        )
        flag_parked_levels(context, levels[:size], path_of(info), location_id, skus)
        return connection(levels, size, lambda level: (level.sku,), StockLevel.of, after)

    @strawberry.field(
        description="Stores that can serve a pickup of a SKU now, nearest first. Latitude -90 "
        "to 90 and longitude -180 to 180 (degrees), else INVALID_INPUT.",
        extensions=[BoundedArguments()],
    )
    async def availability(
        self,
        info: Info,
        sku: str,
        latitude: float,
        longitude: float,
        quantity: int = 1,
        first: int | None = None,
        after: str | None = None,
        consistent_with: str | None = None,
    ) -> Connection[StoreAvailability]:
        await info.context.consistent_with(consistent_with, STOCK_VIEWS, path_of(info))
        near = Near(latitude, longitude, quantity)
        return await stores_near(info.context, sku, near, first, after, path_of(info))

    @strawberry.field(
        description="Items at or under their low-stock threshold (staff).",
        extensions=[BoundedArguments()],
    )
    async def low_stock(
        self, info: Info, location_id: str, first: int | None = None, after: str | None = None
    ) -> Connection[StockLevel]:
        context = info.context
        context.require_store(location_id)
        size = page_size(first)
        key = decode_cursor(after, store_inventory.LowStockCursor)
        levels = await store_inventory.low_stock(
            context.read_pool, location_id, limit=size + 1, after=key
        )
        flag_parked_levels(context, levels[:size], path_of(info))
        return connection(levels, size, store_inventory.low_stock_cursor, StockLevel.of, after)

    @strawberry.field(
        description="Every movement of a SKU's stock at a location, newest first.",
        extensions=[BoundedArguments()],
    )
    async def stock_movements(
        self,
        info: Info,
        location_id: str,
        sku: str,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StockMovement]:
        context = info.context
        context.require_store(location_id)
        size, key = page_size(first), decode_cursor(after, tuple[int])
        await require_products(context, [sku])
        store = context.services.database.store
        history = await store.history(
            stock_item_id(location_id, sku), size + 1, key[0] if key else None
        )

        def node(r: RecordedEvent) -> StockMovement:
            return movement(location_id, sku, r)

        return connection(history, size, lambda r: (r.version,), node, after)
