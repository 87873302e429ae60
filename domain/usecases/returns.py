"""Return use cases: requested from any channel, received at any store, inspected, refunded,
restocked where received."""

from __future__ import annotations

from uuid import UUID

import msgspec

from domain.order.model import Order
from domain.returns.model import Inspection, NotPurchased, Return, ReturnChannel, ReturnLine
from domain.usecases.base import Decision, Done, UseCases
from domain.usecases.payments import PaymentCalls
from domain.values import Context

RETURN_WINDOW_DAYS = 30


class ReturnChanged(msgspec.Struct, frozen=True):
    return_id: UUID
    status: str


def _changed(item: Return) -> ReturnChanged:
    return ReturnChanged(item.id, item.status.value)


class ReturnUseCases(UseCases):
    async def request_return(
        self,
        order_id: UUID,
        quantities: dict[str, int],
        reason: str,
        channel: ReturnChannel,
        context: Context,
    ) -> Done[ReturnChanged]:
        """Ask to bring units back; the order counts them so no later return can exceed it."""
        return_id = self.new_id()

        async def decide() -> Decision[ReturnChanged]:
            order = await self.repository.get(order_id, Order)
            prices = {line.sku: line.unit_price for line in order.lines}
            for sku in quantities:
                if sku not in prices:
                    raise NotPurchased(order_id=order_id, sku=sku)
            lines = [ReturnLine(sku, qty, prices[sku]) for sku, qty in quantities.items()]
            item = Return.request(
                return_id,
                order_id,
                order.customer_id,
                lines,
                reason,
                channel,
                self.clock.now(),
                purchased=order.purchased_quantities(),
                already_returned=order.returned_quantities,
                fulfilled_at=order.fulfilled_at,
                window_days=RETURN_WINDOW_DAYS,
            )
            order.open_return(return_id, item.quantities)
            return Decision([item, order], _changed(item))

        return await self._execute(decide, ReturnChanged, context)

    async def receive_return(
        self, return_id: UUID, location_id: str, context: Context
    ) -> Done[ReturnChanged]:
        """The goods arrived at a store or warehouse; that is where they will be restocked."""
        await self._location(location_id)
        now = self.clock.now()

        async def decide() -> Decision[ReturnChanged]:
            item = await self.repository.get(return_id, Return)
            item.receive(location_id, now)
            return Decision([item], _changed(item))

        return await self._execute(decide, ReturnChanged, context)

    async def inspect_return(
        self, return_id: UUID, results: list[Inspection], context: Context
    ) -> Done[ReturnChanged]:
        """Each unit judged resellable or damaged."""
        now = self.clock.now()

        async def decide() -> Decision[ReturnChanged]:
            item = await self.repository.get(return_id, Return)
            item.inspect(results, now)
            return Decision([item], _changed(item))

        return await self._execute(decide, ReturnChanged, context)

    async def refund_return(self, return_id: UUID, context: Context) -> Done[ReturnChanged]:
        """Pay the returned units back at the price paid."""
        now, payments = self.clock.now(), PaymentCalls(self.payments)

        async def decide() -> Decision[ReturnChanged]:
            item = await self.repository.get(return_id, Return)
            item.require_refundable()
            reference = await payments.refund(return_id, item.order_id, item.refund_due)
            item.refund(reference, now)
            return Decision([item], _changed(item))

        return await self._execute(decide, ReturnChanged, context)

    async def restock_return(self, return_id: UUID, context: Context) -> Done[ReturnChanged]:
        """Resellable units go back into stock at the location that received them."""
        now = self.clock.now()

        async def decide() -> Decision[ReturnChanged]:
            item = await self.repository.get(return_id, Return)
            quantities = item.restock(now)
            assert item.received_at_location is not None
            stock = await self._stock_items(item.received_at_location, list(quantities))
            for sku, quantity in quantities.items():
                stock[sku].restock(return_id, quantity)
            return Decision([item, *stock.values()], _changed(item))

        return await self._execute(decide, ReturnChanged, context)
