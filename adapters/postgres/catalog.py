"""Products and locations in PostgreSQL: the Catalog port, and upserts for imports."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from domain.ports import Location, LocationKind, Product
from domain.values import Money


class PostgresCatalog:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def products(self, skus: Sequence[str]) -> dict[str, Product]:
        rows = await self.pool.fetch("SELECT * FROM products WHERE sku = ANY($1::text[])", skus)
        return {row["sku"]: _product(row) for row in rows}

    async def all_products(self) -> list[Product]:
        return [
            _product(row) for row in await self.pool.fetch("SELECT * FROM products ORDER BY sku")
        ]

    async def location(self, location_id: str) -> Location | None:
        row = await self.pool.fetchrow("SELECT * FROM locations WHERE id = $1", location_id)
        return _location(row) if row else None

    async def locations(self) -> list[Location]:
        return [
            _location(row) for row in await self.pool.fetch("SELECT * FROM locations ORDER BY id")
        ]


async def upsert_catalog(
    connection: asyncpg.Connection, products: Sequence[Product], locations: Sequence[Location]
) -> None:
    """Insert or update every row, in the caller's transaction."""
    await connection.executemany(
        """INSERT INTO products (sku, name, price, currency, low_stock_threshold)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (sku) DO UPDATE SET name = excluded.name, price = excluded.price,
             currency = excluded.currency, low_stock_threshold = excluded.low_stock_threshold,
             updated_at = now()""",
        [
            (p.sku, p.name, p.price.amount, p.price.currency, p.low_stock_threshold)
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


def _product(row: asyncpg.Record) -> Product:
    return Product(
        sku=row["sku"],
        name=row["name"],
        price=Money(row["price"], row["currency"].strip()),
        low_stock_threshold=row["low_stock_threshold"],
    )


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
