"""What a till records: a counter sale, safe to send again with the same sale number."""

from __future__ import annotations

import strawberry

from api.auth import Role
from api.graphql.common import attempt
from api.graphql.context import Info
from api.graphql.returns.mutations import SkuQuantity
from api.graphql.stock.mutations import StockPayload, stock_payload
from domain.usecases.stock import PosSaleLine


@strawberry.type
class PosMutations:
    @strawberry.mutation(description="A counter sale at this till (safe to send again).")
    async def record_pos_sale(
        self, info: Info, sale_id: str, lines: list[SkuQuantity]
    ) -> StockPayload:
        context = info.context
        till = context.require(Role.POS)
        sold = [PosSaleLine(line.sku, line.quantity) for line in lines]
        use_case = context.services.service.record_pos_sale
        store = till.stores[0] if till.stores else ""
        return stock_payload(
            await attempt(use_case(store, till.subject, sale_id, sold, context.command()))
        )
