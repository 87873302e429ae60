"""Stock use cases: goods in and counts. POS sales, which move stock too, are in sales.py."""

from __future__ import annotations

import msgspec

from domain import access, bounds
from domain.access import Capability
from domain.idempotency import idempotent
from domain.usecases.base import Decision, Done, UnknownProduct, UseCases
from domain.usecases.sales import PosSaleLine
from domain.values import Context

__all__ = ["PosSaleLine", "StockChanged", "StockUseCases"]  # PosSaleLine: where callers import it


class StockChanged(msgspec.Struct, frozen=True):
    location_id: str
    skus: list[str]


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
        bounds.require_id(reference, "reference")

        async def decide() -> Decision[StockChanged]:
            # Checked here, not before: a retry after the SKU left the catalog still answers
            # the receipt it made (the key is looked up before every decision).
            await self._require_known(location_id, [sku])
            item = await self._stock_item(location_id, sku)
            item.receive(quantity, reference)
            return Decision([item], StockChanged(location_id, [sku]))

        request = idempotent(
            idempotency_key,
            "receive_stock",
            location_id=location_id,
            sku=sku,
            quantity=quantity,
            reference=reference,
        )
        return await self._execute(decide, StockChanged, context, request)

    async def count_stock(
        self, location_id: str, sku: str, counted: int, reason: str, context: Context
    ) -> Done[StockChanged]:
        """A stock count sets what is on hand."""
        access.require(context.actor, Capability.MANAGE_STOCK, location_id)
        bounds.require_text(reason, "reason")
        await self._require_known(location_id, [sku])

        async def decide() -> Decision[StockChanged]:
            item = await self._stock_item(location_id, sku)
            item.adjust(counted, reason)
            return Decision([item], StockChanged(location_id, [sku]))

        return await self._execute(decide, StockChanged, context)

    async def _require_known(self, location_id: str, skus: list[str]) -> None:
        for sku in skus:
            bounds.require_sku(sku)
        await self._location(location_id)
        known = await self.catalog.products(skus)
        for sku in skus:
            if sku not in known:
                raise UnknownProduct(sku=sku)
