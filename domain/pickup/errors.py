"""Why a pickup refuses a command."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.errors import DomainError, ErrorCode


class PickupStateError(DomainError):
    """The command does not fit the pickup's current status."""

    code = ErrorCode.INVALID_PICKUP_STATE
    message = "this pickup is {status}; that step does not fit now"


class NotReadyForPickup(PickupStateError):
    code = ErrorCode.NOT_READY_FOR_PICKUP
    message = "this pickup is {status}, not ready for hand-over yet"


class PickupClosed(PickupStateError):
    """Collected, not collected or cancelled: nothing more happens to it."""

    code = ErrorCode.PICKUP_CLOSED
    message = "this pickup is {status}; nothing more can happen to it"


class WrongPickupCode(DomainError):
    code = ErrorCode.WRONG_PICKUP_CODE
    subject = "code"
    message = "that pickup code is not right"


class InvalidPickupCode(DomainError):
    code = ErrorCode.INVALID_PICKUP_CODE
    subject = "pickup_code"
    message = "a pickup code cannot be empty"


class PickupWindowStillOpen(DomainError):
    code = ErrorCode.PICKUP_WINDOW_STILL_OPEN

    def __init__(self, pickup_id: UUID, collect_by: datetime, time_zone: str | None = None) -> None:
        super().__init__(
            f"The customer can still collect this order until {_when(collect_by, time_zone)}; "
            "it is not a no-show yet.",
            pickup_id=pickup_id,
            collect_by=collect_by,
        )

    def in_store_time(self, time_zone: str) -> PickupWindowStillOpen:
        """The same refusal, its time as the store's associates read clocks."""
        return PickupWindowStillOpen(self.ids["pickup_id"], self.ids["collect_by"], time_zone)


def _when(at: datetime, time_zone: str | None) -> str:
    if time_zone is None:  # the aggregate knows no store's zone: the use case adds it
        return f"{at:%Y-%m-%d %H:%M} UTC"
    return f"{at.astimezone(ZoneInfo(time_zone)):%a %d %b, %H:%M} (store time)"


class CustomerHasArrived(DomainError):
    """The customer said they are here: whatever keeps them waiting, it is no no-show."""

    code = ErrorCode.CUSTOMER_HAS_ARRIVED
    message = "the customer has said they are here; hand the order over, or cancel it"


class AlreadyNotified(DomainError):
    code = ErrorCode.ALREADY_NOTIFIED

    def __init__(self, pickup_id: UUID, channel: str) -> None:
        super().__init__(
            f"The customer was already told by {channel} that this order is ready.",
            pickup_id=pickup_id,
            channel=channel,
        )


class NotOverdue(DomainError):
    code = ErrorCode.PICKUP_NOT_OVERDUE
    message = "this pickup is {status} and not past its promised time {promised}"


class AlreadyMarkedOverdue(DomainError):
    code = ErrorCode.PICKUP_ALREADY_OVERDUE
    message = "this pickup was already marked overdue at {overdue_at}"


class UnknownPickupLine(DomainError):
    code = ErrorCode.UNKNOWN_PICKUP_LINE
    subject = "line_id"
    message = "this pickup has no line {line_id} left to pick"


class InvalidPickupQuantity(DomainError):
    code = ErrorCode.INVALID_QUANTITY
    subject = "quantity"
    message = "{quantity} is not a valid quantity for line {line_id}"


class EmptyPickup(DomainError):
    code = ErrorCode.EMPTY_PICKUP
    subject = "lines"
    message = "a pickup needs at least one line to hand over"
