"""GraphQL types: read models as the channels see them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import strawberry
from strawberry.types import Info

from projections import cart_continuity as carts
from projections import fulfillment_times as fulfillment
from projections import orders as order_views
from projections import store_inventory as inventory


@strawberry.type
class Money:
    amount: Decimal
    currency: str


@strawberry.type
class CartLine:
    sku: str
    quantity: int
    unit_price: Money
    subtotal: Money


@strawberry.type
class DeviceTouch:
    """A device and channel that touched the cart, and when."""

    channel: str
    device_id: str
    first_at: datetime
    last_at: datetime
    touches: int


@strawberry.type
class Cart:
    id: UUID
    customer_id: str | None
    status: str
    channel: str
    lines: list[CartLine]
    total: Money
    item_count: int
    devices: list[DeviceTouch]
    order_id: UUID | None
    merged_into: UUID | None
    last_activity_at: datetime

    @classmethod
    def of(cls, view: carts.CartView) -> Cart:
        def money(amount: Decimal) -> Money:
            return Money(amount=amount, currency=view.currency)

        return cls(
            id=view.cart_id,
            customer_id=view.customer_id,
            status=view.status,
            channel=view.channel,
            lines=[
                CartLine(
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=money(line.unit_price),
                    subtotal=money(line.subtotal),
                )
                for line in view.lines
            ],
            total=money(view.total),
            item_count=view.item_count,
            devices=[
                DeviceTouch(
                    channel=t.channel,
                    device_id=t.device_id,
                    first_at=t.first_at,
                    last_at=t.last_at,
                    touches=t.touches,
                )
                for t in view.touches
            ],
            order_id=view.order_id,
            merged_into=view.merged_into,
            last_activity_at=view.last_activity_at,
        )


@strawberry.type
class StockLevel:
    location_id: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    oversold: int
    discrepancy: int
    version: int
    updated_at: datetime

    @classmethod
    def of(cls, level: inventory.StockLevel) -> StockLevel:
        return cls(**{f: getattr(level, f) for f in level.__struct_fields__})


@strawberry.type
class StoreAvailability:
    location_id: str
    name: str
    available: int
    distance_km: float
    pickup_service_minutes: int


@strawberry.type
class OrderLine:
    line_id: str
    sku: str
    quantity: int
    unit_price: Money


@strawberry.type
class PickupLine:
    line_id: str
    sku: str
    quantity: int


@strawberry.type
class Pickup:
    id: UUID
    order_id: UUID
    store_id: str
    status: str
    lines: list[PickupLine]
    placed_at: datetime
    promised_ready_at: datetime
    picker_id: str | None
    picking_started_at: datetime | None
    ready_at: datetime | None
    collect_by: datetime | None
    shelf_spot: str | None
    notified_at: datetime | None
    finished_at: datetime | None
    seconds_to_promise: float
    overdue: bool
    pickup_code: strawberry.Private[str | None]

    @strawberry.field(description="The order behind the pickup (batched: one query per board).")
    async def order(self, info: Info) -> Order | None:
        view = await info.context["loaders"].orders.load(self.order_id)
        return Order.of(view) if view is not None else None

    @classmethod
    def of(cls, card: fulfillment.PickupCard, now: datetime) -> Pickup:
        return cls(
            id=card.pickup_id,
            order_id=card.order_id,
            store_id=card.store_id,
            status=card.status,
            lines=[
                PickupLine(line_id=line.line_id, sku=line.sku, quantity=line.quantity)
                for line in card.lines
            ],
            placed_at=card.placed_at,
            promised_ready_at=card.promised_ready_at,
            picker_id=card.picker_id,
            picking_started_at=card.picking_started_at,
            ready_at=card.ready_at,
            collect_by=card.collect_by,
            shelf_spot=card.shelf_spot,
            notified_at=card.notified_at,
            finished_at=card.finished_at,
            seconds_to_promise=card.seconds_to_promise(now),
            overdue=card.is_overdue(now),
            pickup_code=card.pickup_code,
        )


@strawberry.type
class Order:
    id: UUID
    customer_id: str | None
    status: str
    channel: str
    fulfillment: str
    location_id: str
    lines: list[OrderLine]
    total: Money
    amount_due_back: Money
    placed_at: datetime
    completed_at: datetime | None

    @strawberry.field(description="For pickup orders: where it stands, and the code once ready.")
    async def pickup(self, info: Info) -> CustomerPickup | None:
        card = await info.context["loaders"].pickups_by_order.load(self.id)
        if card is None:
            return None
        return CustomerPickup(
            status=card.status,
            store_id=card.store_id,
            promised_ready_at=card.promised_ready_at,
            shelf_spot=card.shelf_spot,
            collect_by=card.collect_by,
            pickup_code=card.pickup_code if card.status == "ready" else None,
        )

    @classmethod
    def of(cls, view: order_views.OrderView) -> Order:
        def money(amount: Decimal) -> Money:
            return Money(amount=amount, currency=view.currency)

        return cls(
            id=view.order_id,
            customer_id=view.customer_id,
            status=view.status,
            channel=view.channel,
            fulfillment=view.fulfillment,
            location_id=view.location_id,
            lines=[
                OrderLine(
                    line_id=line.line_id,
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=money(line.unit_price.amount),
                )
                for line in view.lines
            ],
            total=money(view.total),
            amount_due_back=money(view.amount_due_back),
            placed_at=view.placed_at,
            completed_at=view.completed_at,
        )


@strawberry.type
class CustomerPickup:
    """The customer's view of their pickup: the code only while it is ready."""

    status: str
    store_id: str
    promised_ready_at: datetime
    shelf_spot: str | None
    collect_by: datetime | None
    pickup_code: str | None


@strawberry.type
class OrderEdge:
    cursor: str
    node: Order


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class OrderConnection:
    edges: list[OrderEdge]
    page_info: PageInfo


@strawberry.type
class Board:
    store_id: str
    to_pick: list[Pickup]
    picking: list[Pickup]
    ready: list[Pickup]
    overdue: list[Pickup]
    collected_today: list[Pickup]
    not_collected: list[Pickup]

    @classmethod
    def of(cls, board: fulfillment.Board, now: datetime) -> Board:
        def cards(column: list[fulfillment.PickupCard]) -> list[Pickup]:
            return [Pickup.of(card, now) for card in column]

        return cls(
            store_id=board.store_id,
            to_pick=cards(board.to_pick),
            picking=cards(board.picking),
            ready=cards(board.ready),
            overdue=cards(board.overdue),
            collected_today=cards(board.collected_today),
            not_collected=cards(board.not_collected),
        )


@strawberry.type
class DurationStats:
    """Seconds."""

    p50: float | None
    p90: float | None
    max: float | None


@strawberry.type
class FulfillmentStats:
    store_id: str | None
    day: date
    pickups: int
    placed_to_ready: DurationStats
    ready_to_collected: DurationStats
    ready_within_promise: float | None

    @classmethod
    def of(cls, stats: fulfillment.FulfillmentStats) -> FulfillmentStats:
        def durations(t: fulfillment.TimeStats) -> DurationStats:
            return DurationStats(p50=t.p50, p90=t.p90, max=t.max)

        return cls(
            store_id=stats.store_id,
            day=stats.day,
            pickups=stats.pickups,
            placed_to_ready=durations(stats.placed_to_ready),
            ready_to_collected=durations(stats.ready_to_collected),
            ready_within_promise=stats.ready_within_promise,
        )


@strawberry.type
class ReturnLine:
    sku: str
    quantity: int
    unit_price: Money


@strawberry.type
class Return:
    id: UUID
    order_id: UUID
    status: str
    channel: str
    reason: str
    lines: list[ReturnLine]
    location_id: str | None
    refunded: Decimal | None
    requested_at: datetime

    @classmethod
    def of(cls, view: order_views.ReturnView) -> Return:
        return cls(
            id=view.return_id,
            order_id=view.order_id,
            status=view.status,
            channel=view.channel,
            reason=view.reason,
            lines=[
                ReturnLine(
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=Money(
                        amount=line.unit_price.amount, currency=line.unit_price.currency
                    ),
                )
                for line in view.lines
            ],
            location_id=view.location_id,
            refunded=view.refunded,
            requested_at=view.requested_at,
        )


@strawberry.type
class ProjectionStatus:
    name: str
    state: str
    position: str
    lag_events: int
    lag_seconds: float
    error: str | None
    failed_at: str | None
