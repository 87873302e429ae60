# Over 300 lines: one aggregate: its events, commands and state read together (STYLE.md).
"""Cart: what a shopper intends to buy, on any channel and device, until checkout."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.cart.errors import (
    CartBelongsToAnotherCustomer,
    CartClosed,
    CartNotAbandoned,
    CartStillActive,
    CurrencyMismatch,
    EmptyCart,
    InvalidQuantity,
    LineNotInCart,
    NotCartOwner,
)
from domain.personal import (
    Code,
    CustomerRef,
    DataSubject,
    DeviceId,
    customer_subject,
    guest_subject,
)
from domain.values import Channel, Money

MAX_LINE_QUANTITY = 99

__all__ = [
    "MAX_LINE_QUANTITY",
    "Cart",
    "CartBelongsToAnotherCustomer",
    "CartClosed",
    "CartLine",
    "CartStatus",
    "CartStillActive",
    "CounterChange",
    "CurrencyMismatch",
    "EmptyCart",
    "InvalidQuantity",
    "LineNotInCart",
]


class CartStatus(enum.StrEnum):
    OPEN = "open"
    CHECKED_OUT = "checked_out"
    MERGED = "merged"
    ABANDONED = "abandoned"
    BOUGHT_IN_STORE = "bought_in_store"  # a till rang it up as a sale


class CartLine(msgspec.Struct, frozen=True):
    sku: Code
    quantity: int
    unit_price: Money

    @property
    def subtotal(self) -> Money:
        return self.unit_price.times(self.quantity)


class RecoveryChange(enum.StrEnum):
    """What re-checking an abandoned cart's line against today's catalog and stock did."""

    DISCONTINUED = "discontinued"  # no longer sold (or not in the cart's currency): dropped
    REPRICED = "repriced"  # today's price replaces the one in the cart
    REDUCED = "reduced"  # no one location has as many units as the cart held: cut to the most
    UNAVAILABLE = "unavailable"  # no location has a unit: dropped
    # Every unit can be had, but not at the location the shopper named: kept, with where
    ONLY_ELSEWHERE = "only_elsewhere"


# Where the shopper can turn instead: the nearest few locations that have the units.
ALTERNATIVES_SHOWN = 5


class LineRecovery(msgspec.Struct, frozen=True):
    """One change to one line, old and new, for the shopper to be told about; for REDUCED and
    ONLY_ELSEWHERE, the locations that have the line's new quantity, nearest first."""

    sku: Code
    change: RecoveryChange
    old_quantity: int
    new_quantity: int
    old_price: Money
    new_price: Money | None
    available_at: tuple[Code, ...] = ()  # location ids


class Supply(msgspec.Struct, frozen=True):
    """A SKU's units available now, per location (nearest to the shopper's location first,
    else by id), and at the location the shopper named (None: they named none)."""

    by_location: tuple[tuple[str, int], ...] = ()
    here: int | None = None

    @property
    def most(self) -> int:
        """An order is served from one location: the most units one line can still hold."""
        return max((units for _, units in self.by_location), default=0)

    def where(self, units: int) -> tuple[str, ...]:
        found = (location for location, available in self.by_location if available >= units)
        return tuple(found)[:ALTERNATIVES_SHOWN]


class CounterChange(msgspec.Struct, frozen=True):
    """A SKU the till sold in another quantity than the online cart held: added at the
    counter (in_cart 0), left out (bought 0), or changed."""

    sku: Code
    in_cart: int
    bought: int


class Shopper(msgspec.Struct, frozen=True):
    """Who asks for a cart: a signed-in customer, or a guest by the one cart they hold."""

    customer_id: str | None = None
    guest_cart_id: UUID | None = None


class Dated:
    """Version 2 of a cart event carries `at`; in version 1 its `timestamp` was that time."""

    class_version = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["at"] = state["timestamp"]


class Cart(Aggregate):
    """A guest's or customer's cart; once checked out, merged or abandoned it accepts no change,
    though an abandoned one can be recovered (reopened, its lines re-checked) from any device.

    Merge policy on sign-in: quantities of the same SKU add up, capped at MAX_LINE_QUANTITY
    per line; the capped SKUs are recorded so a UI can tell the customer what changed.
    """

    class_version = 2  # v2 keeps `last_active_at`; a v1 snapshot takes its last modification

    channel: Channel
    device_id: DeviceId | None
    customer_id: CustomerRef | None
    currency: Code
    lines: dict[Code, CartLine]
    status: CartStatus
    order_id: UUID | None
    merged_into: UUID | None
    last_active_at: datetime

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["last_active_at"] = state["_modified_on"]

    # Every event carries `at`, the service clock's time of the fact: idleness is measured
    # from it, never from the library's wall-clock `timestamp`.
    class Created(Dated, Aggregate.Created):
        channel: Channel
        device_id: DeviceId | None
        customer_id: CustomerRef | None
        currency: Code
        at: datetime

    class LineAdded(Dated, Aggregate.Event):
        sku: Code
        quantity: int
        unit_price: Money
        at: datetime

    class QuantityChanged(Dated, Aggregate.Event):
        sku: Code
        quantity: int
        at: datetime

    class LineRemoved(Dated, Aggregate.Event):
        sku: Code
        at: datetime

    class AssignedToCustomer(Dated, Aggregate.Event):
        customer_id: CustomerRef
        at: datetime

        @property
        def linked_guest(self) -> DataSubject:
            """The guest who held this cart signed in: their key answers to the customer."""
            return guest_subject(self.originator_id)

    class LinesMerged(Dated, Aggregate.Event):
        source_cart_id: UUID
        lines: list[CartLine]
        capped_skus: list[Code]
        at: datetime

    class MergedInto(Dated, Aggregate.Event):
        target_cart_id: UUID
        at: datetime

    class CheckedOut(Dated, Aggregate.Event):
        order_id: UUID
        at: datetime

    class Abandoned(Aggregate.Event):
        at: datetime

    class BoughtInStore(Aggregate.Event):
        sale_id: UUID
        store_id: Code
        changes: list[CounterChange]  # what the counter sold that the cart did not hold
        at: datetime

    class Recovered(Aggregate.Event):
        lines: list[CartLine]  # the lines as they stand after the re-check
        changes: list[LineRecovery]
        at: datetime

        class_version = 2  # v2 names a line no location has UNAVAILABLE (v1: out_of_stock)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            for change in state["changes"]:
                if change["change"] == "out_of_stock":
                    change["change"] = RecoveryChange.UNAVAILABLE.value

    @classmethod
    def create(
        cls,
        cart_id: UUID,
        channel: Channel,
        device_id: str | None = None,
        customer_id: str | None = None,
        currency: str = "EUR",
        *,
        at: datetime,
    ) -> Cart:
        """Start a cart on a channel and device, for a customer or a guest."""
        return cls._create(
            cls.Created,
            id=cart_id,
            channel=channel,
            device_id=device_id,
            customer_id=customer_id,
            currency=currency,
            at=at,
        )

    @event(Created)
    def __init__(
        self,
        channel: Channel,
        device_id: str | None,
        customer_id: str | None,
        currency: str,
        at: datetime,
    ) -> None:
        self.channel = channel
        self.device_id = device_id
        self.customer_id = customer_id
        self.currency = currency
        self.lines = {}
        self.status = CartStatus.OPEN
        self.order_id = None
        self.merged_into = None
        self.last_active_at = at

    @property
    def data_subject(self) -> DataSubject:
        """Its customer's, or until sign-in the guest's who holds it."""
        if self.customer_id is not None:
            return customer_subject(self.customer_id)
        return guest_subject(self.id)

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

    def add_line(self, sku: str, quantity: int, unit_price: Money, at: datetime) -> None:
        """Add units of a SKU; a SKU already in the cart takes the new quantity and price."""
        self._require_open()
        if unit_price.currency != self.currency:
            raise CurrencyMismatch(cart_id=self.id, sku=sku, currency=unit_price.currency)
        held = self.lines[sku].quantity if sku in self.lines else 0
        self._require_valid_quantity(sku, held + quantity, requested=quantity)
        self._line_added(sku=sku, quantity=quantity, unit_price=unit_price, at=at)

    @event(LineAdded)
    def _line_added(self, sku: str, quantity: int, unit_price: Money, at: datetime) -> None:
        held = self.lines[sku].quantity if sku in self.lines else 0
        self.lines[sku] = CartLine(sku, held + quantity, unit_price)
        self.last_active_at = at

    def change_quantity(self, sku: str, quantity: int, at: datetime) -> None:
        """Set a line's quantity; zero removes the line."""
        self._require_open()
        self._require_line(sku)
        if quantity == 0:
            self._line_removed(sku=sku, at=at)
            return
        self._require_valid_quantity(sku, quantity, requested=quantity)
        if quantity != self.lines[sku].quantity:
            self._quantity_changed(sku=sku, quantity=quantity, at=at)

    @event(QuantityChanged)
    def _quantity_changed(self, sku: str, quantity: int, at: datetime) -> None:
        self.lines[sku] = msgspec.structs.replace(self.lines[sku], quantity=quantity)
        self.last_active_at = at

    def remove_line(self, sku: str, at: datetime) -> None:
        """Take a SKU out of the cart."""
        self._require_open()
        self._require_line(sku)
        self._line_removed(sku=sku, at=at)

    @event(LineRemoved)
    def _line_removed(self, sku: str, at: datetime) -> None:
        del self.lines[sku]
        self.last_active_at = at

    def assign_to(self, customer_id: str, at: datetime) -> None:
        """A guest signed in: the cart becomes the customer's."""
        self._require_open()
        if self.customer_id == customer_id:
            return
        if self.customer_id is not None:
            raise CartBelongsToAnotherCustomer(cart_id=self.id, customer_id=customer_id)
        self._assigned(customer_id=customer_id, at=at)

    @event(AssignedToCustomer)
    def _assigned(self, customer_id: str, at: datetime) -> None:
        self.customer_id = customer_id
        self.last_active_at = at

    def absorb(self, source: Cart, at: datetime) -> list[str]:
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
            self._lines_merged(source_cart_id=source.id, lines=merged, capped_skus=capped, at=at)
        return capped

    @event(LinesMerged)
    def _lines_merged(
        self, source_cart_id: UUID, lines: list[CartLine], capped_skus: list[str], at: datetime
    ) -> None:
        # Lines the cart held keep their place; new ones follow in SKU order, as the cart
        # continuity read model orders lines that arrived in one event.
        for line in sorted(lines, key=lambda line: (line.sku not in self.lines, line.sku)):
            self.lines[line.sku] = line
        self.last_active_at = at

    def merge_into(self, target_cart_id: UUID, at: datetime) -> None:
        """This guest cart's lines went to the customer's cart; it is closed."""
        self._require_open()
        self._merged_into(target_cart_id=target_cart_id, at=at)

    @event(MergedInto)
    def _merged_into(self, target_cart_id: UUID, at: datetime) -> None:
        self.status = CartStatus.MERGED
        self.merged_into = target_cart_id

    def check_out(self, order_id: UUID, at: datetime) -> None:
        """The cart became an order."""
        self.require_checkout_possible()
        self._checked_out(order_id=order_id, at=at)

    def require_checkout_possible(self) -> None:
        """Open and not empty: checked before anything else of a checkout is decided."""
        self._require_open()
        if not self.lines:
            raise EmptyCart(cart_id=self.id)

    @event(CheckedOut)
    def _checked_out(self, order_id: UUID, at: datetime) -> None:
        self.status = CartStatus.CHECKED_OUT
        self.order_id = order_id

    def buy_in_store(
        self, sale_id: UUID, store_id: str, bought: Mapping[str, int], at: datetime
    ) -> list[CounterChange]:
        """A till rang the cart up as its sale, with what was in the basket at the counter;
        returns how that differed from the cart."""
        self._require_open()
        held = {sku: line.quantity for sku, line in self.lines.items()}
        changes = [
            CounterChange(sku, held.get(sku, 0), bought.get(sku, 0))
            for sku in sorted(held.keys() | bought.keys())
            if held.get(sku, 0) != bought.get(sku, 0)
        ]
        self._bought_in_store(sale_id=sale_id, store_id=store_id, changes=changes, at=at)
        return changes

    @event(BoughtInStore)
    def _bought_in_store(
        self, sale_id: UUID, store_id: str, changes: list[CounterChange], at: datetime
    ) -> None:
        self.status = CartStatus.BOUGHT_IN_STORE

    def abandon(self, at: datetime, idle_for: timedelta) -> None:
        """No activity for `idle_for`: the cart is given up."""
        self._require_open()
        if at - self.last_active_at < idle_for:
            raise CartStillActive(cart_id=self.id, last_activity=self.last_active_at)
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
        self, prices: Mapping[str, Money], supplies: Mapping[str, Supply], at: datetime
    ) -> list[LineRecovery]:
        """Reopen an abandoned cart, each line re-checked against today's `prices` and the
        units each location has of it (`supplies`); returns what changed."""
        if self.status is not CartStatus.ABANDONED:
            raise CartNotAbandoned(cart_id=self.id, status=self.status.value)
        lines, changes = recheck_lines(self.lines.values(), self.currency, prices, supplies)
        self._recovered(lines=lines, changes=changes, at=at)
        return changes

    @event(Recovered)
    def _recovered(self, lines: list[CartLine], changes: list[LineRecovery], at: datetime) -> None:
        self.status = CartStatus.OPEN
        self.lines = {line.sku: line for line in lines}
        self.last_active_at = at

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
    supplies: Mapping[str, Supply],
) -> tuple[list[CartLine], list[LineRecovery]]:
    """Each line at today's price and at most the units one location has; the lines kept,
    and every change (a line both repriced and reduced has two)."""
    kept: list[CartLine] = []
    changes: list[LineRecovery] = []
    for line in lines:
        price = prices.get(line.sku)
        if price is None or price.currency != currency:
            changes.append(_change(line, RecoveryChange.DISCONTINUED, 0, None))
            continue
        if price != line.unit_price:
            changes.append(_change(line, RecoveryChange.REPRICED, line.quantity, price))
        stock_change = _stock_change(line, price, supplies.get(line.sku, Supply()))
        if stock_change is not None:
            changes.append(stock_change)
        units = stock_change.new_quantity if stock_change else line.quantity
        if units > 0:
            kept.append(CartLine(line.sku, units, price))
    return kept, changes


def _stock_change(line: CartLine, price: Money, supply: Supply) -> LineRecovery | None:
    units = min(line.quantity, max(supply.most, 0))
    if units == 0:
        return _change(line, RecoveryChange.UNAVAILABLE, 0, price)
    if units < line.quantity:
        return _change(line, RecoveryChange.REDUCED, units, price, supply.where(units))
    if supply.here is not None and supply.here < units:
        return _change(line, RecoveryChange.ONLY_ELSEWHERE, units, price, supply.where(units))
    return None


def _change(
    line: CartLine,
    change: RecoveryChange,
    quantity: int,
    price: Money | None,
    available_at: tuple[str, ...] = (),
) -> LineRecovery:
    return LineRecovery(
        line.sku, change, line.quantity, quantity, line.unit_price, price, available_at
    )
