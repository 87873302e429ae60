"""The PostgreSQL catalog: imports upsert, lookups are one query; the in-process cache of it
hears of every import at once."""

from __future__ import annotations

import asyncio

import msgspec

from adapters.memory_catalog import InMemoryCatalog
from adapters.postgres.catalog import (
    CATALOG_CHANNEL,
    CachedCatalog,
    PostgresCatalog,
    upsert_catalog,
)
from adapters.postgres.database import Database
from adapters.postgres.pool import connect
from domain.ports import Location
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


async def test_the_cache_answers_like_the_catalog_it_holds(database: Database) -> None:
    cached, reference = (
        CachedCatalog(await imported(database)),
        InMemoryCatalog(PRODUCTS, LOCATIONS),
    )
    skus = ["LAVA-LAMP", "NO-SUCH-THING", "RETRO-CLOCK"]
    for _ in range(2):  # the first read fills the cache, the second is answered from it
        assert await cached.products(skus) == await reference.products(skus)
        assert await cached.location("AMS-ZUID") == await reference.location("AMS-ZUID")
        assert await cached.location("NOWHERE") is None
        assert await cached.locations() == sorted(await reference.locations(), key=by_id)


async def test_an_import_in_another_process_reaches_every_cache_at_once(database: Database) -> None:
    """`max_age` is an hour: only the NOTIFY sent by the import can make the cache re-read."""
    cached = CachedCatalog(await imported(database), max_age=3600)
    await database.store.notifier.subscribe(CATALOG_CHANNEL, cached.invalidate)
    assert (await cached.products(["RETRO-CLOCK"]))["RETRO-CLOCK"].price == PRODUCTS[0].price
    assert await cached.products(["NEW-GADGET"]) == {}

    cheaper = msgspec.structs.replace(PRODUCTS[0], price=Money.of("19.95"))
    gadget = msgspec.structs.replace(PRODUCTS[0], sku="NEW-GADGET", name="New gadget")
    other_process = await connect(database.dsn, schema=database.schema)
    async with other_process.transaction():
        await upsert_catalog(other_process, [cheaper, gadget], [])
    await other_process.close()

    async with asyncio.timeout(5):
        while (await cached.products(["RETRO-CLOCK"]))["RETRO-CLOCK"].price != cheaper.price:
            await asyncio.sleep(0.01)
    assert set(await cached.products(["NEW-GADGET", "RETRO-CLOCK"])) == {
        "NEW-GADGET",
        "RETRO-CLOCK",
    }


async def test_a_read_overtaken_by_a_change_is_not_kept(database: Database) -> None:
    """An invalidation that lands while a read is in flight: that read may predate the change,
    so it answers its caller but is not remembered."""
    catalog = await imported(database)
    cached = CachedCatalog(catalog, max_age=3600)
    reading = asyncio.Event()
    original_products = catalog.products

    async def slow_products(skus):  # type: ignore[no-untyped-def]
        found = await original_products(skus)
        reading.set()
        await asyncio.sleep(0.05)  # the change commits and is announced meanwhile
        return found

    catalog.products = slow_products  # type: ignore[method-assign]
    in_flight = asyncio.create_task(cached.products(["RETRO-CLOCK"]))
    await reading.wait()
    cheaper = msgspec.structs.replace(PRODUCTS[0], price=Money.of("19.95"))
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, [cheaper], [])
    cached.invalidate()
    assert (await in_flight)["RETRO-CLOCK"].price == PRODUCTS[0].price  # what it read
    catalog.products = original_products  # type: ignore[method-assign]
    assert (await cached.products(["RETRO-CLOCK"]))["RETRO-CLOCK"].price == cheaper.price


def by_id(location: Location) -> str:
    return location.id
