"""The integration events: what other systems may rely on, versioned apart from domain events.

Domain events are free to change shape (upcasters keep old ones readable); these are a
public contract. Each message is an `IntegrationEvent` envelope in camelCase JSON whose
`data` is one of the structs below, published on `<prefix>.<type>` (e.g. `omni.pickup.ready`).
A change that removes or renames a field is a new `ENVELOPE_VERSION`; adding one is not.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar
from uuid import UUID

import msgspec

ENVELOPE_VERSION = 1


class EventType(enum.StrEnum):
    ORDER_PLACED = "order.placed"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_SHIPPED = "order.shipped"
    CART_ABANDONED = "cart.abandoned"
    PICKUP_READY = "pickup.ready"
    PICKUP_COLLECTED = "pickup.collected"
    PICKUP_NOT_COLLECTED = "pickup.not_collected"
    RETURN_RECEIVED = "return.received"
    RETURN_REFUNDED = "return.refunded"
    SALE_RECORDED = "sale.recorded"
    SERVICE_CASE_RESOLVED = "service_case.resolved"
    STOCK_LOW = "stock.low"
    STOCK_OUT = "stock.out"
    CUSTOMER_ERASED = "customer.erased"


def subject_of(prefix: str, event_type: str) -> str:
    return f"{prefix}.{event_type}"


class Data(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The payload of one integration event type."""


class Amount(Data, frozen=True):
    amount: Decimal  # a JSON string, exact to the cent
    currency: str


class Line(Data, frozen=True):
    sku: str
    quantity: int
    unit_price: Amount | None = None


class OrderPlaced(Data, frozen=True):
    order_id: UUID
    customer_id: str | None
    channel: str
    fulfillment: str  # "ship" or "pickup"
    location_id: str  # the store of a pickup, the warehouse of a shipment
    lines: list[Line]
    total: Amount
    placed_at: datetime


class OrderCancelled(Data, frozen=True):
    order_id: UUID
    reason: str
    cancelled_at: datetime


class OrderShipped(Data, frozen=True):
    """The parcel left the warehouse (the order completes in the same write)."""

    order_id: UUID
    carrier: str
    tracking_number: str  # the carrier's: not personal data
    shipped_at: datetime


class CartAbandoned(Data, frozen=True):
    """Given up after a month idle. Whose it is and what it held are the consumer's to read
    (a customer's consent decides whether anyone may remind them of it)."""

    cart_id: UUID
    abandoned_at: datetime


class CustomerErased(Data, frozen=True):
    """A customer was erased (issue 20): every consumer forgets what it keeps of them (an
    address it mailed, a copy of a profile). The id is a pseudonym from now on."""

    customer_id: str
    erased_at: datetime


class PickupReady(Data, frozen=True):
    """On a shelf spot, waiting for the customer. The pickup code is deliberately absent:
    it proves who may take the goods and is not for every subscriber of the bus."""

    pickup_id: UUID
    order_id: UUID
    store_id: str
    customer_id: str | None
    shelf_spot: str
    ready_at: datetime
    collect_by: datetime


class PickupCollected(Data, frozen=True):
    pickup_id: UUID
    order_id: UUID
    store_id: str
    customer_id: str | None
    collected_at: datetime


class PickupNotCollected(Data, frozen=True):
    pickup_id: UUID
    order_id: UUID
    store_id: str
    customer_id: str | None
    expired_at: datetime


class ReturnReceived(Data, frozen=True):
    return_id: UUID
    order_id: UUID | None  # an online order's return; else
    sale_id: UUID | None  # a till sale's (returned by its receipt)
    customer_id: str | None
    location_id: str
    lines: list[Line]
    received_at: datetime


class ReturnRefunded(Data, frozen=True):
    return_id: UUID
    order_id: UUID | None  # an online order's return; else
    sale_id: UUID | None  # a till sale's (returned by its receipt)
    customer_id: str | None
    amount: Amount
    reference: str
    refunded_at: datetime


class SaleRecorded(Data, frozen=True):
    """A sale at a till; `customer_id` when the shopper identified themselves."""

    sale_id: UUID
    store_id: str
    till_id: str
    customer_id: str | None
    total: Amount
    sold_at: datetime


class ServiceCaseResolved(Data, frozen=True):
    """A service-desk case resolved (again, after a further contact reopened it)."""

    case_id: UUID
    customer_id: str
    store_id: str | None  # the desk's store; None for the chain's phone line or mail
    resolved_at: datetime


class StockLevel(Data, frozen=True):
    """Stock of a SKU at a location just after the event that took it low or out."""

    location_id: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    low_stock_threshold: int


T = TypeVar("T", bound=Data)


class IntegrationEvent(msgspec.Struct, Generic[T], frozen=True, kw_only=True, rename="camel"):
    """The envelope. `id` is `<aggregate id>:<version>` of the domain event it maps, or that
    id with `/<type>` for a message derived from it (stock low/out), so a replay repeats it
    and JetStream's de-duplication (`Nats-Msg-Id`) drops the repeat."""

    version: int = ENVELOPE_VERSION
    id: str
    type: str
    occurred_at: datetime  # when the fact was recorded (the event's commit time)
    aggregate_id: UUID
    aggregate_version: int  # rises by one per event of the aggregate: consumers can check order
    correlation_id: UUID | None
    data: T


encode = msgspec.json.Encoder().encode


def decode(payload: bytes, data_type: type[T]) -> IntegrationEvent[T]:
    return msgspec.json.decode(payload, type=IntegrationEvent[data_type])  # type: ignore[valid-type]
