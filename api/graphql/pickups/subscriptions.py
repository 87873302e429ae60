"""A store's board, pushed whenever a pickup of any channel moves."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import asyncpg
import strawberry

from api.graphql.context import Info
from api.graphql.live import on_change
from api.graphql.pickups.types import PickupBoard
from projections import fulfillment_times


@strawberry.type
class PickupSubscriptions:
    @strawberry.subscription(description="The pickup board of a store, on every change.")
    async def pickup_board(self, info: Info, store_id: str) -> AsyncGenerator[PickupBoard, None]:
        info.context.require_store(store_id)
        clock = info.context.services.clock

        async def read(pool: asyncpg.Pool) -> fulfillment_times.Board:
            return await fulfillment_times.board(pool, store_id, clock.now())

        async for board in on_change(info, "fulfillment_times", read):
            yield PickupBoard.of(board, clock.now())
