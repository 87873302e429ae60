# Over 300 lines: one aggregate: its events, commands and state read together (STYLE.md).
"""Pickup: a click-and-collect (BOPIS) order's life in the store, from request to hand-over."""

from __future__ import annotations

import enum
import hmac
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.personal import (
    Code,
    CustomerRef,
    DataSubject,
    PersonalText,
    StaffRef,
    SystemText,
    customer_subject,
)
from domain.pickup.errors import (
    AlreadyMarkedOverdue,
    AlreadyNotified,
    CustomerHasArrived,
    EmptyPickup,
    InvalidPickupCode,
    InvalidPickupQuantity,
    NotOverdue,
    NotReadyForPickup,
    PickupClosed,
    PickupStateError,
    PickupWindowStillOpen,
    UnknownPickupLine,
    WrongPickupCode,
)


class PickupStatus(enum.StrEnum):
    REQUESTED = "requested"
    PICKING = "picking"
    READY = "ready"
    COLLECTED = "collected"
    NOT_COLLECTED = "not_collected"
    CANCELLED = "cancelled"


WAITING = frozenset({PickupStatus.REQUESTED, PickupStatus.PICKING})
FINISHED = frozenset({PickupStatus.COLLECTED, PickupStatus.NOT_COLLECTED, PickupStatus.CANCELLED})
ALL_LINES_SHORT = "all lines short"
READY_NOTICE_CHANNEL = "email"  # how the notifier tells the customer (omni notify run)

__all__ = [
    "ALL_LINES_SHORT",
    "FINISHED",
    "READY_NOTICE_CHANNEL",
    "WAITING",
    "AlreadyMarkedOverdue",
    "AlreadyNotified",
    "CustomerHasArrived",
    "CustomerNotification",
    "EmptyPickup",
    "InvalidPickupCode",
    "InvalidPickupQuantity",
    "NotOverdue",
    "NotReadyForPickup",
    "NotificationFailure",
    "Pickup",
    "PickupClosed",
    "PickupLine",
    "PickupStateError",
    "PickupStatus",
    "PickupWindowStillOpen",
    "UnknownPickupLine",
    "WrongPickupCode",
]


class PickupLine(msgspec.Struct, frozen=True):
    """Units of one order line to hand over; `line_id` is the order's line id."""

    line_id: Code
    sku: Code
    quantity: int


class CustomerNotification(msgspec.Struct, frozen=True):
    channel: Code
    at: datetime


class NotificationFailure(msgspec.Struct, frozen=True):
    channel: Code
    reason: SystemText  # the mail server's reply, addresses replaced (adapters/outbox/mail.py)
    attempt: int
    at: datetime


class Pickup(Aggregate):
    """A BOPIS order at one store: picked, put on a shelf spot with a one-time code, handed
    over only against that code while ready, or given up when its pickup window passes."""

    order_id: UUID
    store_id: Code
    customer_id: CustomerRef | None
    lines: list[PickupLine]  # what will be handed over: the requested lines less shortages
    status: PickupStatus
    promised_ready_at: datetime
    window_days: int
    picker_id: StaffRef | None
    shelf_spot: Code | None
    pickup_code: Code | None  # a short one-time code, kept as issued: staff compare it
    collect_by: datetime | None
    notifications: list[CustomerNotification]
    overdue_at: datetime | None
    placed_at: datetime
    picking_started_at: datetime | None
    ready_at: datetime | None
    collected_at: datetime | None
    finished_at: datetime | None  # collected, not collected or cancelled: off the board
    # Curbside: when the customer first said "I'm here", and where they wait. Defaults as well:
    # snapshots taken before arrivals were recorded lack them.
    arrived_at: datetime | None = None
    bay_or_car: PersonalText | None = None
    # A default as well as in __init__: snapshots taken before failures were recorded lack it.
    notification_failures: tuple[NotificationFailure, ...] = ()
    # Who took the card on the board ("take"): the picker it is assigned to. A default:
    # snapshots taken before assignment was recorded lack it.
    assigned_to: StaffRef | None = None

    class Requested(Aggregate.Created):
        order_id: UUID
        store_id: Code
        customer_id: CustomerRef | None
        lines: list[PickupLine]
        placed_at: datetime
        promised_ready_at: datetime
        window_days: int

    class PickingStarted(Aggregate.Event):
        staff_id: StaffRef
        at: datetime

    class Assigned(Aggregate.Event):
        """A staff member took the card on the board: it is theirs to pick and hand over."""

        staff_id: StaffRef
        at: datetime

    class LineShort(Aggregate.Event):
        line_id: Code
        sku: Code
        quantity_short: int
        at: datetime

    class Overdue(Aggregate.Event):
        at: datetime

    class ReadyForPickup(Aggregate.Event):
        shelf_spot: Code
        pickup_code: Code
        at: datetime
        collect_by: datetime

    class CustomerNotified(Aggregate.Event):
        channel: Code
        at: datetime

    class NotificationFailed(Aggregate.Event):
        channel: Code
        reason: SystemText  # the mail server's reply, addresses replaced (adapters/outbox/mail.py)
        attempt: int  # 1 for the first failed send on this channel
        at: datetime

    class CustomerArrived(Aggregate.Event):
        """The customer says "I'm here" (their app, or the link in the ready mail)."""

        at: datetime
        bay_or_car: PersonalText | None  # where to find them, in their words: "bay 3, red Golf"

    class Collected(Aggregate.Event):
        class_version = 2

        staff_id: StaffRef
        at: datetime
        verified_code: bool
        proof: PersonalText | None  # who collected, as staff noted it (a name, an ID seen)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 called the proof `collected_by`; every v1 hand-over checked the code.
            state["proof"] = state.pop("collected_by", None)
            state["verified_code"] = True

    class NotCollected(Aggregate.Event):
        class_version = 2

        at: datetime
        staff_id: StaffRef | None  # who marked the no-show; None when the window's rule did

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["staff_id"] = None  # only the rule recorded it before staff could

    class Cancelled(Aggregate.Event):
        reason: PersonalText  # the customer's own words when they cancel the order
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
        _require_lines(pickup_id, lines)
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
        self.promised_ready_at = promised_ready_at
        self.window_days = window_days
        self.picker_id = None
        self.shelf_spot = None
        self.pickup_code = None
        self.collect_by = None
        self.notifications = []
        self.notification_failures = ()
        self.overdue_at = None
        self.placed_at = placed_at
        self.picking_started_at = None
        self.ready_at = None
        self.collected_at = None
        self.finished_at = None

    @property
    def data_subject(self) -> DataSubject | None:
        """Its customer's; a guest's pickup has none (personal data then falls back to the
        person acting, or the pickup's own key: domain/personal.py)."""
        return customer_subject(self.customer_id) if self.customer_id is not None else None

    @property
    def remaining_lines(self) -> list[PickupLine]:
        """The units still to hand over: requested less every shortage (the `lines` state)."""
        return list(self.lines)

    def is_overdue(self, now: datetime) -> bool:
        """Not yet ready although the promised-ready time has passed."""
        return self.status in WAITING and now > self.promised_ready_at

    def start_picking(self, staff_id: str, at: datetime) -> None:
        """A staff member takes the pickup to the shelves."""
        self._require_status(PickupStatus.REQUESTED)
        self._picking_started(staff_id=staff_id, at=at)

    @event(PickingStarted)
    def _picking_started(self, staff_id: str, at: datetime) -> None:
        self.status = PickupStatus.PICKING
        self.picker_id = staff_id
        self.picking_started_at = at

    def assign(self, staff_id: str, at: datetime) -> bool:
        """A staff member takes the card (from nobody, or from a colleague) at any step before
        hand-over; taking one already theirs records nothing. Returns whether it changed."""
        if self.status in FINISHED:
            raise PickupClosed(pickup_id=self.id, status=self.status.value)
        if self.assigned_to == staff_id:
            return False
        self._assigned(staff_id=staff_id, at=at)
        return True

    @event(Assigned)
    def _assigned(self, staff_id: str, at: datetime) -> None:
        self.assigned_to = staff_id

    def report_short(self, line_id: str, quantity_short: int, at: datetime) -> PickupLine:
        """The shelf has fewer units than a line needs; returns the line as it was."""
        self._require_status(PickupStatus.PICKING)
        line = self._line(line_id)
        if not 0 < quantity_short <= line.quantity:
            raise InvalidPickupQuantity(pickup_id=self.id, line_id=line_id, quantity=quantity_short)
        self._line_short(line_id=line_id, sku=line.sku, quantity_short=quantity_short, at=at)
        if not self.lines:
            # Nothing is left to hand over; the order side cancels the order itself.
            self._cancelled(reason=ALL_LINES_SHORT, at=at)
        return line

    @event(LineShort)
    def _line_short(self, line_id: str, sku: str, quantity_short: int, at: datetime) -> None:
        self.lines = _less(self.lines, line_id, quantity_short)

    def mark_overdue(self, at: datetime) -> None:
        """The promised-ready time passed before the pickup was ready; recorded once."""
        if self.overdue_at is not None:
            raise AlreadyMarkedOverdue(pickup_id=self.id, overdue_at=self.overdue_at)
        if not self.is_overdue(at):
            raise NotOverdue(
                pickup_id=self.id, status=self.status.value, promised=self.promised_ready_at
            )
        self._overdue(at=at)

    @event(Overdue)
    def _overdue(self, at: datetime) -> None:
        self.overdue_at = at

    def mark_ready(self, shelf_spot: str, pickup_code: str, at: datetime) -> None:
        """Everything left is on a shelf spot; the customer may come with the code."""
        self._require_status(PickupStatus.PICKING)
        if not self.lines:
            raise EmptyPickup(pickup_id=self.id)
        if not _normalized(pickup_code):
            raise InvalidPickupCode(pickup_id=self.id)
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
        """Tell the customer it is ready ("email", "sms", "push"); may be sent again."""
        self._require_ready()
        self._notified(channel=channel, at=at)

    def record_notified(self, channel: str, at: datetime) -> None:
        """The mail server accepted the ready notice: recorded once per channel. It is a fact
        by then, so a pickup collected or cancelled since the send still records it."""
        self._require_made_ready()
        if self.was_notified_by(channel):
            raise AlreadyNotified(self.id, channel)
        self._notified(channel=channel, at=at)

    def record_notification_failed(self, channel: str, reason: str, at: datetime) -> int:
        """A send of the ready notice failed; returns which attempt on this channel it was."""
        self._require_made_ready()
        if self.was_notified_by(channel):
            raise AlreadyNotified(self.id, channel)
        attempt = 1 + sum(failure.channel == channel for failure in self.notification_failures)
        self._notification_failed(channel=channel, reason=reason, attempt=attempt, at=at)
        return attempt

    def was_notified_by(self, channel: str) -> bool:
        return any(sent.channel == channel for sent in self.notifications)

    @event(CustomerNotified)
    def _notified(self, channel: str, at: datetime) -> None:
        self.notifications = [*self.notifications, CustomerNotification(channel, at)]

    @event(NotificationFailed)
    def _notification_failed(self, channel: str, reason: str, attempt: int, at: datetime) -> None:
        failure = NotificationFailure(channel, reason, attempt, at)
        self.notification_failures = (*self.notification_failures, failure)

    def arrive(self, at: datetime, bay_or_car: str | None = None) -> None:
        """The customer is here for it, at any step before hand-over. Saying so again records
        only a new place to find them; the first arrival's time stays the wait's start."""
        if self.status in FINISHED:
            raise PickupClosed(pickup_id=self.id, status=self.status.value)
        if self.arrived_at is not None and bay_or_car in (None, self.bay_or_car):
            return  # nothing new: the app's retry, or a second tap
        self._customer_arrived(at=at, bay_or_car=bay_or_car)

    @event(CustomerArrived)
    def _customer_arrived(self, at: datetime, bay_or_car: str | None) -> None:
        if self.arrived_at is None:
            self.arrived_at = at
        self.bay_or_car = bay_or_car

    def collect(self, code: str, staff_id: str, at: datetime, proof: str | None = None) -> None:
        """Hand over, only when ready and only against the right code."""
        # The window is enforced by expire(), not at the desk: a late customer whose order
        # is still on the shelf gets it.
        self._require_ready()
        if not self._code_matches(code):
            raise WrongPickupCode(pickup_id=self.id)
        self._collected(staff_id=staff_id, at=at, verified_code=True, proof=proof)

    @event(Collected)
    def _collected(
        self, staff_id: str, at: datetime, verified_code: bool, proof: str | None
    ) -> None:
        self.status = PickupStatus.COLLECTED
        self.collected_at = at
        self.finished_at = at

    def expire(self, at: datetime, staff_id: str | None = None) -> None:
        """The window passed without the customer (found by the rule, or by staff as a
        no-show): its reservations are to be released. Staff record no no-show for a customer
        who said they are here; the window's rule still closes it, days later, so that stock
        is never held for ever (docs/decisions/2026-12-06-curbside-arrival.md)."""
        self._require_ready()
        if staff_id is not None and self.arrived_at is not None:
            raise CustomerHasArrived(pickup_id=self.id, arrived_at=self.arrived_at)
        assert self.collect_by is not None  # set together with READY
        if at < self.collect_by:
            raise PickupWindowStillOpen(self.id, self.collect_by)
        self._not_collected(at=at, staff_id=staff_id)

    @event(NotCollected)
    def _not_collected(self, at: datetime, staff_id: str | None) -> None:
        self.status = PickupStatus.NOT_COLLECTED
        self.finished_at = at

    def cancel(self, reason: str, at: datetime) -> None:
        """Stop the pickup before hand-over."""
        if self.status in FINISHED:
            raise PickupClosed(pickup_id=self.id, status=self.status.value)
        self._cancelled(reason=reason, at=at)

    @event(Cancelled)
    def _cancelled(self, reason: str, at: datetime) -> None:
        self.status = PickupStatus.CANCELLED
        self.finished_at = at

    def _code_matches(self, code: str) -> bool:
        assert self.pickup_code is not None  # set together with READY
        # Constant time, so response times do not leak how much of a guess was right.
        given, issued = _normalized(code).encode(), _normalized(self.pickup_code).encode()
        return hmac.compare_digest(given, issued)

    def _line(self, line_id: str) -> PickupLine:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise UnknownPickupLine(pickup_id=self.id, line_id=line_id)

    def _require_status(self, allowed: PickupStatus) -> None:
        if self.status is allowed:
            return
        if self.status in FINISHED:
            raise PickupClosed(pickup_id=self.id, status=self.status.value)
        raise PickupStateError(pickup_id=self.id, status=self.status.value)

    def _require_made_ready(self) -> None:
        if self.ready_at is None:  # never on a shelf: nobody was to be told
            self._require_ready()

    def _require_ready(self) -> None:
        if self.status is PickupStatus.READY:
            return
        if self.status in FINISHED:
            raise PickupClosed(pickup_id=self.id, status=self.status.value)
        raise NotReadyForPickup(pickup_id=self.id, status=self.status.value)


def _normalized(code: str) -> str:
    # Read aloud or typed at a counter: case and surrounding spaces do not matter.
    return code.strip().upper()


def _require_lines(pickup_id: UUID, lines: list[PickupLine]) -> None:
    if not lines:
        raise EmptyPickup(pickup_id=pickup_id)
    for line in lines:
        if line.quantity <= 0:
            raise InvalidPickupQuantity(
                pickup_id=pickup_id, line_id=line.line_id, quantity=line.quantity
            )


def _less(lines: list[PickupLine], line_id: str, quantity: int) -> list[PickupLine]:
    """The lines with `quantity` units fewer on one line; a line with none left is dropped."""
    remaining = []
    for line in lines:
        if line.line_id == line_id:
            line = msgspec.structs.replace(line, quantity=line.quantity - quantity)
        if line.quantity > 0:
            remaining.append(line)
    return remaining
