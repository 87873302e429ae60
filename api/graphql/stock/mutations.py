"""Goods in and stock counts, by staff of the location."""

from __future__ import annotations

from typing import Annotated

import strawberry

from api.graphql.common import Payload, attempt
from api.graphql.context import Info, path_of
from api.graphql.errors import UserError
from api.graphql.limits import (
    COUNTED_LIMIT,
    ID_LIMIT,
    RECEIVED_LIMIT,
    LocationId,
    Reason,
    Sku,
    described,
)
from api.graphql.stock.queries import STOCK_VIEWS
from api.graphql.stock.types import StockLevel
from domain.usecases.base import Done
from domain.usecases.stock import StockChanged
from projections import store_inventory


@strawberry.type
class StockPayload(Payload):
    location_id: str | None = None
    skus: list[str] | None = None

    @strawberry.field(description="The levels after this change (waits until readable).")
    async def stock_levels(self, info: Info) -> list[StockLevel]:
        if self.location_id is None or not self.skus:
            return []
        await info.context.consistent_with(self.position, STOCK_VIEWS, path_of(info))
        pool = info.context.read_pool
        levels = await store_inventory.stock_at(pool, self.location_id, self.skus)
        return [StockLevel.of(level) for level in levels]


def stock_payload(outcome: Done[StockChanged] | UserError) -> StockPayload:
    if isinstance(outcome, UserError):
        return StockPayload(user_errors=[outcome])
    return StockPayload(
        user_errors=[],
        position=outcome.position.token(),
        location_id=outcome.result.location_id,
        skus=list(outcome.result.skus),
    )


@strawberry.type
class StockMutations:
    @strawberry.mutation(description="Goods in at a location.")
    async def receive_stock(
        self,
        info: Info,
        location_id: LocationId,
        sku: Sku,
        quantity: Annotated[int, described(RECEIVED_LIMIT)],
        reference: Annotated[str, described(f"A delivery note's number. {ID_LIMIT}")],
    ) -> StockPayload:
        context = info.context
        context.require()
        use_case = context.services.service.receive_stock
        return stock_payload(
            await attempt(use_case(location_id, sku, quantity, reference, context.command()))
        )

    @strawberry.mutation(description="A stock count sets what is on hand.")
    async def count_stock(
        self,
        info: Info,
        location_id: LocationId,
        sku: Sku,
        counted: Annotated[int, described(COUNTED_LIMIT)],
        reason: Reason,
    ) -> StockPayload:
        context = info.context
        context.require()
        use_case = context.services.service.count_stock
        return stock_payload(
            await attempt(use_case(location_id, sku, counted, reason, context.command()))
        )
