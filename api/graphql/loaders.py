"""Per-request DataLoaders: a board of 200 pickups costs the same few queries as one."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import asyncpg
from strawberry.dataloader import DataLoader

from projections.fulfillment_times import PickupCard, pickups_of_orders
from projections.orders import OrderView, orders_by_id


@dataclass
class Loaders:
    orders: DataLoader[UUID, OrderView | None]
    pickups_by_order: DataLoader[UUID, PickupCard | None]


def make_loaders(pool: asyncpg.Pool) -> Loaders:
    async def load_orders(ids: list[UUID]) -> list[OrderView | None]:
        found = await orders_by_id(pool, ids)
        return [found.get(i) for i in ids]

    async def load_pickups(order_ids: list[UUID]) -> list[PickupCard | None]:
        found = await pickups_of_orders(pool, order_ids)
        return [found.get(i) for i in order_ids]

    return Loaders(DataLoader(load_orders), DataLoader(load_pickups))
