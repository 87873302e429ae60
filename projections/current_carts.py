"""The current cart of each customer, as their CustomerCarts stream sets it: the part of the
cart continuity read model that follows the write side's decision instead of making one."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from domain.customer.model import CustomerCarts
from domain.ports import RecordedEvent

# The customer's CustomerCarts decides (its row's cart may be NULL: no current cart). Only
# for a customer without one (carts from before it): the most recently active open cart, the
# one the write side adopts when it opens the stream (latest activity, then the larger id).
CURRENT_CART = """
SELECT cart_id FROM current_cart_view WHERE customer_id = $1
UNION ALL
(SELECT cart_id FROM cart_view
 WHERE customer_id = $1 AND status = 'open'
   AND NOT EXISTS (SELECT 1 FROM current_cart_view WHERE customer_id = $1)
 ORDER BY last_activity_at DESC, cart_id DESC LIMIT 1)
LIMIT 1
"""


class CurrentCarts:
    """Each customer's current cart as their CustomerCarts stream last set it in a batch."""

    def __init__(self) -> None:
        self.opened: dict[UUID, tuple[str, UUID | None]] = {}
        self.moved: dict[UUID, UUID | None] = {}

    def fold(self, recorded: RecordedEvent) -> None:
        match recorded.event:
            case CustomerCarts.Created() as e:
                self.opened[recorded.stream_id] = (e.customer_id, e.adopted_cart_id)
            case CustomerCarts.CartBecameCurrent() as e:
                self.moved[recorded.stream_id] = e.cart_id
            case CustomerCarts.CurrentCartClosed():
                self.moved[recorded.stream_id] = None

    async def write(self, connection: asyncpg.Connection, suffix: str) -> None:
        if self.opened:
            await connection.executemany(
                f"INSERT INTO current_cart_view{suffix} VALUES ($1, $2, $3)",
                [(stream_id, *opened) for stream_id, opened in self.opened.items()],
            )
        if self.moved:
            await connection.executemany(
                f"UPDATE current_cart_view{suffix} SET cart_id = $2 WHERE stream_id = $1",
                list(self.moved.items()),
            )
