"""Stock use cases: goods in, counts, and POS sales uploaded (possibly again) by a till."""

from __future__ import annotations

import msgspec

from domain import access
from domain.access import Capability
from domain.usecases.base import Decision, Done, UnknownProduct, UseCases
from domain.values import Context


class StockChanged(msgspec.Struct, frozen=True):
    location_id: str
    skus: list[str]


class PosSaleLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int


class StockUseCases(UseCases):
    async def receive_stock(
        self,
        location_id: str,
        sku: str,
        quantity: int,
        reference: str,
        context: Context,
        idempotency_key: str | None = None,
    ) -> Done[StockChanged]:
        """Goods arrived at a location (a delivery note id makes a good idempotency key)."""
        access.require(context.actor, Capability.MANAGE_STOCK, location_id)
        await self._require_known(location_id, [sku])

        async def decide() -> Decision[StockChanged]:
            item = await self._stock_item(location_id, sku)
            item.receive(quantity, reference)
            return Decision([item], StockChanged(location_id, [sku]))

        return await self._execute(decide, StockChanged, context, idempotency_key)

    async def count_stock(
        self, location_id: str, sku: str, counted: int, reason: str, context: Context
    ) -> Done[StockChanged]:
        """A stock count sets what is on hand."""
        access.require(context.actor, Capability.MANAGE_STOCK, location_id)
        await self._require_known(location_id, [sku])

        async def decide() -> Decision[StockChanged]:
            item = await self._stock_item(location_id, sku)
            item.adjust(counted, reason)
            return Decision([item], StockChanged(location_id, [sku]))

        return await self._execute(decide, StockChanged, context)

    async def record_pos_sale(
        self,
        location_id: str,
        terminal_id: str,
        sale_id: str,
        lines: list[PosSaleLine],
        context: Context,
    ) -> Done[StockChanged]:
        """A sale that happened at a till; safe to upload again (the sale id is the key)."""
        access.require(context.actor, Capability.SELL, location_id)
        # One sale id per stock item: two lines of one SKU would look like a retried upload.
        sold: dict[str, int] = {}
        for line in lines:
            sold[line.sku] = sold.get(line.sku, 0) + line.quantity
        skus = list(sold)
        await self._require_known(location_id, skus)

        async def decide() -> Decision[StockChanged]:
            items = await self._stock_items(location_id, skus)
            for sku, quantity in sold.items():
                items[sku].sell_at_pos(sale_id, terminal_id, quantity)
            return Decision(list(items.values()), StockChanged(location_id, skus))

        key = f"pos-sale:{location_id}:{terminal_id}:{sale_id}"
        return await self._execute(decide, StockChanged, context, idempotency_key=key)

    async def _require_known(self, location_id: str, skus: list[str]) -> None:
        await self._location(location_id)
        known = await self.catalog.products(skus)
        for sku in skus:
            if sku not in known:
                raise UnknownProduct(sku=sku)
