"""In-store sales: a till's sale recorded as a fact tied to the shopper who identified
themselves, moving stock in the same append; receipts found again by their number."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from domain import access, bounds
from domain.access import Capability
from domain.errors import DomainError, ErrorCode, NotFound
from domain.idempotency import idempotent
from domain.loyalty.model import (
    InvalidPoints,
    LoyaltyAccount,
    purchase_source,
    require_redeemable,
)
from domain.sale.model import Receipt, Sale, SaleLine, parse_receipt
from domain.usecases.base import Decision, Done, UnknownProduct
from domain.usecases.loyalty import LoyaltyUseCases
from domain.usecases.profiles import UnknownCustomer as UnknownCustomer  # where it was first
from domain.values import Context, Money


class PosSaleLine(msgspec.Struct, frozen=True):
    """Units sold at a till; without a price, the catalog's price when the sale is recorded."""

    sku: str
    quantity: int
    unit_price: Money | None = None


class SaleRecorded(msgspec.Struct, frozen=True):
    """The sale and its receipt. Outcomes stored before sales were recorded (stock only)
    replay with just the location and SKUs."""

    location_id: str
    skus: list[str]
    sale_id: UUID | None = None
    receipt: str = ""
    customer_id: str | None = None
    total: Money | None = None
    points_redeemed: int = 0
    points_earned: int = 0


class UnknownLoyaltyId(DomainError):
    code = ErrorCode.UNKNOWN_LOYALTY_ID
    subject = "loyalty_id"
    message = "no customer has loyalty card {loyalty_id}"


class CustomerMismatch(DomainError):
    """A loyalty card and a customer token that name two different people."""

    code = ErrorCode.CUSTOMER_MISMATCH
    subject = "loyalty_id"
    message = "loyalty card {loyalty_id} is not customer {customer_id}'s"


def require_bounded(
    terminal_id: str,
    sale_number: str,
    lines: list[PosSaleLine],
    payment_reference: str | None,
    loyalty_id: str | None,
) -> None:
    bounds.require_id(terminal_id, "terminal_id")
    bounds.require_length(sale_number, bounds.MAX_SALE_NUMBER_LENGTH, "sale_id")
    bounds.require_id(payment_reference, "payment_reference")
    bounds.require_id(loyalty_id, "loyalty_id")
    bounds.require_count(len(lines), bounds.MAX_SALE_LINES, "lines")
    for line in lines:
        bounds.require_sku(line.sku, "lines")
        if line.quantity > bounds.MAX_SALE_LINE_QUANTITY:
            raise bounds.OutOfBounds(
                "lines",
                f"{line.quantity:,} of {line.sku} on one line; at most "
                f"{bounds.MAX_SALE_LINE_QUANTITY:,}",
                ErrorCode.INVALID_QUANTITY,
            )


def _recorded(sale: Sale, redeemed: int = 0, earned: int = 0) -> SaleRecorded:
    return SaleRecorded(
        sale.store_id,
        sorted(sale.sold_quantities()),
        sale.id,
        sale.receipt.number,
        sale.customer_id,
        sale.total,
        redeemed,
        earned,
    )


def points_moved(changed: list[LoyaltyAccount]) -> tuple[int, int]:
    """(redeemed, earned) by a sale's append, from the ledger's new events."""
    redeemed = earned = 0
    for account in changed:
        for new_event in account.pending_events:
            if isinstance(new_event, LoyaltyAccount.Redeemed):
                redeemed += new_event.points
            elif isinstance(new_event, LoyaltyAccount.Earned):
                earned += new_event.points
    return redeemed, earned


class SaleUseCases(LoyaltyUseCases):
    async def record_pos_sale(
        self,
        location_id: str,
        terminal_id: str,
        sale_number: str,
        lines: list[PosSaleLine],
        context: Context,
        *,
        payment_reference: str | None = None,
        loyalty_id: str | None = None,
        customer_id: str | None = None,
        redeem_points: int | None = None,
    ) -> Done[SaleRecorded]:
        """A sale that happened at a till, with its stock movements; safe to upload again
        (store, till and sale number are the key). An unknown shopper records nothing.
        An identified shopper earns points on what they paid in money; `redeem_points` pays
        part of it with their points, in the same append (INSUFFICIENT_POINTS: no sale)."""
        access.require(context.actor, Capability.SELL, location_id)
        require_bounded(terminal_id, sale_number, lines, payment_reference, loyalty_id)
        bounds.require_id(customer_id, "customer_id")
        if redeem_points is not None:
            require_redeemable(redeem_points)
        receipt = Receipt(location_id, terminal_id, sale_number)
        sold_at = self.clock.now()

        async def decide() -> Decision[SaleRecorded]:
            # Checked here, not before: a till sending a recorded sale again is answered with
            # it even if a product or a loyalty card has since gone (the key comes first).
            await self._location(location_id)
            sale_lines = await self._priced(lines)
            shopper = await self._identified(loyalty_id, customer_id)
            earlier = await self.repository.find(receipt.sale_id, Sale)
            if earlier is not None:
                # A racing upload committed it after our look-up (the append below then
                # answers that upload's key), or its key was purged: one number, one sale.
                return Decision([], _recorded(earlier))
            sale = Sale.record(receipt, sale_lines, payment_reference, shopper, sold_at)
            sold = sale.sold_quantities()
            items = await self._stock_items(location_id, list(sold))
            for sku, quantity in sold.items():
                # One movement per SKU: two lines of one SKU would look like a retried upload.
                items[sku].sell_at_pos(sale_number, terminal_id, quantity)
            ledger = await self._points_of_sale(sale, redeem_points, sold_at)
            return Decision(
                [sale, *items.values(), *ledger], _recorded(sale, *points_moved(ledger))
            )

        # The till's own numbering is the key: the same number with other lines, payment or
        # shopper is another sale under a number already used (IDEMPOTENCY_KEY_REUSED).
        request = idempotent(
            f"pos-sale:{location_id}:{terminal_id}:{sale_number}",
            "record_pos_sale",
            lines=lines,
            payment_reference=payment_reference,
            loyalty_id=loyalty_id,
            customer_id=customer_id,
            **({"redeem_points": redeem_points} if redeem_points is not None else {}),
        )
        return await self._execute(decide, SaleRecorded, context, request)

    async def _points_of_sale(
        self, sale: Sale, redeem_points: int | None, at: datetime
    ) -> list[LoyaltyAccount]:
        """The shopper's ledger with the points the sale spent, then those its money earned
        (nothing for an anonymous sale; redeeming without a shopper is UNKNOWN_CUSTOMER)."""
        source = purchase_source("sale", sale.id)
        paid = sale.total
        if redeem_points is not None:
            account, value = await self._redemption(
                sale.customer_id, source, redeem_points, sale.total.currency, at
            )
            if value.amount > sale.total.amount:
                raise InvalidPoints(
                    points=redeem_points, why=f"they are worth more than {sale.total}"
                )
            paid = sale.total - value
            account.earn(source, paid, self.loyalty_rules, at)
            return [account]
        return await self._earning(sale.customer_id, source, paid, at)

    async def sale_of_receipt(self, receipt: str) -> Sale:
        """The sale a printed receipt number names (no lookup: its id derives from it)."""
        sale = await self.repository.find(parse_receipt(receipt).sale_id, Sale)
        if sale is None:
            raise NotFound(f"no sale with receipt {receipt}", receipt=receipt)
        return sale

    async def _priced(self, lines: list[PosSaleLine]) -> list[SaleLine]:
        """The till's price when it sent one (what the shopper paid), else today's."""
        skus = list(dict.fromkeys(line.sku for line in lines))
        products = await self.catalog.products(skus)
        for sku in skus:
            if sku not in products:
                raise UnknownProduct(sku=sku)
        return [
            SaleLine(line.sku, line.quantity, line.unit_price or products[line.sku].price)
            for line in lines
        ]

    async def _identified(self, loyalty_id: str | None, customer_id: str | None) -> str | None:
        """The customer a scanned loyalty card or customer token names (the survivor, if their
        profile was merged); None if neither. A token's customer is who signed in: the
        directory only enriches identity, so one it never heard of is a customer all the same."""
        by_card = by_token = None
        if loyalty_id is not None:
            found = await self.customers.by_loyalty_id(loyalty_id) if self.customers else None
            if found is None:
                raise UnknownLoyaltyId(loyalty_id=loyalty_id)
            by_card = await self.survivor_of(found.id)
        if customer_id is not None:
            by_token = await self.survivor_of(customer_id)
        if by_card and by_token and by_card != by_token:
            raise CustomerMismatch(loyalty_id=loyalty_id, customer_id=customer_id)
        return by_card or by_token
