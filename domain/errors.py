"""A shallow hierarchy: every domain failure carries the ids involved, a stable code from one
enum, and a message a shopper or an associate can read."""

from __future__ import annotations

import enum
from typing import Any
from uuid import UUID


class ErrorCode(enum.StrEnum):
    """Every refusal a client can act on, declared once (the API publishes this enum)."""

    # Requests the API refuses before any use case runs
    INVALID_INPUT = "INVALID_INPUT"
    NOT_AUTHENTICATED = "NOT_AUTHENTICATED"
    NOT_ALLOWED = "NOT_ALLOWED"
    UNAVAILABLE = "UNAVAILABLE"  # retry later: the database or a provider is down
    STALE_READ = "STALE_READ"  # a read model had not reached the requested position in time
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    BAD_REQUEST = "BAD_REQUEST"  # an HTTP request the API cannot read: not UTF-8, not JSON...
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"  # the document is not GraphQL
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"  # the schema's rules refuse it
    INTERNAL_ERROR = "INTERNAL_ERROR"  # a bug, logged with its traceback: never a refusal
    # Shared
    NOT_FOUND = "NOT_FOUND"
    CONCURRENT_MODIFICATION = "CONCURRENT_MODIFICATION"
    STALE_VERSION = "STALE_VERSION"  # an expected version the client gave is not the stream's
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"  # one key, other arguments
    NOT_IN_CHECKOUT = "NOT_IN_CHECKOUT"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    UNKNOWN_PRODUCT = "UNKNOWN_PRODUCT"
    PRODUCT_DISCONTINUED = "PRODUCT_DISCONTINUED"  # no longer sold: no cart or order takes it
    UNKNOWN_LOCATION = "UNKNOWN_LOCATION"
    UNKNOWN_CUSTOMER = "UNKNOWN_CUSTOMER"
    UNKNOWN_LOYALTY_ID = "UNKNOWN_LOYALTY_ID"
    CUSTOMER_MISMATCH = "CUSTOMER_MISMATCH"
    # Customers: consent, identity, merges
    PROFILE_MERGED = "PROFILE_MERGED"  # the profile was merged into another: use that one
    ERASURE_REQUESTED = "ERASURE_REQUESTED"  # the customer asked to be erased: no more changes
    SAME_CUSTOMER = "SAME_CUSTOMER"  # a profile cannot be merged into itself
    CUSTOMER_ERASED = "CUSTOMER_ERASED"  # the customer was erased: nothing more under that id
    ERASURE_BLOCKED = "ERASURE_BLOCKED"  # an open pickup or an unrefunded return: not yet
    ERASURE_NOT_DUE = "ERASURE_NOT_DUE"  # the waiting period after a customer's request runs
    # Feedback and the service desk
    SURVEY_EXPIRED = "SURVEY_EXPIRED"  # the survey's link is past its time
    SURVEY_ALREADY_ANSWERED = "SURVEY_ALREADY_ANSWERED"  # one answer per survey
    INVALID_SCORE = "INVALID_SCORE"  # outside the question's scale
    CASE_ALREADY_RESOLVED = "CASE_ALREADY_RESOLVED"
    # Loyalty
    INVALID_POINTS = "INVALID_POINTS"  # not a positive number of points, or more than the bill
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"  # more points than the balance
    # Carts
    CART_CLOSED = "CART_CLOSED"
    LINE_NOT_IN_CART = "LINE_NOT_IN_CART"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    EMPTY_CART = "EMPTY_CART"
    CART_STILL_ACTIVE = "CART_STILL_ACTIVE"
    CART_NOT_ABANDONED = "CART_NOT_ABANDONED"
    CART_BELONGS_TO_ANOTHER_CUSTOMER = "CART_BELONGS_TO_ANOTHER_CUSTOMER"
    ANOTHER_CART_IS_CURRENT = "ANOTHER_CART_IS_CURRENT"
    NO_CURRENT_CART = "NO_CURRENT_CART"
    # Checkout and orders
    OUT_OF_STOCK = "OUT_OF_STOCK"
    PRICES_CHANGED = "PRICES_CHANGED"
    PICKUP_NOT_OFFERED = "PICKUP_NOT_OFFERED"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    PAYMENT_REQUIRED = "PAYMENT_REQUIRED"
    ALREADY_PAID = "ALREADY_PAID"  # payment taken at the counter for an order paid already
    PAYMENT_PROVIDER_UNAVAILABLE = "PAYMENT_PROVIDER_UNAVAILABLE"  # retry with the same request
    INVALID_PAYMENT_STATE = "INVALID_PAYMENT_STATE"
    ORDER_CLOSED = "ORDER_CLOSED"
    UNKNOWN_ORDER_LINE = "UNKNOWN_ORDER_LINE"
    WRONG_FULFILLMENT = "WRONG_FULFILLMENT"  # e.g. shipping a pickup order
    ORDER_ALREADY_SHIPPED = "ORDER_ALREADY_SHIPPED"  # one dispatch per order
    # Pickups
    INVALID_PICKUP_STATE = "INVALID_PICKUP_STATE"
    NOT_READY_FOR_PICKUP = "NOT_READY_FOR_PICKUP"
    PICKUP_CLOSED = "PICKUP_CLOSED"
    WRONG_PICKUP_CODE = "WRONG_PICKUP_CODE"
    INVALID_PICKUP_CODE = "INVALID_PICKUP_CODE"
    PICKUP_WINDOW_STILL_OPEN = "PICKUP_WINDOW_STILL_OPEN"
    CUSTOMER_HAS_ARRIVED = "CUSTOMER_HAS_ARRIVED"  # so not a no-show
    PICKUP_NOT_OVERDUE = "PICKUP_NOT_OVERDUE"
    PICKUP_ALREADY_OVERDUE = "PICKUP_ALREADY_OVERDUE"
    UNKNOWN_PICKUP_LINE = "UNKNOWN_PICKUP_LINE"
    EMPTY_PICKUP = "EMPTY_PICKUP"
    ALREADY_NOTIFIED = "ALREADY_NOTIFIED"
    # Returns
    EXCEEDS_RETURNABLE = "EXCEEDS_RETURNABLE"
    NOT_PURCHASED = "NOT_PURCHASED"
    EMPTY_RETURN = "EMPTY_RETURN"
    RETURN_WINDOW_CLOSED = "RETURN_WINDOW_CLOSED"
    NOT_YET_FULFILLED = "NOT_YET_FULFILLED"
    INSPECTION_MISMATCH = "INSPECTION_MISMATCH"
    NOTHING_TO_RESTOCK = "NOTHING_TO_RESTOCK"
    INVALID_RETURN_STATE = "INVALID_RETURN_STATE"
    RETURN_NOT_INSPECTED = "RETURN_NOT_INSPECTED"
    ALREADY_REFUNDED = "ALREADY_REFUNDED"
    ALREADY_RESTOCKED = "ALREADY_RESTOCKED"
    # Stock and the till
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    RESERVATION_NOT_FOUND = "RESERVATION_NOT_FOUND"
    INVALID_POS_SALE = "INVALID_POS_SALE"
    INVALID_RECEIPT = "INVALID_RECEIPT"
    EMPTY_SALE = "EMPTY_SALE"
    INVALID_SALE_LINE = "INVALID_SALE_LINE"
    INVALID_CART_CODE = "INVALID_CART_CODE"  # not the code a shopper's app shows for a cart


class DomainError(Exception):
    """A command was refused; nothing was recorded.

    `message` is a template over the ids the error was raised with; `subject` names the
    domain attribute at fault (snake_case), for the API to point at the input it came from.
    """

    code: ErrorCode = ErrorCode.INVALID_INPUT
    subject: str | None = None
    message = "the request was refused"

    def __init__(self, message: str = "", **ids: Any) -> None:
        self.ids = ids
        super().__init__(message or self._describe())

    def _describe(self) -> str:
        try:
            return self.message.format(**{key: _readable(v) for key, v in self.ids.items()})
        except (KeyError, IndexError, ValueError):
            return self.message.split("{", 1)[0].rstrip(" :,(") or self.code.value.lower()


def _readable(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(str(item) for item in value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND
    message = "{id} was not found"


class NotAllowed(DomainError):
    """The actor may not do this, or not here; checked before anything is written."""

    code = ErrorCode.NOT_ALLOWED
    message = "not allowed"


class ConcurrencyError(DomainError):
    """Another command changed the stream first: its expected version is stale."""

    code = ErrorCode.CONCURRENT_MODIFICATION

    def __init__(self, stream_id: UUID, expected_version: int | None = None) -> None:
        self.stream_id = stream_id
        self.expected_version = expected_version
        super().__init__(
            "someone else changed this at the same moment; please try again",
            stream_id=stream_id,
            expected_version=expected_version,
        )


class EventDecodingError(Exception):
    """A stored event cannot be read back: names the stream and version so it can be found."""

    def __init__(self, stream_id: UUID, version: int, reason: str) -> None:
        self.stream_id = stream_id
        self.version = version
        super().__init__(f"cannot decode event {stream_id} v{version}: {reason}")


class EventEncodingError(Exception):
    """An event's state does not fit its declared types; nothing was written."""

    def __init__(self, stream_id: UUID, version: int, reason: str) -> None:
        self.stream_id = stream_id
        self.version = version
        super().__init__(f"cannot encode event {stream_id} v{version}: {reason}")
