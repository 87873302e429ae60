"""Return use cases: an order or a till sale, requested from any channel, received at any
store, inspected, refunded, restocked where received."""

from __future__ import annotations

from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from domain import access, bounds
from domain.access import Capability
from domain.errors import NotFound
from domain.loyalty.model import RefundSplit, purchase_source
from domain.order.model import Order
from domain.returns.model import Inspection, NotPurchased, Return, ReturnChannel, ReturnLine
from domain.sale.model import Sale, parse_receipt
from domain.usecases.base import Decision, Done
from domain.usecases.loyalty import LoyaltyUseCases
from domain.usecases.payments import PaymentCalls
from domain.values import Context, Money

RETURN_WINDOW_DAYS = 30
POINTS_ONLY = "points-only"  # a refund's reference when no money goes back


class ReturnChanged(msgspec.Struct, frozen=True):
    return_id: UUID
    status: str


def _changed(item: Return) -> ReturnChanged:
    return ReturnChanged(item.id, item.status.value)


def _goods_kept(purchase: Order | Sale) -> Money:
    """The goods' price of what a purchase sold: an order's less its cancelled lines."""
    if isinstance(purchase, Sale):
        return purchase.total
    return purchase.total - purchase.amount_due_back


def _refund_prices(purchase: Order | Sale) -> dict[str, Money]:
    if isinstance(purchase, Sale):
        return purchase.refund_prices()
    return {line.sku: line.unit_price for line in purchase.lines}


class ReturnUseCases(LoyaltyUseCases):
    async def request_return(
        self,
        purchase_id: UUID,
        quantities: dict[str, int],
        reason: str,
        channel: ReturnChannel,
        context: Context,
    ) -> Done[ReturnChanged]:
        """Ask to bring back units of an order or a till sale (by its id); the purchase counts
        them, in the same append, so no later return can exceed it."""
        for sku in quantities:
            bounds.require_sku(sku, "lines")
        bounds.require_text(reason, "reason")
        return_id = self.new_id()

        async def decide() -> Decision[ReturnChanged]:
            purchase = await self._purchase(purchase_id)
            access.require_return_requester(context.actor, purchase.customer_id)
            prices = _refund_prices(purchase)
            for sku in quantities:
                if sku not in prices:
                    raise NotPurchased(purchase_id=purchase_id, sku=sku)
            lines = [ReturnLine(sku, qty, prices[sku]) for sku, qty in quantities.items()]
            is_sale = isinstance(purchase, Sale)
            item = Return.request(
                return_id,
                None if is_sale else purchase.id,
                purchase.customer_id,
                lines,
                reason,
                channel,
                self.clock.now(),
                purchased=purchase.purchased_quantities(),
                already_returned=purchase.returned_quantities,
                fulfilled_at=purchase.fulfilled_at,
                window_days=RETURN_WINDOW_DAYS,
                sale_id=purchase.id if is_sale else None,
            )
            purchase.open_return(return_id, item.quantities)
            return Decision([item, purchase], _changed(item))

        return await self._execute(decide, ReturnChanged, context)

    async def request_return_of_receipt(
        self,
        receipt: str,
        quantities: dict[str, int],
        reason: str,
        channel: ReturnChannel,
        context: Context,
    ) -> Done[ReturnChanged]:
        """The same for an in-store purchase, by the number printed on its receipt."""
        sale_id = parse_receipt(receipt).sale_id
        return await self.request_return(sale_id, quantities, reason, channel, context)

    async def _purchase(self, purchase_id: UUID) -> Order | Sale:
        found = await self.repository.find(purchase_id, Aggregate)
        if not isinstance(found, Order | Sale):
            raise NotFound(f"no order or sale {purchase_id}", id=purchase_id)
        return found

    async def receive_return(
        self, return_id: UUID, location_id: str, context: Context
    ) -> Done[ReturnChanged]:
        """The goods arrived at a store or warehouse; that is where they will be restocked."""
        access.require(context.actor, Capability.TAKE_RETURN, location_id)
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
        for result in results:
            bounds.require_sku(result.sku, "results")
        now = self.clock.now()

        async def decide() -> Decision[ReturnChanged]:
            item = await self._return_at(return_id, context, Capability.INSPECT_RETURN)
            item.inspect(results, now)
            return Decision([item], _changed(item))

        return await self._execute(decide, ReturnChanged, context)

    async def refund_return(self, return_id: UUID, context: Context) -> Done[ReturnChanged]:
        """Pay the returned units back at the price paid: in money and in points, in the
        proportion the purchase was paid (the points part back to the ledger); the points the
        money earned are reversed in proportion to the money refunded. All in one append."""
        now, payments = self.clock.now(), PaymentCalls(self.payments)

        async def decide() -> Decision[ReturnChanged]:
            item = await self._return_at(return_id, context, Capability.REFUND)
            item.require_refundable()
            kind = "order" if item.order_id is not None else "sale"
            source = purchase_source(kind, item.purchase_id)
            goods = item.refund_due
            ledger = await self._earner(item.customer_id)
            if ledger is not None and ledger.paid_with_points(source) is not None:
                purchase = await self._purchase(item.purchase_id)
                split = ledger.refund_split(source, goods, _goods_kept(purchase))
            else:
                split = RefundSplit(goods, goods, 0, Money.zero(goods.currency))
            if split.money.amount > 0:
                reference = await payments.refund(return_id, item.purchase_id, split.money)
            else:  # paid with points only: nothing for the provider to pay back
                reference = POINTS_ONLY
            item.refund(reference, now, split.money, split.points)
            moved = self._refunded_in_points(ledger, source, split, now)
            return Decision([item, *moved], _changed(item))

        return await self._execute(decide, ReturnChanged, context)

    async def restock_return(self, return_id: UUID, context: Context) -> Done[ReturnChanged]:
        """Resellable units go back into stock at the location that received them."""
        now = self.clock.now()

        async def decide() -> Decision[ReturnChanged]:
            item = await self._return_at(return_id, context, Capability.MANAGE_STOCK)
            quantities = item.restock(now)
            assert item.received_at_location is not None
            stock = await self._stock_items(item.received_at_location, list(quantities))
            for sku, quantity in quantities.items():
                stock[sku].restock(return_id, quantity)
            return Decision([item, *stock.values()], _changed(item))

        return await self._execute(decide, ReturnChanged, context)

    async def _return_at(self, return_id: UUID, context: Context, capability: Capability) -> Return:
        """The return, once the actor may work on it where it was received."""
        item = await self.repository.get(return_id, Return)
        access.require(context.actor, capability, item.received_at_location)
        return item
