"""Sale: a purchase at a store's till, a fact tied to the shopper when they identified themselves.

A sale's id is derived from its store, till and sale number, and its receipt number prints
those three, so a receipt finds its sale again with no lookup (`sale_id_of_receipt`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import quote, unquote
from uuid import UUID, uuid5

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.bounds import require_unit_price
from domain.errors import DomainError, ErrorCode
from domain.personal import Code, CustomerRef, DataSubject, customer_subject
from domain.stock.model import InvalidPosSale
from domain.values import OMNI_NAMESPACE, Money

RECEIPT_SEPARATOR = "/"


class SaleLine(msgspec.Struct, frozen=True):
    """Units of one SKU at the price charged at the till."""

    sku: Code
    quantity: int
    unit_price: Money

    @property
    def subtotal(self) -> Money:
        return self.unit_price.times(self.quantity)


class Receipt(msgspec.Struct, frozen=True):
    store_id: str
    till_id: str
    sale_number: str

    @property
    def number(self) -> str:
        """Printable, e.g. `AMS-CENTRAAL/till-1/000123`; a `/` or `%` inside a part is escaped."""
        parts = (self.store_id, self.till_id, self.sale_number)
        return RECEIPT_SEPARATOR.join(quote(part, safe="") for part in parts)

    @property
    def sale_id(self) -> UUID:
        return uuid5(OMNI_NAMESPACE, f"sale:{self.number}")


class InvalidReceipt(DomainError):
    code = ErrorCode.INVALID_RECEIPT
    subject = "receipt"
    message = "{receipt} is not a receipt number (store/till/sale)"


class EmptySale(DomainError):
    code = ErrorCode.EMPTY_SALE
    subject = "lines"
    message = "a sale needs at least one line"


class InvalidSaleLine(DomainError):
    """A quantity that is not positive, a negative price, or a price in another currency."""

    code = ErrorCode.INVALID_SALE_LINE
    subject = "lines"
    message = "the line of {sku} is not a valid sale line"


def parse_receipt(number: str) -> Receipt:
    """The store, till and sale number a receipt prints; refuses anything else."""
    parts = number.strip().split(RECEIPT_SEPARATOR)
    if len(parts) != 3 or not all(parts):
        raise InvalidReceipt(receipt=number)
    store_id, till_id, sale_number = (unquote(part) for part in parts)
    return Receipt(store_id, till_id, sale_number)


def sale_id_of_receipt(number: str) -> UUID:
    return parse_receipt(number).sale_id


class Sale(Aggregate):
    """A sale that already happened at a till: lines at the prices charged, the payment
    reference, and the customer when they identified themselves (else anonymous).

    Returns are bounded like an order's: never more than bought minus already returned.
    """

    store_id: Code
    till_id: Code
    sale_number: Code
    lines: list[SaleLine]
    total: Money
    payment_reference: Code | None
    customer_id: CustomerRef | None
    sold_at: datetime
    returned_quantities: dict[Code, int]

    class Recorded(Aggregate.Created):
        store_id: Code
        till_id: Code
        sale_number: Code
        lines: list[SaleLine]
        total: Money
        payment_reference: Code | None
        customer_id: CustomerRef | None
        sold_at: datetime

    class ReturnOpened(Aggregate.Event):
        return_id: UUID
        quantities: dict[Code, int]

    @classmethod
    def record(
        cls,
        receipt: Receipt,
        lines: list[SaleLine],
        payment_reference: str | None,
        customer_id: str | None,
        sold_at: datetime,
    ) -> Sale:
        """Record a till's sale under the id its receipt number derives."""
        if not receipt.sale_number:
            raise InvalidPosSale(location_id=receipt.store_id, terminal_id=receipt.till_id)
        if not lines:
            raise EmptySale(receipt=receipt.number)
        _require_valid_lines(receipt, lines)
        total = Money.zero(lines[0].unit_price.currency)
        for line in lines:
            total = total + line.subtotal
        return cls._create(
            cls.Recorded,
            id=receipt.sale_id,
            store_id=receipt.store_id,
            till_id=receipt.till_id,
            sale_number=receipt.sale_number,
            lines=lines,
            total=total,
            payment_reference=payment_reference,
            customer_id=customer_id,
            sold_at=sold_at,
        )

    @event(Recorded)
    def __init__(
        self,
        store_id: str,
        till_id: str,
        sale_number: str,
        lines: list[SaleLine],
        total: Money,
        payment_reference: str | None,
        customer_id: str | None,
        sold_at: datetime,
    ) -> None:
        self.store_id = store_id
        self.till_id = till_id
        self.sale_number = sale_number
        self.lines = lines
        self.total = total
        self.payment_reference = payment_reference
        self.customer_id = customer_id
        self.sold_at = sold_at
        self.returned_quantities = {}

    @property
    def data_subject(self) -> DataSubject | None:
        return customer_subject(self.customer_id) if self.customer_id is not None else None

    @property
    def receipt(self) -> Receipt:
        return Receipt(self.store_id, self.till_id, self.sale_number)

    @property
    def fulfilled_at(self) -> datetime:
        """Handed over at the till: the return window starts at the sale."""
        return self.sold_at

    def sold_quantities(self) -> dict[str, int]:
        """Units per SKU, however many receipt lines name it."""
        return _per_sku((line.sku, line.quantity) for line in self.lines)

    def purchased_quantities(self) -> dict[str, int]:
        """The most that can ever come back (the same name as an order's)."""
        return self.sold_quantities()

    def refund_prices(self) -> dict[str, Money]:
        """What one returned unit of each SKU is worth: the lowest price paid on the receipt,
        so a return never pays back more than was charged (a till may sell one SKU at two
        prices, e.g. one unit marked down)."""
        prices: dict[str, Money] = {}
        for line in self.lines:
            held = prices.get(line.sku)
            if held is None or line.unit_price.amount < held.amount:
                prices[line.sku] = line.unit_price
        return prices

    def open_return(self, return_id: UUID, quantities: dict[str, int]) -> None:
        """Count units as coming back, so no later return can exceed what was bought."""
        self._returned(return_id=return_id, quantities=quantities)

    @event(ReturnOpened)
    def _returned(self, return_id: UUID, quantities: dict[str, int]) -> None:
        for sku, quantity in quantities.items():
            self.returned_quantities[sku] = self.returned_quantities.get(sku, 0) + quantity


def _require_valid_lines(receipt: Receipt, lines: list[SaleLine]) -> None:
    currency = lines[0].unit_price.currency
    for line in lines:
        require_unit_price(line.unit_price.amount, "lines")
        if line.quantity <= 0 or line.unit_price.amount < 0:
            raise InvalidSaleLine(
                receipt=receipt.number, sku=line.sku, quantity=line.quantity, price=line.unit_price
            )
        if line.unit_price.currency != currency:
            raise InvalidSaleLine(receipt=receipt.number, sku=line.sku, currency=currency)


def _per_sku(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for sku, quantity in pairs:
        totals[sku] = totals.get(sku, 0) + quantity
    return totals
