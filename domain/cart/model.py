"""Cart: what a shopper intends to buy, on any channel and device, until checkout."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, ErrorCode, NotAllowed
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


class RecoveryChange(enum.StrEnum):
    """What re-checking an abandoned cart's line against today's catalog and stock did."""

    DISCONTINUED = "discontinued"  # no longer sold (or not in the cart's currency): dropped
    REPRICED = "repriced"  # today's price replaces the one in the cart
    REDUCED = "reduced"  # fewer units can be had than the cart held
    OUT_OF_STOCK = "out_of_stock"  # no unit can be had: dropped


class LineRecovery(msgspec.Struct, frozen=True):
    """One change to one line, old and new, for the shopper to be told about."""

    sku: str
    change: RecoveryChange
    old_quantity: int
    new_quantity: int
    old_price: Money
    new_price: Money | None


class Shopper(msgspec.Struct, frozen=True):
    """Who asks for a cart: a signed-in customer, or a guest by the one cart they hold."""

    customer_id: str | None = None
    guest_cart_id: UUID | None = None


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


class CartNotAbandoned(DomainError):
    code = ErrorCode.CART_NOT_ABANDONED
    message = "this cart is {status}, not abandoned: there is nothing to recover"


class NotCartOwner(NotAllowed):
    """Only the cart's customer, or the guest holding a guest cart, may do this."""

    message = "this cart is not yours"


class Cart(Aggregate):
    """A guest's or customer's cart; once checked out, merged or abandoned it accepts no change,
    though an abandoned one can be recovered (reopened, its lines re-checked) from any device.

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

    class Recovered(Aggregate.Event):
        lines: list[CartLine]  # the lines as they stand after the re-check
        changes: list[LineRecovery]
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

    def require_owned_by(self, shopper: Shopper) -> None:
        """A customer's cart answers to that customer; a guest cart to the guest holding it."""
        if self.customer_id is not None:
            owned = shopper.customer_id == self.customer_id
        else:
            owned = shopper.customer_id is None and shopper.guest_cart_id == self.id
        if not owned:
            raise NotCartOwner(cart_id=self.id)

    def recover(
        self, prices: Mapping[str, Money], obtainable: Mapping[str, int], at: datetime
    ) -> list[LineRecovery]:
        """Reopen an abandoned cart, each line re-checked against today's `prices` and the
        units `obtainable` per SKU; returns what changed."""
        if self.status is not CartStatus.ABANDONED:
            raise CartNotAbandoned(cart_id=self.id, status=self.status.value)
        lines, changes = recheck_lines(self.lines.values(), self.currency, prices, obtainable)
        self._recovered(lines=lines, changes=changes, at=at)
        return changes

    @event(Recovered)
    def _recovered(self, lines: list[CartLine], changes: list[LineRecovery], at: datetime) -> None:
        self.status = CartStatus.OPEN
        self.lines = {line.sku: line for line in lines}

    def _require_open(self) -> None:
        if not self.is_open:
            raise CartClosed(cart_id=self.id, status=self.status.value)

    def _require_line(self, sku: str) -> None:
        if sku not in self.lines:
            raise LineNotInCart(cart_id=self.id, sku=sku)

    def _require_valid_quantity(self, sku: str, resulting: int, requested: int) -> None:
        if requested <= 0 or resulting > MAX_LINE_QUANTITY:
            raise InvalidQuantity(cart_id=self.id, sku=sku, quantity=requested)


def recheck_lines(
    lines: Iterable[CartLine],
    currency: str,
    prices: Mapping[str, Money],
    obtainable: Mapping[str, int],
) -> tuple[list[CartLine], list[LineRecovery]]:
    """Each line at today's price and at most the units obtainable; the lines kept, and
    every change (a line both repriced and reduced has two)."""
    kept: list[CartLine] = []
    changes: list[LineRecovery] = []
    for line in lines:
        price = prices.get(line.sku)
        if price is None or price.currency != currency:
            changes.append(_change(line, RecoveryChange.DISCONTINUED, 0, None))
            continue
        if price != line.unit_price:
            changes.append(_change(line, RecoveryChange.REPRICED, line.quantity, price))
        units = min(line.quantity, max(obtainable.get(line.sku, 0), 0))
        if units == 0:
            changes.append(_change(line, RecoveryChange.OUT_OF_STOCK, 0, price))
            continue
        if units < line.quantity:
            changes.append(_change(line, RecoveryChange.REDUCED, units, price))
        kept.append(CartLine(line.sku, units, price))
    return kept, changes


def _change(
    line: CartLine, change: RecoveryChange, quantity: int, price: Money | None
) -> LineRecovery:
    return LineRecovery(line.sku, change, line.quantity, quantity, line.unit_price, price)
