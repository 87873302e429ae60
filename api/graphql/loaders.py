"""Per-request DataLoaders: a board of 200 pickups costs the same few queries as one."""

from __future__ import annotations

from functools import cached_property
from uuid import UUID

import asyncpg
from strawberry.dataloader import DataLoader

from projections.fulfillment_times import PickupCard, pickups_of_orders
from projections.orders import OrderView, orders_by_id


class Loaders:
    """Built on first use: most requests (every mutation) never touch one, and each loader
    is a handful of objects in reference cycles the garbage collector must free."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @cached_property
    def orders(self) -> DataLoader[UUID, OrderView | None]:
        async def load(ids: list[UUID]) -> list[OrderView | None]:
            found = await orders_by_id(self.pool, ids)
            return [found.get(i) for i in ids]

        return DataLoader(load)

    @cached_property
    def pickups_by_order(self) -> DataLoader[UUID, PickupCard | None]:
        async def load(order_ids: list[UUID]) -> list[PickupCard | None]:
            found = await pickups_of_orders(self.pool, order_ids)
            return [found.get(i) for i in order_ids]

        return DataLoader(load)
