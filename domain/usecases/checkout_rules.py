"""What a checkout refuses, what it returns, and the ids it derives."""

from __future__ import annotations

from collections.abc import Mapping
from uuid import UUID, uuid5

import msgspec

from domain.cart.model import Cart
from domain.errors import DomainError, ErrorCode
from domain.stock.model import StockItem
from domain.values import Money


class ShortLine(msgspec.Struct, frozen=True):
    sku: str
    requested: int
    available: int
    available_at: list[str] = []


class OutOfStock(DomainError):
    """Some lines cannot be reserved here; says which, and which nearby stores have them."""

    code = ErrorCode.OUT_OF_STOCK
    subject = "lines"

    def __init__(self, location_id: str, short: list[ShortLine]) -> None:
        self.short = short
        skus = ", ".join(f"{s.sku} ({s.available} of {s.requested})" for s in short)
        super().__init__(f"not enough stock at {location_id}: {skus}", location_id=location_id)


class PricesChanged(DomainError):
    code = ErrorCode.PRICES_CHANGED
    subject = "lines"
    message = "prices changed since these were added: {skus}; review the cart"


class DiscontinuedLines(DomainError):
    """The cart holds products no longer sold: no order is placed until they are removed."""

    code = ErrorCode.PRODUCT_DISCONTINUED
    subject = "lines"
    message = "no longer sold: {skus}; remove them from the cart to check out"


class PickupNotOffered(DomainError):
    code = ErrorCode.PICKUP_NOT_OFFERED
    subject = "location_id"
    message = "{location_id} does not offer pickup"


class StaleVersion(DomainError):
    """The caller expected a stream at a version it has moved on from: nothing is retried."""

    code = ErrorCode.STALE_VERSION
    subject = "expected_versions"

    def __init__(self, stream_id: UUID, what: str, expected: int, actual: int) -> None:
        self.stream_id, self.expected, self.actual = stream_id, expected, actual
        super().__init__(
            f"The {what} changed since you last saw it (version {expected}, now {actual}): "
            "look again, then check out.",
            stream_id=stream_id,
            expected_version=expected,
            actual_version=actual,
        )


class NotInCheckout(DomainError):
    """An expected version named a stream this checkout does not read or write."""

    code = ErrorCode.NOT_IN_CHECKOUT
    subject = "expected_versions"

    def __init__(self, stream_ids: list[UUID]) -> None:
        super().__init__(
            "Expected versions were given for something that is not this cart or the stock "
            "of its lines at the chosen location.",
            stream_ids=stream_ids,
        )


class CheckedOut(msgspec.Struct, frozen=True):
    order_id: UUID
    pickup_id: UUID | None
    total: Money


class OrderChanged(msgspec.Struct, frozen=True):
    order_id: UUID


def pickup_id_for(order_id: UUID) -> UUID:
    """The pickup of an order has an id derived from it: no lookup needed to find it."""
    return uuid5(order_id, "pickup")


def order_id_for(cart_id: UUID) -> UUID:
    """A cart becomes at most one order: two checkouts of one cart race for the same order
    stream, and authorize the payment under the same idempotency key."""
    return uuid5(cart_id, "order")


def require_expected_versions(
    expected: Mapping[UUID, int] | None, cart: Cart, items: Mapping[str, StockItem]
) -> None:
    """Every stream the caller pinned is still at the version the caller saw."""
    if not expected:
        return
    stored = {cart.id: ("cart", _stored_version(cart))}
    for sku, item in items.items():
        stored[item.id] = (f"stock of {sku} at {item.location_id}", _stored_version(item))
    unknown = [stream_id for stream_id in expected if stream_id not in stored]
    if unknown:
        raise NotInCheckout(unknown)
    for stream_id, version in expected.items():
        what, actual = stored[stream_id]
        if version != actual:
            raise StaleVersion(stream_id, what, version, actual)


def _stored_version(aggregate: Cart | StockItem) -> int:
    # A stock item opened on first use exists only in memory: its stored version is 0.
    return aggregate.version - len(aggregate.pending_events)
