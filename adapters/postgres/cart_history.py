"""The CartHistory port on PostgreSQL: a customer's carts from the events table, by index."""

from __future__ import annotations

from uuid import UUID

import asyncpg

# The topics are literals so that the planner can use the partial index of 0011.
CARTS_OF = """
SELECT stream_id FROM events
WHERE topic IN ('domain.cart.model:Cart.Created', 'domain.cart.model:Cart.AssignedToCustomer')
  AND state ->> 'customer_id' = $1
GROUP BY stream_id ORDER BY min(position)
"""


class PostgresCartHistory:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def carts_of(self, customer_id: str) -> list[UUID]:
        return [row["stream_id"] for row in await self.pool.fetch(CARTS_OF, customer_id)]
