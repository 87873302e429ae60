# Over 300 lines: one aggregate: its events, commands and state read together (STYLE.md).
"""Return: units of one purchase (an online order or a till sale) coming back through any
channel: inspected, refunded, restocked."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError, ErrorCode
from domain.personal import Code, CustomerRef, DataSubject, PersonalText, customer_subject
from domain.values import Money


class ReturnChannel(enum.StrEnum):
    STORE = "store"
    MAIL = "mail"
    WEB = "web"


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"
    RECEIVED = "received"
    INSPECTED = "inspected"
    CLOSED = "closed"  # refunded, and restocked unless nothing was resellable
    CANCELLED = "cancelled"


class ReturnLine(msgspec.Struct, frozen=True):
    sku: Code
    quantity: int
    unit_price: Money  # the price paid, which is what is refunded


class InspectionResult(msgspec.Struct, frozen=True):
    sku: Code
    resellable_quantity: int
    damaged_quantity: int


Inspection = InspectionResult  # the name the use cases were written against


class RestockLine(msgspec.Struct, frozen=True):
    sku: Code
    quantity: int


class ExceedsReturnable(DomainError):
    code = ErrorCode.EXCEEDS_RETURNABLE
    subject = "lines"
    message = "only {returnable} of {sku} can still be returned; {requested} requested"


class NotPurchased(DomainError):
    code = ErrorCode.NOT_PURCHASED
    subject = "lines"
    message = "{sku} was not bought on this order"


class InvalidQuantity(DomainError):
    code = ErrorCode.INVALID_QUANTITY
    subject = "lines"
    message = "{quantity} is not a valid quantity of {sku}"


class EmptyReturn(DomainError):
    code = ErrorCode.EMPTY_RETURN
    subject = "lines"
    message = "a return needs at least one line"


class ReturnWindowClosed(DomainError):
    code = ErrorCode.RETURN_WINDOW_CLOSED
    message = "the {window_days}-day return window closed at {closed_at}"


class NotYetFulfilled(DomainError):
    code = ErrorCode.NOT_YET_FULFILLED
    message = "this order was not delivered or collected yet; cancel it instead"


class InspectionMismatch(DomainError):
    code = ErrorCode.INSPECTION_MISMATCH
    subject = "results"
    message = "every returned unit must be judged once: expected {expected}, judged {judged}"


class NothingToRestock(DomainError):
    code = ErrorCode.NOTHING_TO_RESTOCK
    message = "no unit of this return was judged resellable"


class ReturnStateError(DomainError):
    """The command does not fit the return's current status."""

    code = ErrorCode.INVALID_RETURN_STATE
    message = "this return is {status}; that step does not fit now"


class NotInspected(ReturnStateError):
    code = ErrorCode.RETURN_NOT_INSPECTED
    message = "this return is {status} and must be inspected first"


class AlreadyRefunded(ReturnStateError):
    code = ErrorCode.ALREADY_REFUNDED
    message = "this return was already refunded"


class AlreadyRestocked(ReturnStateError):
    code = ErrorCode.ALREADY_RESTOCKED
    message = "this return was already restocked"


class Return(Aggregate):
    """A return of some units of one purchase, an order or a till sale (exactly one of
    `order_id` and `sale_id`); never more than bought minus already returned.

    Resellable and damaged units alike are refunded at the price paid (the customer is not
    charged for transport damage or defects); only resellable units are restocked, at the
    location that received them, which may be any store for an online order.
    """

    order_id: UUID | None
    sale_id: UUID | None
    customer_id: CustomerRef | None
    lines: list[ReturnLine]
    reason: PersonalText
    channel: ReturnChannel
    requested_at: datetime
    status: ReturnStatus
    received_at_location: Code | None
    received_at: datetime | None
    inspections: list[InspectionResult]
    refunded: Money | None
    restocked: bool

    class Requested(Aggregate.Created):
        class_version = 2

        order_id: UUID | None
        customer_id: CustomerRef | None
        lines: list[ReturnLine]
        reason: PersonalText  # in the customer's words, or as the counter noted them
        channel: ReturnChannel
        requested_at: datetime
        sale_id: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 returned only orders.
            state["sale_id"] = None

    class Received(Aggregate.Event):
        location_id: Code
        at: datetime

    class Inspected(Aggregate.Event):
        class_version = 2

        results: list[InspectionResult]
        at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 named the counts `resellable` and `damaged`.
            state["results"] = [
                {
                    "sku": result["sku"],
                    "resellable_quantity": result["resellable"],
                    "damaged_quantity": result["damaged"],
                }
                for result in state["results"]
            ]

    class Refunded(Aggregate.Event):
        amount: Money  # the money paid back (the goods' price less what points paid)
        reference: Code
        at: datetime
        points: int = 0  # given back to the loyalty ledger for the part points paid

    class Restocked(Aggregate.Event):
        class_version = 2

        location_id: Code
        lines: list[RestockLine]
        at: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 held a mapping of SKU to quantity.
            quantities = state.pop("quantities")
            state["lines"] = [{"sku": sku, "quantity": qty} for sku, qty in quantities.items()]

    class Cancelled(Aggregate.Event):
        reason: PersonalText
        at: datetime

    @classmethod
    def request(
        cls,
        return_id: UUID,
        order_id: UUID | None,
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
        sale_id: UUID | None = None,
    ) -> Return:
        """Ask to return units of a handed-over order or a till sale, within its window.

        `purchased` counts what was bought per SKU less what was cancelled; `fulfilled_at`
        is when the order was delivered or collected, or the sale made.
        """
        if (order_id is None) == (sale_id is None):
            raise ValueError("a return is of exactly one order or one sale")
        purchase = {"order_id": order_id} if order_id is not None else {"sale_id": sale_id}
        _require_returnable(purchase, lines, purchased, already_returned)
        # Goods never handed over are not returned: the order (or its line) is cancelled.
        if fulfilled_at is None:
            raise NotYetFulfilled(**purchase)
        closes_at = fulfilled_at + timedelta(days=window_days)
        if requested_at > closes_at:
            raise ReturnWindowClosed(**purchase, window_days=window_days, closed_at=closes_at)
        return cls._create(
            cls.Requested,
            id=return_id,
            order_id=order_id,
            customer_id=customer_id,
            lines=lines,
            reason=reason,
            channel=channel,
            requested_at=requested_at,
            sale_id=sale_id,
        )

    @event(Requested)
    def __init__(
        self,
        order_id: UUID | None,
        customer_id: str | None,
        lines: list[ReturnLine],
        reason: str,
        channel: ReturnChannel,
        requested_at: datetime,
        sale_id: UUID | None,
    ) -> None:
        self.order_id = order_id
        self.sale_id = sale_id
        self.customer_id = customer_id
        self.lines = lines
        self.reason = reason
        self.channel = channel
        self.requested_at = requested_at
        self.status = ReturnStatus.REQUESTED
        self.received_at_location = None
        self.received_at = None
        self.inspections = []
        self.refunded = None
        self.restocked = False

    @property
    def data_subject(self) -> DataSubject | None:
        """Its customer's; an anonymous till sale's return has none (domain/personal.py)."""
        return customer_subject(self.customer_id) if self.customer_id is not None else None

    @property
    def purchase_id(self) -> UUID:
        """The order's or the sale's id."""
        purchase_id = self.order_id or self.sale_id
        assert purchase_id is not None  # one of them, set at the request
        return purchase_id

    @property
    def returned_quantities(self) -> dict[str, int]:
        """Units returned per SKU, however many lines name it."""
        return _per_sku((line.sku, line.quantity) for line in self.lines)

    @property
    def quantities(self) -> dict[str, int]:
        """The same as `returned_quantities`, under the name the use cases use."""
        return self.returned_quantities

    @property
    def resellable_quantities(self) -> dict[str, int]:
        """Units judged resellable per SKU; empty before inspection."""
        counts = _per_sku((r.sku, r.resellable_quantity) for r in self.inspections)
        return {sku: quantity for sku, quantity in counts.items() if quantity > 0}

    @property
    def refund_due(self) -> Money:
        """Every returned unit at the price paid, resellable or damaged."""
        total = Money.zero(self.lines[0].unit_price.currency)
        for line in self.lines:
            total = total + line.unit_price.times(line.quantity)
        return total

    def receive(self, location_id: str, at: datetime) -> None:
        """The parcel or the customer arrived at a store or warehouse: restocked there later."""
        self._require_status(ReturnStatus.REQUESTED)
        self._received(location_id=location_id, at=at)

    @event(Received)
    def _received(self, location_id: str, at: datetime) -> None:
        self.status = ReturnStatus.RECEIVED
        self.received_at_location = location_id
        self.received_at = at

    def inspect(self, results: list[InspectionResult], at: datetime) -> None:
        """Each received unit judged resellable or damaged; every unit must be judged."""
        self._require_status(ReturnStatus.RECEIVED)
        for result in results:
            if result.resellable_quantity < 0 or result.damaged_quantity < 0:
                raise InvalidQuantity(
                    return_id=self.id,
                    sku=result.sku,
                    quantity=min(result.resellable_quantity, result.damaged_quantity),
                )
        judged = _per_sku((r.sku, r.resellable_quantity + r.damaged_quantity) for r in results)
        if judged != self.returned_quantities:
            raise InspectionMismatch(
                return_id=self.id, expected=self.returned_quantities, judged=judged
            )
        self._inspected(results=results, at=at)

    @event(Inspected)
    def _inspected(self, results: list[InspectionResult], at: datetime) -> None:
        self.status = ReturnStatus.INSPECTED
        self.inspections = results

    def require_refundable(self) -> None:
        """Inspected and not yet refunded: checked before any money moves."""
        self._require_inspected()
        if self.refunded is not None:
            raise AlreadyRefunded(return_id=self.id, status=self.status.value)

    def refund(
        self, reference: str, at: datetime, money: Money | None = None, points: int = 0
    ) -> None:
        """The money went back to the customer (`reference` from the payment provider), once:
        all of `refund_due` unless part of it went back as `points` (then `money`)."""
        self.require_refundable()
        amount = self.refund_due if money is None else money
        self._refunded(amount=amount, reference=reference, at=at, points=points)

    @event(Refunded)
    def _refunded(self, amount: Money, reference: str, at: datetime, points: int = 0) -> None:
        self.refunded = amount
        self._close_when_done()

    def restock(self, at: datetime) -> dict[str, int]:
        """Resellable units go back on the shelves where they were received; returns them."""
        self._require_inspected()
        if self.restocked:
            raise AlreadyRestocked(return_id=self.id, status=self.status.value)
        quantities = self.resellable_quantities
        if not quantities:
            raise NothingToRestock(return_id=self.id)
        assert self.received_at_location is not None  # set by Received, before inspection
        lines = [RestockLine(sku, quantity) for sku, quantity in quantities.items()]
        self._restocked(location_id=self.received_at_location, lines=lines, at=at)
        return quantities

    @event(Restocked)
    def _restocked(self, location_id: str, lines: list[RestockLine], at: datetime) -> None:
        self.restocked = True
        self._close_when_done()

    def cancel(self, reason: str, at: datetime) -> None:
        """Withdrawn before the goods arrived (a parcel never sent, a changed mind)."""
        self._require_status(ReturnStatus.REQUESTED)
        self._cancelled(reason=reason, at=at)

    @event(Cancelled)
    def _cancelled(self, reason: str, at: datetime) -> None:
        self.status = ReturnStatus.CANCELLED

    def _close_when_done(self) -> None:  # called only from event handlers: replay-safe
        resellable = sum(self.resellable_quantities.values())
        self.status = status_after_inspection(self.refunded is not None, self.restocked, resellable)

    def _require_inspected(self) -> None:
        if self.status not in (ReturnStatus.INSPECTED, ReturnStatus.CLOSED):
            raise NotInspected(return_id=self.id, status=self.status.value)

    def _require_status(self, expected: ReturnStatus) -> None:
        if self.status is not expected:
            raise ReturnStateError(return_id=self.id, status=self.status.value)


def status_after_inspection(refunded: bool, restocked: bool, resellable_units: int) -> ReturnStatus:
    """Closed once refunded and restocked (or refunded with nothing resellable), else still
    inspected: the one rule the aggregate and the orders read model both follow."""
    if refunded and (restocked or resellable_units == 0):
        return ReturnStatus.CLOSED
    return ReturnStatus.INSPECTED


def _per_sku(pairs: Iterable[tuple[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for sku, quantity in pairs:
        totals[sku] = totals.get(sku, 0) + quantity
    return totals


def _require_returnable(
    purchase: dict[str, Any],  # the ids errors carry: order_id or sale_id
    lines: list[ReturnLine],
    purchased: dict[str, int],
    already_returned: dict[str, int],
) -> None:
    if not lines:
        raise EmptyReturn(**purchase)
    for line in lines:
        if line.quantity <= 0:
            raise InvalidQuantity(**purchase, sku=line.sku, quantity=line.quantity)
    wanted = _per_sku((line.sku, line.quantity) for line in lines)
    for sku, quantity in wanted.items():
        if sku not in purchased:
            raise NotPurchased(**purchase, sku=sku)
        returnable = purchased[sku] - already_returned.get(sku, 0)
        if quantity > returnable:
            raise ExceedsReturnable(**purchase, sku=sku, requested=quantity, returnable=returnable)
