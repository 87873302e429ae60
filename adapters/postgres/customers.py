"""Customers in PostgreSQL: the CustomerDirectory port, and upserts for imports."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from domain.customer.lookup import IdentifyBy, normalized
from domain.ports import Customer

COLUMNS = ("id", "first_name", "last_name", "email", "phone", "loyalty_id")
# Exact matches as domain/customer/lookup.py `normalized` defines them, on the expressions the
# indexes of migration 0020 hold.
MATCHING = {
    IdentifyBy.LOYALTY_ID: "SELECT * FROM customers WHERE loyalty_id = $1 ORDER BY id LIMIT $2",
    IdentifyBy.EMAIL: "SELECT * FROM customers WHERE lower(btrim(email)) = $1 ORDER BY id LIMIT $2",
    IdentifyBy.PHONE: """SELECT * FROM customers
                         WHERE regexp_replace(phone, '[^0-9+]', '', 'g') = $1
                         ORDER BY id LIMIT $2""",
}


class PostgresCustomers:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def customer(self, customer_id: str) -> Customer | None:
        row = await self.pool.fetchrow("SELECT * FROM customers WHERE id = $1", customer_id)
        return _customer(row) if row else None

    async def by_loyalty_id(self, loyalty_id: str) -> Customer | None:
        row = await self.pool.fetchrow("SELECT * FROM customers WHERE loyalty_id = $1", loyalty_id)
        return _customer(row) if row else None

    async def matching(self, by: str, value: str, limit: int) -> list[Customer]:
        how = IdentifyBy(by)
        rows = await self.pool.fetch(MATCHING[how], normalized(how, value), limit)
        return [_customer(row) for row in rows]


async def customers_by_id(pool: asyncpg.Pool, ids: Sequence[str]) -> dict[str, Customer]:
    rows = await pool.fetch("SELECT * FROM customers WHERE id = ANY($1::text[])", list(ids))
    return {row["id"]: _customer(row) for row in rows}


async def upsert_customers(connection: asyncpg.Connection, customers: Sequence[Customer]) -> None:
    """Insert or update every row, in the caller's transaction."""
    await connection.executemany(
        """INSERT INTO customers (id, first_name, last_name, email, phone, loyalty_id)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name,
             last_name = excluded.last_name, email = excluded.email, phone = excluded.phone,
             loyalty_id = excluded.loyalty_id, updated_at = now()""",
        [tuple(getattr(c, column) for column in COLUMNS) for c in customers],
    )


def _customer(row: asyncpg.Record) -> Customer:
    return Customer(**{column: row[column] for column in COLUMNS})
