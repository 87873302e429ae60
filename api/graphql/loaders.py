"""Per-request DataLoaders: a board of 200 pickups costs the same few queries as one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from functools import cached_property
from typing import TypeVar
from uuid import UUID

import asyncpg
from strawberry.dataloader import DataLoader

from adapters.postgres.customers import customers_by_id
from domain.ports import Customer
from projections.fulfillment_times import PickupCard, pickups_of_orders
from projections.orders import OrderView, orders_by_id


class Loaders:
    """Built on first use: most requests (every mutation) never touch one, and each loader
    is a handful of objects in reference cycles the garbage collector must free."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @cached_property
    def orders(self) -> DataLoader[UUID, OrderView | None]:
        return _loader(self.pool, orders_by_id)

    @cached_property
    def customers(self) -> DataLoader[str, Customer | None]:
        return _loader(self.pool, customers_by_id)

    @cached_property
    def pickups_by_order(self) -> DataLoader[UUID, PickupCard | None]:
        return _loader(self.pool, pickups_of_orders)


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def _loader(
    pool: asyncpg.Pool, fetch: Callable[[asyncpg.Pool, Sequence[K]], Awaitable[Mapping[K, V]]]
) -> DataLoader[K, V | None]:
    """A loader answering each key from one `fetch` of the whole batch (None when absent)."""

    async def load(keys: list[K]) -> list[V | None]:
        found = await fetch(pool, keys)
        return [found.get(key) for key in keys]

    return DataLoader(load)
