"""Products and locations in PostgreSQL: the Catalog port, an in-process cache of it, and
upserts for imports."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import asyncpg
import msgspec

from domain.ports import Location, LocationKind, Product
from domain.values import Money

CATALOG_CHANNEL = "catalog"
# Unknown SKUs are cached too, so a client sending made-up ones must not grow memory forever.
MAX_CACHED_PRODUCTS = 100_000


class PostgresCatalog:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def products(self, skus: Sequence[str]) -> dict[str, Product]:
        rows = await self.pool.fetch("SELECT * FROM products WHERE sku = ANY($1::text[])", skus)
        return {row["sku"]: _product(row) for row in rows}

    async def location(self, location_id: str) -> Location | None:
        row = await self.pool.fetchrow("SELECT * FROM locations WHERE id = $1", location_id)
        return _location(row) if row else None

    async def locations(self) -> list[Location]:
        return [
            _location(row) for row in await self.pool.fetch("SELECT * FROM locations ORDER BY id")
        ]


class CachedCatalog:
    """The catalog held in memory: it is read on every cart change and checkout, and changes a
    few times a day. `invalidate` (wired to the catalog channel's NOTIFY, which every upsert
    sends on commit) drops everything; entries older than `max_age` are read again anyway,
    should a notification ever be lost."""

    def __init__(
        self,
        catalog: PostgresCatalog,
        max_age: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.catalog, self.max_age, self.clock = catalog, max_age, clock
        self._products: dict[str, tuple[float, Product | None]] = {}
        self._locations: tuple[float, dict[str, Location]] | None = None
        # Bumped by every invalidation: a read that began before one must not store what it
        # read, which may predate the change.
        self._generation = 0

    def invalidate(self) -> None:
        self._generation += 1
        self._products.clear()
        self._locations = None

    async def products(self, skus: Sequence[str]) -> dict[str, Product]:
        now = self.clock()
        stale = [sku for sku in skus if not self._fresh(self._products.get(sku), now)]
        found: dict[str, Product] = {}
        if stale:
            generation = self._generation
            found = await self.catalog.products(stale)
            if len(self._products) + len(stale) > MAX_CACHED_PRODUCTS:
                self._products.clear()
            if generation == self._generation:
                for sku in stale:  # an unknown SKU is remembered too: absent is an answer
                    self._products[sku] = (now, found.get(sku))
        cached = (self._products.get(sku, (now, None))[1] for sku in skus)
        return {**{p.sku: p for p in cached if p is not None}, **found}

    def _fresh(self, entry: tuple[float, object] | None, now: float) -> bool:
        return entry is not None and now - entry[0] <= self.max_age

    async def location(self, location_id: str) -> Location | None:
        return (await self._all_locations()).get(location_id)

    async def locations(self) -> list[Location]:
        return list((await self._all_locations()).values())

    async def _all_locations(self) -> dict[str, Location]:
        now = self.clock()
        if self._locations is not None and self._fresh(self._locations, now):
            return self._locations[1]
        generation = self._generation
        by_id = {location.id: location for location in await self.catalog.locations()}
        if generation == self._generation:
            self._locations = (now, by_id)
        return by_id


async def upsert_catalog(
    connection: asyncpg.Connection, products: Sequence[Product], locations: Sequence[Location]
) -> None:
    """Insert or update every row, in the caller's transaction."""
    await connection.executemany(
        """INSERT INTO products (sku, name, price, currency, low_stock_threshold, description,
             attributes, image_urls, discontinued)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price = excluded.price,
             currency = excluded.currency, low_stock_threshold = excluded.low_stock_threshold,
             description = excluded.description, attributes = excluded.attributes,
             image_urls = excluded.image_urls, discontinued = excluded.discontinued,
             updated_at = now()""",
        [
            (
                p.sku,
                p.name,
                p.price.amount,
                p.price.currency,
                p.low_stock_threshold,
                p.description,
                msgspec.json.encode(p.attributes),
                list(p.image_urls),
                p.discontinued,
            )
            for p in products
        ],
    )
    await connection.executemany(
        """INSERT INTO locations (id, name, kind, time_zone, latitude, longitude, opens_at,
             closes_at, pickup_service_minutes, pickup_window_days)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
           ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind,
             time_zone = excluded.time_zone, latitude = excluded.latitude,
             longitude = excluded.longitude, opens_at = excluded.opens_at,
             closes_at = excluded.closes_at,
             pickup_service_minutes = excluded.pickup_service_minutes,
             pickup_window_days = excluded.pickup_window_days, updated_at = now()""",
        [
            (
                loc.id,
                loc.name,
                loc.kind.value,
                loc.time_zone,
                loc.latitude,
                loc.longitude,
                loc.opens_at,
                loc.closes_at,
                loc.pickup_service_minutes,
                loc.pickup_window_days,
            )
            for loc in locations
        ],
    )
    # Delivered when the caller's transaction commits: every process's CachedCatalog drops
    # what it holds.
    await connection.execute(f"SELECT pg_notify(current_schema() || '_{CATALOG_CHANNEL}', '')")


def _product(row: asyncpg.Record) -> Product:
    return Product(
        sku=row["sku"],
        name=row["name"],
        price=Money(row["price"], row["currency"].strip()),
        low_stock_threshold=row["low_stock_threshold"],
        description=row["description"],
        attributes=decode_attributes(row["attributes"]),
        image_urls=tuple(row["image_urls"]),
        discontinued=row["discontinued"],
    )


decode_attributes = msgspec.json.Decoder(dict[str, str]).decode


ProductCursor = tuple[str]


async def search_products(
    pool: asyncpg.Pool, search: str | None, limit: int, after: ProductCursor | None = None
) -> list[Product]:
    """Products on sale whose SKU or name contains `search` (any case), by SKU."""
    pattern = None if not search else "%" + _escape_like(search.strip()) + "%"
    rows = await pool.fetch(
        """SELECT * FROM products
           WHERE NOT discontinued AND ($1::text IS NULL OR sku ILIKE $1 OR name ILIKE $1)
             AND ($2::text IS NULL OR sku > $2)
           ORDER BY sku LIMIT $3""",
        pattern,
        after[0] if after else None,
        limit,
    )
    return [_product(row) for row in rows]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _location(row: asyncpg.Record) -> Location:
    return Location(
        id=row["id"],
        name=row["name"],
        kind=LocationKind(row["kind"]),
        time_zone=row["time_zone"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        pickup_service_minutes=row["pickup_service_minutes"],
        pickup_window_days=row["pickup_window_days"],
    )
