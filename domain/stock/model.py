"""StockItem: the stock of one SKU at one location, and every movement of it."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError
from domain.values import stock_item_id

# A POS may retry a sale it already uploaded; this many recent sale ids are remembered.
RECENT_SALES_KEPT = 1000


class InsufficientStock(DomainError):
    code = "INSUFFICIENT_STOCK"
    field = "quantity"


class InvalidStockQuantity(DomainError):
    code = "INVALID_QUANTITY"
    field = "quantity"


class ReservationNotFound(DomainError):
    code = "RESERVATION_NOT_FOUND"


class StockItem(Aggregate):
    """On hand and reserved units of one SKU at one location.

    Invariant: a reservation never makes available (on hand - reserved) negative. Facts from
    the shop floor — a count, a POS sale — are recorded even when they contradict what the
    system believed; a POS sale beyond what was on hand is kept as `discrepancy`.
    """

    location_id: str
    sku: str
    on_hand: int
    reservations: dict[str, int]
    discrepancy: int
    recent_sales: list[str]

    class Created(Aggregate.Created):
        location_id: str
        sku: str

    class Received(Aggregate.Event):
        quantity: int
        reference: str

    class Adjusted(Aggregate.Event):
        counted: int
        delta: int
        reason: str

    class Reserved(Aggregate.Event):
        order_id: UUID
        quantity: int

    class ReservationReleased(Aggregate.Event):
        order_id: UUID
        quantity: int
        reason: str

    class ReservationConsumed(Aggregate.Event):
        order_id: UUID
        quantity: int

    class SoldAtPos(Aggregate.Event):
        sale_id: str
        terminal_id: str
        quantity: int
        shortfall: int

    class Restocked(Aggregate.Event):
        return_id: UUID
        quantity: int

    @classmethod
    def create(cls, location_id: str, sku: str) -> StockItem:
        """Open the stock record of a SKU at a location (its id is derived from both)."""
        return cls._create(
            cls.Created, id=stock_item_id(location_id, sku), location_id=location_id, sku=sku
        )

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

    def reserved_for(self, order_id: UUID) -> int:
        return self.reservations.get(str(order_id), 0)

    def receive(self, quantity: int, reference: str) -> None:
        """Goods in."""
        self._require_positive(quantity)
        self._received(quantity=quantity, reference=reference)

    @event(Received)
    def _received(self, quantity: int, reference: str) -> None:
        self.on_hand += quantity

    def adjust(self, counted: int, reason: str) -> None:
        """A stock count: reality wins, even below what is reserved."""
        if counted < 0:
            raise InvalidStockQuantity(location_id=self.location_id, sku=self.sku, quantity=counted)
        if counted != self.on_hand:
            self._adjusted(counted=counted, delta=counted - self.on_hand, reason=reason)

    @event(Adjusted)
    def _adjusted(self, counted: int, delta: int, reason: str) -> None:
        self.on_hand = counted

    def reserve(self, order_id: UUID, quantity: int) -> None:
        """Hold units for an order, only out of what is available."""
        self._require_positive(quantity)
        if quantity > self.available:
            raise InsufficientStock(
                location_id=self.location_id,
                sku=self.sku,
                requested=quantity,
                available=max(self.available, 0),
            )
        self._reserved(order_id=order_id, quantity=quantity)

    @event(Reserved)
    def _reserved(self, order_id: UUID, quantity: int) -> None:
        key = str(order_id)
        self.reservations[key] = self.reservations.get(key, 0) + quantity

    def release(self, order_id: UUID, reason: str, quantity: int | None = None) -> None:
        """Give back an order's held units (all of them unless a quantity is given)."""
        held = self._require_reservation(order_id)
        quantity = held if quantity is None else quantity
        if not 0 < quantity <= held:
            raise InvalidStockQuantity(
                location_id=self.location_id, sku=self.sku, quantity=quantity
            )
        self._released(order_id=order_id, quantity=quantity, reason=reason)

    @event(ReservationReleased)
    def _released(self, order_id: UUID, quantity: int, reason: str) -> None:
        self._take_from_reservation(order_id, quantity)

    def consume(self, order_id: UUID) -> None:
        """The reserved units left the building: handed over or shipped."""
        held = self._require_reservation(order_id)
        self._consumed(order_id=order_id, quantity=held)

    @event(ReservationConsumed)
    def _consumed(self, order_id: UUID, quantity: int) -> None:
        self._take_from_reservation(order_id, quantity)
        self.on_hand -= quantity

    def sell_at_pos(self, sale_id: str, terminal_id: str, quantity: int) -> None:
        """Record a sale that already happened at the till; a retried upload records nothing."""
        self._require_positive(quantity)
        if sale_id in self.recent_sales:
            return
        shortfall = max(quantity - max(self.on_hand, 0), 0)
        self._sold_at_pos(
            sale_id=sale_id, terminal_id=terminal_id, quantity=quantity, shortfall=shortfall
        )

    @event(SoldAtPos)
    def _sold_at_pos(self, sale_id: str, terminal_id: str, quantity: int, shortfall: int) -> None:
        # Units sold beyond what was on hand were never counted in: on hand stops at zero
        # and the difference is kept as a discrepancy for the next count to explain.
        self.on_hand = max(self.on_hand - quantity, 0)
        self.discrepancy += shortfall
        self.recent_sales = [*self.recent_sales[-(RECENT_SALES_KEPT - 1) :], sale_id]

    def restock(self, return_id: UUID, quantity: int) -> None:
        """Resellable units came back from a return."""
        self._require_positive(quantity)
        self._restocked(return_id=return_id, quantity=quantity)

    @event(Restocked)
    def _restocked(self, return_id: UUID, quantity: int) -> None:
        self.on_hand += quantity

    def _require_positive(self, quantity: int) -> None:
        if quantity <= 0:
            raise InvalidStockQuantity(
                location_id=self.location_id, sku=self.sku, quantity=quantity
            )

    def _require_reservation(self, order_id: UUID) -> int:
        held = self.reserved_for(order_id)
        if held == 0:
            raise ReservationNotFound(location_id=self.location_id, sku=self.sku, order_id=order_id)
        return held

    def _take_from_reservation(self, order_id: UUID, quantity: int) -> None:
        key = str(order_id)
        remaining = self.reservations[key] - quantity
        if remaining:
            self.reservations[key] = remaining
        else:
            del self.reservations[key]
