"""Stock levels at a location, stores near a shopper that can serve a pickup now, low stock,
and a SKU's movement ledger. An unknown store or SKU is an error, never an empty list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import strawberry

from api.graphql.context import Info, RequestContext, path_of
from api.graphql.errors import BadInput, NotFoundError
from api.graphql.limits import BoundedArguments, InvalidArgument
from api.graphql.relay import Connection, Page, decode_cursor, paged
from api.graphql.stock.ledger import movement
from api.graphql.stock.types import StockLevel, StockMovement, StoreAvailability
from domain.ports import Product, RecordedEvent
from domain.values import stock_item_id
from projections import store_inventory

Level = store_inventory.StockLevel
Found = store_inventory.StoreAvailability


def _by_sku(level: Level) -> tuple[str]:
    return (level.sku,)


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
    levels: Sequence[store_inventory.StockLevel],
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
    page: Page,
    path: tuple[str | int, ...] = (),
) -> Connection[StoreAvailability]:
    near.require_on_earth()
    if near.quantity < 1:
        raise BadInput("quantity: at least 1")
    products = await require_products(context, [sku])

    async def fetch(key: tuple[float, str] | None, limit: int) -> list[Found]:
        if products[sku].discontinued:  # checkout would refuse it: no store can serve it
            return []
        return await store_inventory.stores_with(
            context.read_pool, sku, near.quantity, near.latitude, near.longitude, limit, key
        )

    def seen(found: Sequence[Found]) -> None:
        streams = (stock_item_id(store.location_id, sku) for store in found)
        context.flag_parked(STOCK_VIEWS, streams, path)

    def key(s: Found) -> tuple[float, str]:
        return s.distance_km, s.location_id

    return await paged(page, tuple[float, str], fetch, key, StoreAvailability.of, seen)


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
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[StockLevel]:
        context = info.context
        page = Page(first, after, last, before)
        decode_cursor(after, tuple[str])
        await require_location(context, location_id)
        if skus is not None:
            await require_products(context, skus)
        await context.consistent_with(consistent_with, STOCK_VIEWS, path_of(info))
        path = path_of(info)

        async def fetch(key: tuple[str] | None, limit: int) -> list[Level]:
            after_sku = key[0] if key else None
            return await store_inventory.stock_at(
                context.read_pool, location_id, skus, limit, after_sku
            )

        def seen(levels: Sequence[Level]) -> None:
            flag_parked_levels(context, levels, path, location_id, skus)

        return await paged(page, tuple[str], fetch, _by_sku, StockLevel.of, seen)

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
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[StoreAvailability]:
        page = Page(first, after, last, before)
        await info.context.consistent_with(consistent_with, STOCK_VIEWS, path_of(info))
        near = Near(latitude, longitude, quantity)
        return await stores_near(info.context, sku, near, page, path_of(info))

    @strawberry.field(
        description="Items at or under their low-stock threshold (staff).",
        extensions=[BoundedArguments()],
    )
    async def low_stock(
        self,
        info: Info,
        location_id: str,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[StockLevel]:
        context = info.context
        context.require_store(location_id)
        page, path = Page(first, after, last, before), path_of(info)
        Cursor = store_inventory.LowStockCursor

        async def fetch(key: store_inventory.LowStockCursor | None, limit: int) -> list[Level]:
            return await store_inventory.low_stock(
                context.read_pool, location_id, limit=limit, after=key
            )

        def seen(levels: Sequence[Level]) -> None:
            flag_parked_levels(context, levels, path)

        cursor = store_inventory.low_stock_cursor
        return await paged(page, Cursor, fetch, cursor, StockLevel.of, seen)

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
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[StockMovement]:
        context = info.context
        context.require_store(location_id)
        page = Page(first, after, last, before)
        decode_cursor(after, tuple[int])
        await require_products(context, [sku])
        store = context.services.database.store

        async def fetch(key: tuple[int] | None, limit: int) -> list[RecordedEvent]:
            stream = stock_item_id(location_id, sku)
            return await store.history(stream, limit, key[0] if key else None)

        def node(r: RecordedEvent) -> StockMovement:
            return movement(location_id, sku, r)

        return await paged(page, tuple[int], fetch, lambda r: (r.version,), node)
