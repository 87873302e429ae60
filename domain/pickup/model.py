"""Pickup: a click-and-collect order's life in the store, from request to hand-over."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.errors import DomainError


class PickupStatus(enum.StrEnum):
    REQUESTED = "requested"
    PICKING = "picking"
    READY = "ready"
    COLLECTED = "collected"
    NOT_COLLECTED = "not_collected"
    CANCELLED = "cancelled"


FINISHED = frozenset({PickupStatus.COLLECTED, PickupStatus.NOT_COLLECTED, PickupStatus.CANCELLED})


class PickupLine(msgspec.Struct, frozen=True):
    line_id: str
    sku: str
    quantity: int


class PickupStateError(DomainError):
    code = "INVALID_PICKUP_STATE"


class WrongPickupCode(DomainError):
    code = "WRONG_PICKUP_CODE"
    field = "code"


class PickupWindowStillOpen(DomainError):
    code = "PICKUP_WINDOW_OPEN"


class UnknownPickupLine(DomainError):
    code = "UNKNOWN_PICKUP_LINE"
    field = "lineId"


class Pickup(Aggregate):
    """A BOPIS order at one store: picked, made ready with a shelf spot and a one-time code,
    handed over only with that code, or released when its window passes."""

    order_id: UUID
    store_id: str
    customer_id: str | None
    lines: list[PickupLine]
    status: PickupStatus
    placed_at: datetime
    promised_ready_at: datetime
    window_days: int
    picker_id: str | None
    picking_started_at: datetime | None
    ready_at: datetime | None
    collect_by: datetime | None
    shelf_spot: str | None
    pickup_code: str | None
    notified_at: list[datetime]
    overdue_at: datetime | None
    finished_at: datetime | None

    class Requested(Aggregate.Created):
        order_id: UUID
        store_id: str
        customer_id: str | None
        lines: list[PickupLine]
        placed_at: datetime
        promised_ready_at: datetime
        window_days: int

    class PickingStarted(Aggregate.Event):
        staff_id: str
        at: datetime

    class LineShort(Aggregate.Event):
        line_id: str
        sku: str
        quantity_short: int
        at: datetime

    class Overdue(Aggregate.Event):
        at: datetime

    class ReadyForPickup(Aggregate.Event):
        shelf_spot: str
        pickup_code: str
        at: datetime
        collect_by: datetime

    class CustomerNotified(Aggregate.Event):
        channel: str
        at: datetime

    class Collected(Aggregate.Event):
        staff_id: str
        collected_by: str | None
        at: datetime

    class NotCollected(Aggregate.Event):
        at: datetime

    class Cancelled(Aggregate.Event):
        reason: str
        at: datetime

    @classmethod
    def request(
        cls,
        pickup_id: UUID,
        order_id: UUID,
        store_id: str,
        customer_id: str | None,
        lines: list[PickupLine],
        placed_at: datetime,
        service_minutes: int,
        window_days: int,
    ) -> Pickup:
        """Open a pickup, promised ready within the store's service level."""
        return cls._create(
            cls.Requested,
            id=pickup_id,
            order_id=order_id,
            store_id=store_id,
            customer_id=customer_id,
            lines=lines,
            placed_at=placed_at,
            promised_ready_at=placed_at + timedelta(minutes=service_minutes),
            window_days=window_days,
        )

    @event(Requested)
    def __init__(
        self,
        order_id: UUID,
        store_id: str,
        customer_id: str | None,
        lines: list[PickupLine],
        placed_at: datetime,
        promised_ready_at: datetime,
        window_days: int,
    ) -> None:
        self.order_id = order_id
        self.store_id = store_id
        self.customer_id = customer_id
        self.lines = lines
        self.status = PickupStatus.REQUESTED
        self.placed_at = placed_at
        self.promised_ready_at = promised_ready_at
        self.window_days = window_days
        self.picker_id = None
        self.picking_started_at = None
        self.ready_at = None
        self.collect_by = None
        self.shelf_spot = None
        self.pickup_code = None
        self.notified_at = []
        self.overdue_at = None
        self.finished_at = None

    def is_overdue(self, now: datetime) -> bool:
        waiting = self.status in (PickupStatus.REQUESTED, PickupStatus.PICKING)
        return waiting and now > self.promised_ready_at

    def start_picking(self, staff_id: str, at: datetime) -> None:
        """A staff member takes the pickup to the shelves."""
        self._require_status(PickupStatus.REQUESTED)
        self._picking_started(staff_id=staff_id, at=at)

    @event(PickingStarted)
    def _picking_started(self, staff_id: str, at: datetime) -> None:
        self.status = PickupStatus.PICKING
        self.picker_id = staff_id
        self.picking_started_at = at

    def report_short(self, line_id: str, quantity_short: int, at: datetime) -> PickupLine:
        """The shelf has fewer units than the line needs; returns the line as it was."""
        self._require_status(PickupStatus.PICKING)
        line = self._line(line_id)
        if not 0 < quantity_short <= line.quantity:
            raise UnknownPickupLine(pickup_id=self.id, line_id=line_id, quantity=quantity_short)
        self._line_short(line_id=line_id, sku=line.sku, quantity_short=quantity_short, at=at)
        if not self.lines:
            self._cancelled(reason="all lines short", at=at)
        return line

    @event(LineShort)
    def _line_short(self, line_id: str, sku: str, quantity_short: int, at: datetime) -> None:
        remaining = []
        for line in self.lines:
            if line.line_id == line_id:
                line = msgspec.structs.replace(line, quantity=line.quantity - quantity_short)
            if line.quantity:
                remaining.append(line)
        self.lines = remaining

    def mark_overdue(self, at: datetime) -> None:
        """The promised-ready time passed before the pickup was ready; recorded once."""
        if self.overdue_at is not None or not self.is_overdue(at):
            raise PickupStateError(pickup_id=self.id, status=self.status.value)
        self._overdue(at=at)

    @event(Overdue)
    def _overdue(self, at: datetime) -> None:
        self.overdue_at = at

    def mark_ready(self, shelf_spot: str, pickup_code: str, at: datetime) -> None:
        """Everything is on a shelf spot; the customer may come with the code."""
        self._require_status(PickupStatus.PICKING)
        collect_by = at + timedelta(days=self.window_days)
        self._ready(shelf_spot=shelf_spot, pickup_code=pickup_code, at=at, collect_by=collect_by)

    @event(ReadyForPickup)
    def _ready(self, shelf_spot: str, pickup_code: str, at: datetime, collect_by: datetime) -> None:
        self.status = PickupStatus.READY
        self.shelf_spot = shelf_spot
        self.pickup_code = pickup_code
        self.ready_at = at
        self.collect_by = collect_by

    def notify_customer(self, channel: str, at: datetime) -> None:
        """Tell the customer it is ready (may be sent again)."""
        self._require_status(PickupStatus.READY)
        self._notified(channel=channel, at=at)

    @event(CustomerNotified)
    def _notified(self, channel: str, at: datetime) -> None:
        self.notified_at = [*self.notified_at, at]

    def collect(self, code: str, staff_id: str, at: datetime, collected_by: str | None) -> None:
        """Hand over, only when ready and only against the right code."""
        self._require_status(PickupStatus.READY)
        if code.strip().upper() != self.pickup_code:
            raise WrongPickupCode(pickup_id=self.id)
        self._collected(staff_id=staff_id, collected_by=collected_by, at=at)

    @event(Collected)
    def _collected(self, staff_id: str, collected_by: str | None, at: datetime) -> None:
        self.status = PickupStatus.COLLECTED
        self.finished_at = at

    def expire(self, at: datetime) -> None:
        """The window passed without the customer: the reservations are to be released."""
        self._require_status(PickupStatus.READY)
        assert self.collect_by is not None
        if at < self.collect_by:
            raise PickupWindowStillOpen(pickup_id=self.id, collect_by=self.collect_by)
        self._not_collected(at=at)

    @event(NotCollected)
    def _not_collected(self, at: datetime) -> None:
        self.status = PickupStatus.NOT_COLLECTED
        self.finished_at = at

    def cancel(self, reason: str, at: datetime) -> None:
        """Stop the pickup before hand-over."""
        if self.status in FINISHED:
            raise PickupStateError(pickup_id=self.id, status=self.status.value)
        self._cancelled(reason=reason, at=at)

    @event(Cancelled)
    def _cancelled(self, reason: str, at: datetime) -> None:
        self.status = PickupStatus.CANCELLED
        self.finished_at = at

    def _line(self, line_id: str) -> PickupLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise UnknownPickupLine(pickup_id=self.id, line_id=line_id)

    def _require_status(self, *allowed: PickupStatus) -> None:
        if self.status not in allowed:
            raise PickupStateError(pickup_id=self.id, status=self.status.value)
