"""A store's board, pushed whenever a pickup of any channel moves."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import asyncpg
import strawberry

from api.graphql.context import Info
from api.graphql.live import on_change
from api.graphql.pickups.queries import FIRST_PER_COLUMN, columns_first
from api.graphql.pickups.types import PickupBoard
from projections import fulfillment_times


@strawberry.type
class PickupSubscriptions:
    @strawberry.subscription(description="The pickup board of a store, on every change.")
    async def pickup_board(
        self,
        info: Info,
        store_id: str,
        first_per_column: Annotated[
            int | None, strawberry.argument(description=FIRST_PER_COLUMN)
        ] = None,
    ) -> AsyncGenerator[PickupBoard, None]:
        info.context.require_store(store_id)
        first = columns_first(first_per_column)
        clock = info.context.services.clock

        async def read(pool: asyncpg.Pool) -> fulfillment_times.Board:
            return await fulfillment_times.board(pool, store_id, clock.now())

        async for board in on_change(info, "fulfillment_times", read):
            yield PickupBoard.of(board, clock.now(), first)
