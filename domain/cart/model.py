"""Cart: what a shopper intends to buy, on any channel and device, until checkout."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, ErrorCode
from domain.values import Channel, Money

MAX_LINE_QUANTITY = 99


class CartStatus(enum.StrEnum):
    OPEN = "open"
    CHECKED_OUT = "checked_out"
    MERGED = "merged"
    ABANDONED = "abandoned"


class CartLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int
    unit_price: Money

    @property
    def subtotal(self) -> Money:
        return self.unit_price.times(self.quantity)


class CartClosed(DomainError):
    code = ErrorCode.CART_CLOSED
    message = "this cart is {status} and accepts no more changes"


class InvalidQuantity(DomainError):
    code = ErrorCode.INVALID_QUANTITY
    subject = "quantity"
    message = "a cart line holds 1 to 99 units; {quantity} of {sku} is not possible"


class LineNotInCart(DomainError):
    code = ErrorCode.LINE_NOT_IN_CART
    subject = "sku"
    message = "{sku} is not in this cart"


class CurrencyMismatch(DomainError):
    code = ErrorCode.CURRENCY_MISMATCH
    message = "{sku} is priced in {currency}, which is not this cart's currency"


class EmptyCart(DomainError):
    code = ErrorCode.EMPTY_CART
    subject = "lines"
    message = "this cart is empty: add something before checking out"


class CartStillActive(DomainError):
    code = ErrorCode.CART_STILL_ACTIVE
    message = "this cart was active at {last_activity} and is not idle long enough to abandon"


class CartBelongsToAnotherCustomer(DomainError):
    code = ErrorCode.CART_BELONGS_TO_ANOTHER_CUSTOMER
    message = "this cart belongs to another customer"


class Cart(Aggregate):
    """A guest's or customer's cart; once checked out, merged or abandoned it accepts no change.

    Merge policy on sign-in: quantities of the same SKU add up, capped at MAX_LINE_QUANTITY
    per line; the capped SKUs are recorded so a UI can tell the customer what changed.
    """

    channel: Channel
    device_id: str | None
    customer_id: str | None
    currency: str
    lines: dict[str, CartLine]
    status: CartStatus
    order_id: UUID | None
    merged_into: UUID | None

    class Created(Aggregate.Created):
        channel: Channel
        device_id: str | None
        customer_id: str | None
        currency: str

    class LineAdded(Aggregate.Event):
        sku: str
        quantity: int
        unit_price: Money

    class QuantityChanged(Aggregate.Event):
        sku: str
        quantity: int

    class LineRemoved(Aggregate.Event):
        sku: str

    class AssignedToCustomer(Aggregate.Event):
        customer_id: str

    class LinesMerged(Aggregate.Event):
        source_cart_id: UUID
        lines: list[CartLine]
        capped_skus: list[str]

    class MergedInto(Aggregate.Event):
        target_cart_id: UUID

    class CheckedOut(Aggregate.Event):
        order_id: UUID

    class Abandoned(Aggregate.Event):
        at: datetime

    @classmethod
    def create(
        cls,
        cart_id: UUID,
        channel: Channel,
        device_id: str | None = None,
        customer_id: str | None = None,
        currency: str = "EUR",
    ) -> Cart:
        """Start a cart on a channel and device, for a customer or a guest."""
        return cls._create(
            cls.Created,
            id=cart_id,
            channel=channel,
            device_id=device_id,
            customer_id=customer_id,
            currency=currency,
        )

    @event(Created)
    def __init__(
        self, channel: Channel, device_id: str | None, customer_id: str | None, currency: str
    ) -> None:
        self.channel = channel
        self.device_id = device_id
        self.customer_id = customer_id
        self.currency = currency
        self.lines = {}
        self.status = CartStatus.OPEN
        self.order_id = None
        self.merged_into = None

    @property
    def is_open(self) -> bool:
        return self.status is CartStatus.OPEN

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines.values())

    @property
    def total(self) -> Money:
        total = Money.zero(self.currency)
        for line in self.lines.values():
            total = total + line.subtotal
        return total

    def add_line(self, sku: str, quantity: int, unit_price: Money) -> None:
        """Add units of a SKU; a SKU already in the cart takes the new quantity and price."""
        self._require_open()
        if unit_price.currency != self.currency:
            raise CurrencyMismatch(cart_id=self.id, sku=sku, currency=unit_price.currency)
        held = self.lines[sku].quantity if sku in self.lines else 0
        self._require_valid_quantity(sku, held + quantity, requested=quantity)
        self._line_added(sku=sku, quantity=quantity, unit_price=unit_price)

    @event(LineAdded)
    def _line_added(self, sku: str, quantity: int, unit_price: Money) -> None:
        held = self.lines[sku].quantity if sku in self.lines else 0
        self.lines[sku] = CartLine(sku, held + quantity, unit_price)

    def change_quantity(self, sku: str, quantity: int) -> None:
        """Set a line's quantity; zero removes the line."""
        self._require_open()
        self._require_line(sku)
        if quantity == 0:
            self._line_removed(sku=sku)
            return
        self._require_valid_quantity(sku, quantity, requested=quantity)
        if quantity != self.lines[sku].quantity:
            self._quantity_changed(sku=sku, quantity=quantity)

    @event(QuantityChanged)
    def _quantity_changed(self, sku: str, quantity: int) -> None:
        self.lines[sku] = msgspec.structs.replace(self.lines[sku], quantity=quantity)

    def remove_line(self, sku: str) -> None:
        """Take a SKU out of the cart."""
        self._require_open()
        self._require_line(sku)
        self._line_removed(sku=sku)

    @event(LineRemoved)
    def _line_removed(self, sku: str) -> None:
        del self.lines[sku]

    def assign_to(self, customer_id: str) -> None:
        """A guest signed in: the cart becomes the customer's."""
        self._require_open()
        if self.customer_id == customer_id:
            return
        if self.customer_id is not None:
            raise CartBelongsToAnotherCustomer(cart_id=self.id, customer_id=customer_id)
        self._assigned(customer_id=customer_id)

    @event(AssignedToCustomer)
    def _assigned(self, customer_id: str) -> None:
        self.customer_id = customer_id

    def absorb(self, source: Cart) -> list[str]:
        """Take over another cart's lines (sum, capped); returns the SKUs that were capped."""
        self._require_open()
        source._require_open()
        merged, capped = [], []
        for sku, line in source.lines.items():
            held = self.lines[sku].quantity if sku in self.lines else 0
            quantity = min(held + line.quantity, MAX_LINE_QUANTITY)
            if held + line.quantity > MAX_LINE_QUANTITY:
                capped.append(sku)
            merged.append(CartLine(sku, quantity, line.unit_price))
        if merged:
            self._lines_merged(source_cart_id=source.id, lines=merged, capped_skus=capped)
        return capped

    @event(LinesMerged)
    def _lines_merged(
        self, source_cart_id: UUID, lines: list[CartLine], capped_skus: list[str]
    ) -> None:
        for line in lines:
            self.lines[line.sku] = line

    def merge_into(self, target_cart_id: UUID) -> None:
        """This guest cart's lines went to the customer's cart; it is closed."""
        self._require_open()
        self._merged_into(target_cart_id=target_cart_id)

    @event(MergedInto)
    def _merged_into(self, target_cart_id: UUID) -> None:
        self.status = CartStatus.MERGED
        self.merged_into = target_cart_id

    def check_out(self, order_id: UUID) -> None:
        """The cart became an order."""
        self._require_open()
        if not self.lines:
            raise EmptyCart(cart_id=self.id)
        self._checked_out(order_id=order_id)

    @event(CheckedOut)
    def _checked_out(self, order_id: UUID) -> None:
        self.status = CartStatus.CHECKED_OUT
        self.order_id = order_id

    def abandon(self, at: datetime, idle_for: timedelta) -> None:
        """No activity for `idle_for`: the cart is given up."""
        self._require_open()
        if at - self.modified_on < idle_for:
            raise CartStillActive(cart_id=self.id, last_activity=self.modified_on)
        self._abandoned(at=at)

    @event(Abandoned)
    def _abandoned(self, at: datetime) -> None:
        self.status = CartStatus.ABANDONED

    def _require_open(self) -> None:
        if not self.is_open:
            raise CartClosed(cart_id=self.id, status=self.status.value)

    def _require_line(self, sku: str) -> None:
        if sku not in self.lines:
            raise LineNotInCart(cart_id=self.id, sku=sku)

    def _require_valid_quantity(self, sku: str, resulting: int, requested: int) -> None:
        if requested <= 0 or resulting > MAX_LINE_QUANTITY:
            raise InvalidQuantity(cart_id=self.id, sku=sku, quantity=requested)
