"""Return: units of an order coming back through any channel: inspected, refunded, restocked."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError
from domain.values import Money


class ReturnChannel(enum.StrEnum):
    STORE = "store"
    MAIL = "mail"
    WEB = "web"


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    INSPECTED = "inspected"
    CLOSED = "closed"


class ReturnLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int
    unit_price: Money


class Inspection(msgspec.Struct, frozen=True):
    sku: str
    resellable: int
    damaged: int


class ExceedsReturnable(DomainError):
    code = "EXCEEDS_RETURNABLE"
    field = "lines"


class NotPurchased(DomainError):
    code = "NOT_PURCHASED"
    field = "lines"


class ReturnWindowClosed(DomainError):
    code = "RETURN_WINDOW_CLOSED"


class NotYetFulfilled(DomainError):
    code = "NOT_YET_FULFILLED"


class InvalidReturn(DomainError):
    code = "INVALID_RETURN"
    field = "lines"


class ReturnStateError(DomainError):
    code = "INVALID_RETURN_STATE"


class Return(Aggregate):
    """A return of some units of one order; never more than bought minus already returned.

    Both resellable and damaged units are refunded at the price paid; only resellable units
    are restocked, at the location that received them (any store, for an online order).
    """

    order_id: UUID
    customer_id: str | None
    lines: list[ReturnLine]
    reason: str
    channel: ReturnChannel
    requested_at: datetime
    status: ReturnStatus
    received_at_location: str | None
    inspections: list[Inspection]
    refunded: Money | None
    restocked: bool

    class Requested(Aggregate.Created):
        order_id: UUID
        customer_id: str | None
        lines: list[ReturnLine]
        reason: str
        channel: ReturnChannel
        requested_at: datetime

    class Received(Aggregate.Event):
        location_id: str
        at: datetime

    class Inspected(Aggregate.Event):
        results: list[Inspection]
        at: datetime

    class Refunded(Aggregate.Event):
        amount: Money
        reference: str
        at: datetime

    class Restocked(Aggregate.Event):
        location_id: str
        quantities: dict[str, int]
        at: datetime

    @classmethod
    def request(
        cls,
        return_id: UUID,
        order_id: UUID,
        customer_id: str | None,
        lines: list[ReturnLine],
        reason: str,
        channel: ReturnChannel,
        requested_at: datetime,
        *,
        purchased: dict[str, int],
        already_returned: dict[str, int],
        fulfilled_at: datetime | None,
        window_days: int,
    ) -> Return:
        """Ask to return units of a fulfilled order, within its return window."""
        _require_returnable(order_id, lines, purchased, already_returned)
        if fulfilled_at is None:
            raise NotYetFulfilled(order_id=order_id)
        if requested_at > fulfilled_at + timedelta(days=window_days):
            raise ReturnWindowClosed(order_id=order_id, window_days=window_days)
        return cls._create(
            cls.Requested,
            id=return_id,
            order_id=order_id,
            customer_id=customer_id,
            lines=lines,
            reason=reason,
            channel=channel,
            requested_at=requested_at,
        )

    @event(Requested)
    def __init__(
        self,
        order_id: UUID,
        customer_id: str | None,
        lines: list[ReturnLine],
        reason: str,
        channel: ReturnChannel,
        requested_at: datetime,
    ) -> None:
        self.order_id = order_id
        self.customer_id = customer_id
        self.lines = lines
        self.reason = reason
        self.channel = channel
        self.requested_at = requested_at
        self.status = ReturnStatus.REQUESTED
        self.received_at_location = None
        self.inspections = []
        self.refunded = None
        self.restocked = False

    @property
    def quantities(self) -> dict[str, int]:
        returned: dict[str, int] = {}
        for line in self.lines:
            returned[line.sku] = returned.get(line.sku, 0) + line.quantity
        return returned

    @property
    def refund_due(self) -> Money:
        total = Money.zero(self.lines[0].unit_price.currency)
        for line in self.lines:
            total = total + line.unit_price.times(line.quantity)
        return total

    def receive(self, location_id: str, at: datetime) -> None:
        """The parcel or the customer arrived at a store or warehouse."""
        self._require_status(ReturnStatus.REQUESTED)
        self._received(location_id=location_id, at=at)

    @event(Received)
    def _received(self, location_id: str, at: datetime) -> None:
        self.status = ReturnStatus.RECEIVED
        self.received_at_location = location_id

    def inspect(self, results: list[Inspection], at: datetime) -> None:
        """Each unit judged resellable or damaged; every returned unit must be judged."""
        self._require_status(ReturnStatus.RECEIVED)
        judged = {r.sku: r.resellable + r.damaged for r in results}
        if judged != self.quantities or any(r.resellable < 0 or r.damaged < 0 for r in results):
            raise InvalidReturn(return_id=self.id, expected=self.quantities, judged=judged)
        self._inspected(results=results, at=at)

    @event(Inspected)
    def _inspected(self, results: list[Inspection], at: datetime) -> None:
        self.status = ReturnStatus.INSPECTED
        self.inspections = results

    def require_refundable(self) -> None:
        """Inspected and not yet refunded: checked before any money moves."""
        self._require_inspected()
        if self.refunded is not None:
            raise ReturnStateError(return_id=self.id, status="refunded")

    def refund(self, reference: str, at: datetime) -> None:
        """The money went back to the customer, once."""
        self.require_refundable()
        self._refunded(amount=self.refund_due, reference=reference, at=at)

    @event(Refunded)
    def _refunded(self, amount: Money, reference: str, at: datetime) -> None:
        self.refunded = amount
        self._close_when_done()

    def restock(self, at: datetime) -> dict[str, int]:
        """Resellable units go back on the shelves where they were received; returns them."""
        self._require_inspected()
        if self.restocked:
            raise ReturnStateError(return_id=self.id, status="restocked")
        assert self.received_at_location is not None
        quantities = {r.sku: r.resellable for r in self.inspections if r.resellable}
        self._restocked(location_id=self.received_at_location, quantities=quantities, at=at)
        return quantities

    @event(Restocked)
    def _restocked(self, location_id: str, quantities: dict[str, int], at: datetime) -> None:
        self.restocked = True
        self._close_when_done()

    def _close_when_done(self) -> None:  # called only from event handlers: replay-safe
        if self.refunded is not None and self.restocked:
            self.status = ReturnStatus.CLOSED

    def _require_inspected(self) -> None:
        if self.status not in (ReturnStatus.INSPECTED, ReturnStatus.CLOSED):
            raise ReturnStateError(return_id=self.id, status=self.status.value)

    def _require_status(self, expected: ReturnStatus) -> None:
        if self.status is not expected:
            raise ReturnStateError(return_id=self.id, status=self.status.value)


def _require_returnable(
    order_id: UUID,
    lines: list[ReturnLine],
    purchased: dict[str, int],
    already_returned: dict[str, int],
) -> None:
    if not lines:
        raise InvalidReturn(order_id=order_id, reason="no lines")
    wanted: dict[str, int] = {}
    for line in lines:
        if line.quantity <= 0:
            raise InvalidReturn(order_id=order_id, sku=line.sku, quantity=line.quantity)
        wanted[line.sku] = wanted.get(line.sku, 0) + line.quantity
    for sku, quantity in wanted.items():
        if sku not in purchased:
            raise NotPurchased(order_id=order_id, sku=sku)
        returnable = purchased[sku] - already_returned.get(sku, 0)
        if quantity > returnable:
            raise ExceedsReturnable(
                order_id=order_id, sku=sku, requested=quantity, returnable=returnable
            )
