"""A store's pickups as staff work them: cards on the board, with the customer's first name
and the products' names; never the pickup code, which only the customer reads."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import segno
import strawberry

from api.graphql.checkout.types import Order, order_number
from api.graphql.context import Info
from api.graphql.enums import NotificationState, PickupStatus
from api.graphql.pickups.counter_types import CounterFields
from api.graphql.relay import Node, global_id
from projections.fulfillment_times import Board, PickupCard, heads


def label_qr(text: str) -> str:
    """A QR code of `text` as an SVG data URI (the pages' policy allows data: images)."""
    return str(segno.make_qr(text, error="m").svg_data_uri(scale=4, border=2))


@strawberry.type
class PickupLine:
    line_id: str
    sku: str
    quantity: int

    @strawberry.field(description="The product's name, from the catalog.")
    async def product_name(self, info: Info) -> str | None:
        products = await info.context.services.catalog.products([self.sku])
        product = products.get(self.sku)
        return product.name if product else None


@strawberry.type(description="Units of an order line the shelf could not supply.")
class ShortPick:
    line_id: str
    sku: str
    quantity_short: int


@strawberry.type(description="Whether the customer was told the pickup is ready, and how.")
class PickupNotification:
    state: NotificationState
    channel: str | None = strawberry.field(description="How they were told (NOTIFIED).")
    at: datetime | None = strawberry.field(
        description="When they were told (NOTIFIED), or when the last send failed (FAILED)."
    )
    reason: str | None = strawberry.field(description="Why the last send failed.")
    failed_attempts: int = strawberry.field(description="Sends that failed, retries included.")

    @classmethod
    def of(cls, card: PickupCard) -> PickupNotification:
        state = NotificationState(card.notification)
        told = state is NotificationState.NOTIFIED
        return cls(
            state=state,
            channel=card.notified_channel if told else None,
            at=card.notified_at if told else card.notice_failed_at,
            reason=card.notice_failure,
            failed_attempts=card.notice_attempts,
        )


@strawberry.type
class Pickup(Node, CounterFields):
    pickup_id: UUID = strawberry.field(description="What `pickup(id:)` and the mutations take.")
    order_id: UUID
    order_number: str
    store_id: str
    status: PickupStatus
    lines: list[PickupLine]
    short_picks: list[ShortPick]
    placed_at: datetime
    promised_ready_at: datetime
    picker_id: str | None
    assigned_to: str | None = strawberry.field(
        description="The staff member who took the card on the board (takePickup)."
    )
    picking_started_at: datetime | None
    ready_at: datetime | None
    collect_by: datetime | None
    shelf_spot: str | None
    notified_at: datetime | None
    notification: PickupNotification
    finished_at: datetime | None
    collected_by: str | None = strawberry.field(description="The staff member who handed over.")
    collection_proof: str | None
    seconds_to_promise: float = strawberry.field(description="Seconds; negative once late.")
    overdue: bool
    customer_id: strawberry.Private[str | None]

    @strawberry.field(description="The customer's first name, to call them at the counter.")
    async def customer_first_name(self, info: Info) -> str | None:
        if self.customer_id is None:
            return None
        customer = await info.context.loaders.customers.load(self.customer_id)
        return customer.first_name if customer else None

    @strawberry.field(
        description="The bag label's QR code, as an SVG data URI: it encodes the order number, "
        "which a scan at the board opens (never the pickup code, which is the customer's)."
    )
    def label_qr(self) -> str:
        return label_qr(self.order_number)

    @strawberry.field(description="The order behind the pickup (batched: one query per board).")
    async def order(self, info: Info) -> Order | None:
        view = await info.context.loaders.orders.load(self.order_id)
        return Order.of(view) if view is not None else None

    @classmethod
    def of(cls, card: PickupCard, now: datetime) -> Pickup:
        return cls(
            id=global_id("Pickup", card.pickup_id),
            pickup_id=card.pickup_id,
            order_id=card.order_id,
            order_number=order_number(card.order_id),
            store_id=card.store_id,
            status=PickupStatus(card.status),
            lines=[
                PickupLine(line_id=li.line_id, sku=li.sku, quantity=li.quantity)
                for li in card.lines
            ],
            short_picks=[
                ShortPick(line_id=s.line_id, sku=s.sku, quantity_short=s.quantity)
                for s in card.shorts
            ],
            placed_at=card.placed_at,
            promised_ready_at=card.promised_ready_at,
            picker_id=card.picker_id,
            assigned_to=card.assigned_to,
            picking_started_at=card.picking_started_at,
            ready_at=card.ready_at,
            collect_by=card.collect_by,
            shelf_spot=card.shelf_spot,
            notified_at=card.notified_at,
            notification=PickupNotification.of(card),
            finished_at=card.finished_at,
            collected_by=card.collected_by,
            collection_proof=card.collection_proof,
            seconds_to_promise=card.seconds_to_promise(now),
            overdue=card.is_overdue(now),
            customer_id=card.customer_id,
            card=card,
        )


@strawberry.type(
    description="How many pickups each column holds (all of them, however many "
    "were asked for with firstPerColumn)."
)
class BoardCounts:
    to_pick: int
    picking: int
    ready: int
    overdue: int
    collected_today: int
    not_collected: int
    arrived: int
    cancelled_today: int

    @classmethod
    def of(cls, board: Board) -> BoardCounts:
        return cls(
            to_pick=len(board.to_pick),
            picking=len(board.picking),
            ready=len(board.ready),
            overdue=len(board.overdue),
            collected_today=len(board.collected_today),
            not_collected=len(board.not_collected),
            arrived=len(board.arrived),
            cancelled_today=len(board.cancelled),
        )


@strawberry.type(description="A store's open pickups and today's finished ones, by column.")
class PickupBoard:
    store_id: str
    to_pick: list[Pickup]
    picking: list[Pickup]
    ready: list[Pickup]
    overdue: list[Pickup]
    collected_today: list[Pickup]
    not_collected: list[Pickup]
    arrived: list[Pickup] = strawberry.field(
        description="Open pickups whose customer is here (each also in its own column)."
    )
    cancelled_today: list[Pickup]
    as_of: datetime = strawberry.field(description="The clock the ages were computed against.")
    counts: BoardCounts = strawberry.field(description="Every column's size, all cards counted.")

    @classmethod
    def of(cls, board: Board, now: datetime, first: int | None = None) -> PickupBoard:
        def cards(column: list[PickupCard]) -> list[Pickup]:
            return [Pickup.of(card, now) for card in column]

        counts = BoardCounts.of(board)
        if first is not None:
            board = heads(board, first)

        return cls(
            store_id=board.store_id,
            to_pick=cards(board.to_pick),
            picking=cards(board.picking),
            ready=cards(board.ready),
            overdue=cards(board.overdue),
            collected_today=cards(board.collected_today),
            not_collected=cards(board.not_collected),
            arrived=cards(board.arrived),
            cancelled_today=cards(board.cancelled),
            as_of=now,
            counts=counts,
        )
