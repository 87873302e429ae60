"""What a pickup's hand-over and a parcel's dispatch share: the order's stock leaves the books
at its location, the payment held is captured, the order completes, and the money taken earns
its customer points, all in the caller's append (docs/decisions/2026-12-06-loyalty-ledger.md)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from eventsourcing.domain import Aggregate

from domain.loyalty.model import purchase_source
from domain.order.model import Order
from domain.usecases.loyalty import LoyaltyUseCases
from domain.usecases.payments import PaymentCalls


class FulfilmentUseCases(LoyaltyUseCases):
    async def _fulfilled(
        self,
        order: Order,
        location_id: str,
        skus: Sequence[str],
        payments: PaymentCalls,
        at: datetime,
    ) -> list[Aggregate]:
        """The stock items and ledgers changed beside `order`, which is captured and complete."""
        items = await self._stock_items(location_id, skus)
        for item in items.values():
            item.consume(order.id)
        assert order.authorization is not None  # the callers require PAYMENT_AUTHORIZED
        paid = order.amount_to_capture  # what the card pays: points tendered are not taken
        order.capture_payment(await payments.capture(order.id, order.authorization, paid), at)
        order.complete(at)
        earned = await self._earning(
            order.customer_id, purchase_source("order", order.id), paid, at
        )
        return [*items.values(), *earned]
