# Over 300 lines: one aggregate: its events, commands and state read together (STYLE.md).
"""StockItem: the stock of one SKU at one location, and every movement of it."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.bounds import require_stock_level
from domain.errors import DomainError, ErrorCode
from domain.personal import Code, PersonalText, SystemText
from domain.values import stock_item_id

# A till may upload a sale again; the aggregate remembers this many recent sales (across all
# terminals) to ignore the retry. The use case's idempotency key is the first line of defence;
# this bound keeps a busy SKU's snapshot small while covering any realistic retry window.
RECENT_SALES_KEPT = 1000


class InsufficientStock(DomainError):
    """A reservation asked for more than is available (on hand less reserved)."""

    code = ErrorCode.INSUFFICIENT_STOCK
    subject = "quantity"
    message = "only {available} of {sku} available at {location_id}; {requested} requested"


class InvalidStockQuantity(DomainError):
    """Not a positive quantity, a negative count, or more than the order holds."""

    code = ErrorCode.INVALID_QUANTITY
    subject = "quantity"
    message = "{quantity} is not a valid quantity of {sku} at {location_id}"


class InvalidCount(InvalidStockQuantity):
    subject = "counted"


class ReservationNotFound(DomainError):
    """The order holds nothing of this SKU at this location."""

    code = ErrorCode.RESERVATION_NOT_FOUND
    message = "order {order_id} holds no {sku} at {location_id}"


class InvalidPosSale(DomainError):
    """A POS sale without a sale id cannot be told apart from its retries."""

    code = ErrorCode.INVALID_POS_SALE
    subject = "sale_id"
    message = "a till sale needs a sale number"


class StockItem(Aggregate):
    """On hand and reserved units of one SKU at one location.

    Invariants:
    - a reservation never makes available (on hand - reserved) negative;
    - on hand is never negative.
    Facts from the shop floor (a count, a POS sale, a hand-over) are recorded even when they
    contradict the books, so available may become negative: it then shows how many reserved
    units are missing, and an `Oversold` event records each time that number grows. A sale or
    hand-over of more units than were believed on hand takes on hand to zero and records the
    difference as `shortfall`; `discrepancy` is the running total of those unexplained units
    (a count corrects on hand but does not erase that history).
    """

    location_id: Code
    sku: Code
    on_hand: int
    reservations: dict[Code, int]  # units held per order, keyed by str(order_id)
    discrepancy: int
    recent_sales: list[Code]  # keys of the last RECENT_SALES_KEPT POS sales, oldest first

    class Created(Aggregate.Created):
        location_id: Code
        sku: Code

    class Received(Aggregate.Event):
        quantity: int
        reference: Code  # the delivery's

    class Adjusted(Aggregate.Event):
        class_version = 2

        counted: int
        previous_on_hand: int
        delta: int
        reason: PersonalText  # an associate's note on the count

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 kept only the count and the delta, which together give the previous.
            state["previous_on_hand"] = state["counted"] - state["delta"]

    class Reserved(Aggregate.Event):
        order_id: UUID
        quantity: int

    class ReservationReleased(Aggregate.Event):
        order_id: UUID
        quantity: int
        reason: SystemText  # why the order let go, never a customer's words

    class ReservationConsumed(Aggregate.Event):
        class_version = 2

        order_id: UUID
        quantity: int
        shortfall: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 let on hand go below zero instead of recording a shortfall.
            state["shortfall"] = 0

    class SoldAtPos(Aggregate.Event):
        class_version = 2

        sale_id: Code
        terminal_id: Code
        quantity: int
        believed_on_hand: int
        shortfall: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 did not record the belief: this is exact when there was a shortfall and
            # the lowest value the sale is consistent with otherwise.
            state["believed_on_hand"] = state["quantity"] - state["shortfall"]

    class Restocked(Aggregate.Event):
        return_id: UUID
        quantity: int

    class Oversold(Aggregate.Event):
        """A fact from the floor (a count, a till sale) left reservations without stock:
        `uncovered` reserved units (reserved less on hand) cannot be handed over as promised."""

        uncovered: int
        reserved: int
        on_hand: int

    @staticmethod
    def create_id(location_id: str, sku: str) -> UUID:
        return stock_item_id(location_id, sku)

    @classmethod
    def create(cls, location_id: str, sku: str) -> StockItem:
        """Open the stock record of a SKU at a location (its id is derived from both)."""
        return cls._create(cls.Created, location_id=location_id, sku=sku)

    @event(Created)
    def __init__(self, location_id: str, sku: str) -> None:
        self.location_id = location_id
        self.sku = sku
        self.on_hand = 0
        self.reservations = {}
        self.discrepancy = 0
        self.recent_sales = []

    @property
    def reserved(self) -> int:
        return sum(self.reservations.values())

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def oversold(self) -> int:
        """Reserved units with no stock behind them."""
        return max(self.reserved - self.on_hand, 0)

    def reserved_for(self, order_id: UUID) -> int:
        return self.reservations.get(str(order_id), 0)

    def receive(self, quantity: int, reference: str) -> None:
        """Goods in (a delivery, a transfer from another location); on hand stays within
        MAX_STOCK, which every read model holds."""
        self._require_positive(quantity)
        require_stock_level(self.on_hand + quantity)
        self._received(quantity=quantity, reference=reference)

    @event(Received)
    def _received(self, quantity: int, reference: str) -> None:
        self.on_hand += quantity

    def adjust(self, counted: int, reason: str) -> None:
        """A stock count: reality wins, even below what is reserved."""
        if counted < 0:
            raise InvalidCount(location_id=self.location_id, sku=self.sku, quantity=counted)
        require_stock_level(counted, "counted")
        # A count that confirms the books is recorded too: it is when stock was last verified.
        previous, oversold_before = self.on_hand, self.oversold
        self._adjusted(
            counted=counted, previous_on_hand=previous, delta=counted - previous, reason=reason
        )
        self._flag_if_more_oversold(oversold_before)

    @event(Adjusted)
    def _adjusted(self, counted: int, previous_on_hand: int, delta: int, reason: str) -> None:
        self.on_hand = counted

    def reserve(self, order_id: UUID, quantity: int) -> None:
        """Hold units for an order, only out of what is available."""
        self._require_positive(quantity)
        if quantity > self.available:
            raise InsufficientStock(
                location_id=self.location_id,
                sku=self.sku,
                requested=quantity,
                available=max(self.available, 0),  # what could be reserved, not the shortfall
            )
        self._reserved(order_id=order_id, quantity=quantity)

    @event(Reserved)
    def _reserved(self, order_id: UUID, quantity: int) -> None:
        key = str(order_id)
        self.reservations[key] = self.reservations.get(key, 0) + quantity

    def release(self, order_id: UUID, reason: str, quantity: int | None = None) -> None:
        """Give back an order's held units (all of them unless a quantity is given)."""
        quantity = self._require_held(order_id, quantity)
        self._released(order_id=order_id, quantity=quantity, reason=reason)

    @event(ReservationReleased)
    def _released(self, order_id: UUID, quantity: int, reason: str) -> None:
        self._take_from_reservation(order_id, quantity)

    def consume(self, order_id: UUID, quantity: int | None = None) -> None:
        """Reserved units left the building, handed over or shipped (all unless a quantity)."""
        quantity = self._require_held(order_id, quantity)
        # The units were in the customer's hands: if the books had fewer, the books were wrong.
        shortfall = max(quantity - self.on_hand, 0)
        self._consumed(order_id=order_id, quantity=quantity, shortfall=shortfall)

    @event(ReservationConsumed)
    def _consumed(self, order_id: UUID, quantity: int, shortfall: int) -> None:
        self._take_from_reservation(order_id, quantity)
        self._take_off_the_shelf(quantity, shortfall)

    def sell_at_pos(self, sale_id: str, terminal_id: str, quantity: int) -> None:
        """Record a sale that already happened at a till; a retried upload records nothing."""
        self._require_positive(quantity)
        if not sale_id:
            raise InvalidPosSale(location_id=self.location_id, terminal_id=terminal_id)
        if _sale_key(terminal_id, sale_id) in self.recent_sales:
            return
        oversold_before = self.oversold
        self._sold_at_pos(
            sale_id=sale_id,
            terminal_id=terminal_id,
            quantity=quantity,
            believed_on_hand=self.on_hand,
            shortfall=max(quantity - self.on_hand, 0),
        )
        self._flag_if_more_oversold(oversold_before)

    @event(SoldAtPos)
    def _sold_at_pos(
        self, sale_id: str, terminal_id: str, quantity: int, believed_on_hand: int, shortfall: int
    ) -> None:
        self._take_off_the_shelf(quantity, shortfall)
        kept = self.recent_sales[-(RECENT_SALES_KEPT - 1) :]
        self.recent_sales = [*kept, _sale_key(terminal_id, sale_id)]

    def restock(self, return_id: UUID, quantity: int) -> None:
        """Resellable units came back from a return."""
        self._require_positive(quantity)
        require_stock_level(self.on_hand + quantity, subject=None)
        self._restocked(return_id=return_id, quantity=quantity)

    @event(Restocked)
    def _restocked(self, return_id: UUID, quantity: int) -> None:
        self.on_hand += quantity

    def _flag_if_more_oversold(self, before: int) -> None:
        # The fact stands (it happened); what it broke is recorded so staff can act on it.
        if self.oversold > before:
            self._oversold(uncovered=self.oversold, reserved=self.reserved, on_hand=self.on_hand)

    @event(Oversold)
    def _oversold(self, uncovered: int, reserved: int, on_hand: int) -> None:
        pass  # derived from on hand and reserved; the event is the alert

    def _require_positive(self, quantity: int) -> None:
        if quantity <= 0:
            raise InvalidStockQuantity(
                location_id=self.location_id, sku=self.sku, quantity=quantity
            )

    def _require_held(self, order_id: UUID, quantity: int | None) -> int:
        """The units to take from an order's reservation: all it holds unless a quantity."""
        held = self.reserved_for(order_id)
        if held == 0:
            raise ReservationNotFound(location_id=self.location_id, sku=self.sku, order_id=order_id)
        quantity = held if quantity is None else quantity
        if not 0 < quantity <= held:
            raise InvalidStockQuantity(
                location_id=self.location_id,
                sku=self.sku,
                order_id=order_id,
                quantity=quantity,
                reserved=held,
            )
        return quantity

    def _take_from_reservation(self, order_id: UUID, quantity: int) -> None:
        key = str(order_id)
        remaining = self.reservations[key] - quantity
        if remaining:
            self.reservations[key] = remaining
        else:
            del self.reservations[key]

    def _take_off_the_shelf(self, quantity: int, shortfall: int) -> None:
        # Units beyond what was on hand were never counted in: on hand stops at zero and the
        # difference is kept as a discrepancy for the next count to explain.
        self.on_hand -= quantity - shortfall
        self.discrepancy += shortfall


def _sale_key(terminal_id: str, sale_id: str) -> str:
    """Sale ids are unique per terminal; JSON keeps the pair unambiguous whatever they contain."""
    return json.dumps([terminal_id, sale_id], separators=(",", ":"))
