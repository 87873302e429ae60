"""From domain events to integration events: pure functions, no I/O, no clock.

`map_batch` takes a batch in global order with what it needs beyond the events themselves:
the creation event of each pickup and return in it (where its order, store and customer are
recorded), the stock level of each stock item before the batch, and the low-stock threshold
of each SKU. It returns the messages and the stock levels after the batch, which the relay
stores with its checkpoint, so a replay of the same batch computes the same messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple
from uuid import UUID

import msgspec

from adapters.outbox import after_sales
from adapters.outbox.contract import (
    CartAbandoned,
    CustomerErased,
    Data,
    EventType,
    IntegrationEvent,
    Line,
    OrderCancelled,
    OrderPlaced,
    OrderShipped,
    PickupCollected,
    PickupNotCollected,
    PickupReady,
    ReturnReceived,
    ReturnRefunded,
    SaleRecorded,
    ServiceCaseResolved,
    StockLevel,
)
from domain.cart.model import Cart
from domain.customer.profile import CustomerProfile
from domain.order.model import Order
from domain.pickup.model import Pickup
from domain.ports import DomainEvent, RecordedEvent
from domain.returns.model import Return
from domain.sale.model import Sale
from domain.service_desk.model import ServiceCase
from domain.stock.model import StockItem

DEFAULT_LOW_STOCK = 3  # as the store_inventory read model: the product's threshold, else 3
STOCK_TOPIC = "domain.stock.model:StockItem."


def _topic(event_class: type) -> str:
    return f"{event_class.__module__}:{event_class.__qualname__}"


# Exact topics (prefix matching on a whole topic), so the relay decodes only what it maps.
ORIGINS = (Pickup.Requested, Return.Requested, ServiceCase.Opened)
PICKUP_EVENTS = (Pickup.ReadyForPickup, Pickup.Collected, Pickup.NotCollected)
# Whose and where are on the stream's first event.
NEEDS_ORIGIN = (*PICKUP_EVENTS, Return.Received, Return.Refunded, ServiceCase.Resolved)
MAPPED = (
    Order.Placed,
    Order.Cancelled,
    Order.Shipped,
    Cart.Abandoned,
    Sale.Recorded,
    CustomerProfile.Erased,
    *NEEDS_ORIGIN,
)
TOPICS = (*(_topic(c) for c in (*ORIGINS, *MAPPED)), STOCK_TOPIC)


class StockState(msgspec.Struct, frozen=True):
    """A stock item as the relay last saw it: enough to tell when it crosses into low/out."""

    location_id: str
    sku: str
    on_hand: int = 0
    reserved: int = 0
    band: str = "out"  # ok, low or out; a new item starts out of stock, unannounced

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MissingStockState(Exception):
    """A stock event for an item the relay never saw created (its state table was lost)."""


class Mapped(NamedTuple):
    messages: list[IntegrationEvent[Any]]
    stock: dict[UUID, StockState]  # only the items the batch changed


def map_batch(
    batch: Sequence[RecordedEvent],
    origins: Mapping[UUID, DomainEvent],
    stock: Mapping[UUID, StockState],
    thresholds: Mapping[str, int],
) -> Mapped:
    """The integration events of a batch, in its order, and the stock levels after it."""
    known = dict(origins)
    levels: dict[UUID, StockState] = {}
    messages: list[IntegrationEvent[Any]] = []
    for recorded in batch:
        event = recorded.event
        if isinstance(event, ORIGINS):
            known[recorded.stream_id] = event
        elif recorded.topic.startswith(STOCK_TOPIC):
            before = levels.get(recorded.stream_id) or stock.get(recorded.stream_id)
            after, message = stock_change(recorded, before, thresholds)
            levels[recorded.stream_id] = after
            messages.extend([message] if message else [])
        elif (mapper := MAPPERS.get(type(event))) is not None:
            data = mapper(recorded.stream_id, event, known.get(recorded.stream_id))
            messages.append(envelope(recorded, _type_of(data), data))
    return Mapped(messages, levels)


def streams_needing_origin(batch: Sequence[RecordedEvent]) -> set[UUID]:
    """Pickups and returns whose creation event the batch does not hold itself."""
    created = {r.stream_id for r in batch if isinstance(r.event, ORIGINS)}
    return {
        r.stream_id
        for r in batch
        if isinstance(r.event, NEEDS_ORIGIN) and r.stream_id not in created
    }


def envelope(
    recorded: RecordedEvent, event_type: EventType, data: Data, derived: bool = False
) -> IntegrationEvent[Any]:
    cause = f"{recorded.stream_id}:{recorded.version}"
    return IntegrationEvent(
        id=f"{cause}/{event_type.value}" if derived else cause,
        type=event_type.value,
        occurred_at=recorded.recorded_at,
        aggregate_id=recorded.stream_id,
        aggregate_version=recorded.version,
        correlation_id=recorded.context.correlation_id,
        data=data,
    )


def stock_change(
    recorded: RecordedEvent, before: StockState | None, thresholds: Mapping[str, int]
) -> tuple[StockState, IntegrationEvent[Any] | None]:
    """The item's state after the event, and a message if it just crossed into low or out."""
    state = _moved(before, recorded)
    threshold = thresholds.get(state.sku, DEFAULT_LOW_STOCK)
    band = band_of(state.available, threshold)
    after = msgspec.structs.replace(state, band=band)
    if isinstance(recorded.event, StockItem.Created) or band == state.band or band == "ok":
        return after, None
    event_type = EventType.STOCK_OUT if band == "out" else EventType.STOCK_LOW
    level = StockLevel(
        location_id=after.location_id,
        sku=after.sku,
        on_hand=after.on_hand,
        reserved=after.reserved,
        available=after.available,
        low_stock_threshold=threshold,
    )
    return after, envelope(recorded, event_type, level, derived=True)


def band_of(available: int, threshold: int) -> str:
    if available <= 0:
        return "out"
    return "low" if available <= threshold else "ok"


def _moved(before: StockState | None, recorded: RecordedEvent) -> StockState:
    """The same arithmetic as the store_inventory read model."""
    e = recorded.event
    if isinstance(e, StockItem.Created):
        return StockState(e.location_id, e.sku)
    if before is None:
        raise MissingStockState(f"{recorded.stream_id}:{recorded.version}")
    on_hand, reserved = before.on_hand, before.reserved
    match e:
        case StockItem.Received() | StockItem.Restocked():
            on_hand += e.quantity
        case StockItem.Adjusted():
            on_hand = e.counted
        case StockItem.Reserved():
            reserved += e.quantity
        case StockItem.ReservationReleased():
            reserved -= e.quantity
        case StockItem.ReservationConsumed():
            reserved -= e.quantity
            on_hand -= e.quantity - e.shortfall
        case StockItem.SoldAtPos():
            on_hand = max(on_hand - e.quantity, 0)
    return msgspec.structs.replace(before, on_hand=on_hand, reserved=reserved)


def _order_placed(order_id: UUID, e: Any, _: object) -> Data:
    return OrderPlaced(
        order_id=order_id,
        customer_id=e.customer_id,
        channel=e.channel.value,
        fulfillment=e.fulfillment.method.value,
        location_id=e.fulfillment.location_id,
        lines=[
            Line(sku=x.sku, quantity=x.quantity, unit_price=after_sales.amount(x.unit_price))
            for x in e.lines
        ],
        total=after_sales.amount(e.total),
        placed_at=e.placed_at,
    )


def _order_cancelled(order_id: UUID, e: Any, _: object) -> Data:
    return OrderCancelled(order_id=order_id, reason=e.reason, cancelled_at=e.at)


def _pickup(pickup_id: UUID, origin: Any) -> dict[str, Any]:
    if not isinstance(origin, Pickup.Requested):
        raise LookupError(f"pickup {pickup_id}: its Requested event is missing")
    return {
        "pickup_id": pickup_id,
        "order_id": origin.order_id,
        "store_id": origin.store_id,
        "customer_id": origin.customer_id,
    }


def _pickup_ready(pickup_id: UUID, e: Any, origin: Any) -> Data:
    return PickupReady(
        **_pickup(pickup_id, origin),
        shelf_spot=e.shelf_spot,
        ready_at=e.at,
        collect_by=e.collect_by,
    )


def _pickup_collected(pickup_id: UUID, e: Any, origin: Any) -> Data:
    return PickupCollected(**_pickup(pickup_id, origin), collected_at=e.at)


def _pickup_not_collected(pickup_id: UUID, e: Any, origin: Any) -> Data:
    return PickupNotCollected(**_pickup(pickup_id, origin), expired_at=e.at)


MAPPERS: dict[type, Callable[[UUID, Any, Any], Data]] = {
    Order.Placed: _order_placed,
    Order.Cancelled: _order_cancelled,
    Order.Shipped: lambda order_id, e, _: OrderShipped(
        order_id=order_id,
        carrier=e.carrier,
        tracking_number=e.tracking_number,
        shipped_at=e.at,
    ),
    Cart.Abandoned: lambda cart_id, e, _: CartAbandoned(cart_id=cart_id, abandoned_at=e.at),
    Pickup.ReadyForPickup: _pickup_ready,
    Pickup.Collected: _pickup_collected,
    Pickup.NotCollected: _pickup_not_collected,
    Return.Received: after_sales.return_received,
    Return.Refunded: after_sales.return_refunded,
    Sale.Recorded: after_sales.sale_recorded,
    ServiceCase.Resolved: after_sales.case_resolved,
    CustomerProfile.Erased: lambda _, e, __: CustomerErased(
        customer_id=e.customer_id, erased_at=e.at
    ),
}

TYPES: dict[type[Data], EventType] = {
    OrderPlaced: EventType.ORDER_PLACED,
    OrderCancelled: EventType.ORDER_CANCELLED,
    OrderShipped: EventType.ORDER_SHIPPED,
    CartAbandoned: EventType.CART_ABANDONED,
    PickupReady: EventType.PICKUP_READY,
    PickupCollected: EventType.PICKUP_COLLECTED,
    PickupNotCollected: EventType.PICKUP_NOT_COLLECTED,
    ReturnReceived: EventType.RETURN_RECEIVED,
    ReturnRefunded: EventType.RETURN_REFUNDED,
    SaleRecorded: EventType.SALE_RECORDED,
    ServiceCaseResolved: EventType.SERVICE_CASE_RESOLVED,
    CustomerErased: EventType.CUSTOMER_ERASED,
}


def _type_of(data: Data) -> EventType:
    return TYPES[type(data)]
