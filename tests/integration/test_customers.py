"""Customers as reference data: imports upsert, lookups by id and loyalty card answer like the
in-memory directory."""

from __future__ import annotations

import msgspec

from adapters.memory_catalog import InMemoryCustomers
from adapters.postgres.customers import PostgresCustomers, upsert_customers
from adapters.postgres.database import Database
from domain.ports import Customer

ADA = Customer(id="cust-ada", first_name="Ada", last_name="Lovelace", loyalty_id="LOYAL-0001")
GRACE = Customer(id="cust-grace", first_name="Grace", email="grace@example.com")


async def test_answers_like_the_in_memory_directory(database: Database) -> None:
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_customers(connection, [ADA, GRACE])
    found, reference = PostgresCustomers(database.pool), InMemoryCustomers([ADA, GRACE])
    for customer_id in ("cust-ada", "cust-grace", "cust-nobody"):
        assert await found.customer(customer_id) == await reference.customer(customer_id)
    assert await found.by_loyalty_id("LOYAL-0001") == ADA
    assert await found.by_loyalty_id("LOYAL-9999") is None


async def test_an_import_again_updates_in_place(database: Database) -> None:
    moved = msgspec.structs.replace(GRACE, email="grace@navy.example")
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_customers(connection, [GRACE])
        await upsert_customers(connection, [moved])
    assert await PostgresCustomers(database.pool).customer("cust-grace") == moved
    assert await database.pool.fetchval("SELECT count(*) FROM customers") == 1
