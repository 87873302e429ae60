"""Why a pickup refuses a command."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.errors import DomainError


class PickupStateError(DomainError):
    """The command does not fit the pickup's current status."""

    code = "INVALID_PICKUP_STATE"


class NotReadyForPickup(PickupStateError):
    code = "NOT_READY_FOR_PICKUP"


class PickupClosed(PickupStateError):
    """Collected, not collected or cancelled: nothing more happens to it."""

    code = "PICKUP_CLOSED"


class WrongPickupCode(DomainError):
    code = "WRONG_PICKUP_CODE"
    field = "code"


class InvalidPickupCode(DomainError):
    code = "INVALID_PICKUP_CODE"
    field = "pickupCode"


class PickupWindowStillOpen(DomainError):
    code = "PICKUP_WINDOW_STILL_OPEN"

    def __init__(self, pickup_id: UUID, collect_by: datetime) -> None:
        super().__init__(
            "The customer can still collect this order until "
            f"{collect_by:%Y-%m-%d %H:%M} UTC; it is not a no-show yet.",
            pickup_id=pickup_id,
            collect_by=collect_by,
        )


class AlreadyNotified(DomainError):
    code = "ALREADY_NOTIFIED"

    def __init__(self, pickup_id: UUID, channel: str) -> None:
        super().__init__(
            f"The customer was already told by {channel} that this order is ready.",
            pickup_id=pickup_id,
            channel=channel,
        )


class NotOverdue(DomainError):
    code = "PICKUP_NOT_OVERDUE"


class AlreadyMarkedOverdue(DomainError):
    code = "PICKUP_ALREADY_OVERDUE"


class UnknownPickupLine(DomainError):
    code = "UNKNOWN_PICKUP_LINE"
    field = "lineId"


class InvalidPickupQuantity(DomainError):
    code = "INVALID_QUANTITY"
    field = "quantity"


class EmptyPickup(DomainError):
    code = "EMPTY_PICKUP"
    field = "lines"
