"""The PostgreSQL catalog: imports upsert, lookups are one query, stores rank by distance."""

from __future__ import annotations

import msgspec

from adapters.memory_catalog import InMemoryCatalog
from adapters.postgres.catalog import PostgresCatalog, upsert_catalog
from adapters.postgres.database import Database
from domain.values import Money
from tests.shop import LOCATIONS, PRODUCTS


async def imported(database: Database) -> PostgresCatalog:
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, PRODUCTS, LOCATIONS)
    return PostgresCatalog(database.pool)


async def test_answers_like_the_in_memory_catalog(database: Database) -> None:
    catalog, reference = await imported(database), InMemoryCatalog(PRODUCTS, LOCATIONS)
    skus = ["LAVA-LAMP", "NO-SUCH-THING", "RETRO-CLOCK"]
    assert await catalog.products(skus) == await reference.products(skus)
    assert await catalog.location("AMS-ZUID") == await reference.location("AMS-ZUID")
    assert await catalog.location("NOWHERE") is None
    assert sorted(await catalog.locations(), key=lambda loc: loc.id) == sorted(
        await reference.locations(), key=lambda loc: loc.id
    )


async def test_importing_again_updates_instead_of_duplicating(database: Database) -> None:
    catalog = await imported(database)
    cheaper = msgspec.structs.replace(PRODUCTS[0], price=Money.of("19.95"))
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, [cheaper], [])
    assert (await catalog.products(["RETRO-CLOCK"]))["RETRO-CLOCK"].price == Money.of("19.95")
    assert await database.pool.fetchval("SELECT count(*) FROM products") == len(PRODUCTS)
