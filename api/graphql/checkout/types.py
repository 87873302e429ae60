"""Orders as their customer and their store see them, from the orders read model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import UUID

import strawberry

from api.graphql.common import Money
from api.graphql.context import Info, path_of
from api.graphql.enums import Channel, FulfillmentMethod, OrderStatus, PickupStatus
from api.graphql.permissions import is_shopper
from api.graphql.relay import Node, global_id
from domain.order.model import Order as OrderState
from projections.fulfillment_times import PickupCard
from projections.orders import OrderView

# An order built from a mutation's decided state waits, before reading its pickup, until the
# pickup read model shows the mutation's write (the order aggregate holds no pickup card).
PickupWait = Callable[[], Awaitable[None]]


@strawberry.type
class OrderLine:
    line_id: str
    sku: str
    quantity: int
    unit_price: Money


def order_number(order_id: UUID) -> str:
    """What an associate reads aloud or types: the order id's first eight hex digits."""
    return order_id.hex[:8].upper()


@strawberry.type(
    description="The customer's view of their pickup: where, the window to collect it in, and "
    "the code to show at the counter (only while it is ready)."
)
class CustomerPickup:
    status: PickupStatus
    store_id: str
    promised_ready_at: datetime = strawberry.field(
        description="When the store promised to have it ready."
    )
    ready_at: datetime | None = strawberry.field(
        description="When it was ready: the pickup window opened."
    )
    collect_by: datetime | None = strawberry.field(
        description="The pickup window closes: not collected by then, the order is cancelled."
    )
    shelf_spot: str | None
    pickup_code: str | None = strawberry.field(
        description="For the order's customer only, while it is ready: staff never read it."
    )
    arrived_at: datetime | None = strawberry.field(
        description="When the customer said they are here (arriveForPickup)."
    )

    @strawberry.field(description="The store's name, as its sign reads.")
    async def store_name(self, info: Info) -> str | None:
        store = await info.context.services.catalog.location(self.store_id)
        return store.name if store else None


@strawberry.type
class Order(Node):
    order_id: UUID = strawberry.field(description="What `order(id:)` and the mutations take.")
    order_number: str = strawberry.field(
        description='What the customer quotes and staff ask for ("Order F50BF4D4"): the '
        "first eight hex digits of the order id, upper case."
    )
    customer_id: str | None
    status: OrderStatus
    channel: Channel
    fulfillment: FulfillmentMethod
    location_id: str
    lines: list[OrderLine]
    total: Money
    amount_due_back: Money
    placed_at: datetime
    completed_at: datetime | None
    cart_id: strawberry.Private[UUID]
    pickup_wait: strawberry.Private[PickupWait | None] = None

    @strawberry.field(description="For pickup orders: where it stands (batched per request).")
    async def pickup(self, info: Info) -> CustomerPickup | None:
        if self.pickup_wait is not None:
            await self.pickup_wait()
        card = await info.context.loaders.pickups_by_order.load(self.order_id)
        if card is None:
            return None
        info.context.flag_parked(("fulfillment_times",), (card.pickup_id,), path_of(info))
        shopper = is_shopper(info.context.caller, self.customer_id, self.cart_id)
        return customer_pickup(card, show_code=shopper)

    @classmethod
    def of(cls, view: OrderView, pickup_wait: PickupWait | None = None) -> Order:
        def money(amount: object) -> Money:
            return Money(amount=amount, currency=view.currency)  # type: ignore[arg-type]

        return cls(
            id=global_id("Order", view.order_id),
            order_id=view.order_id,
            order_number=order_number(view.order_id),
            customer_id=view.customer_id,
            status=OrderStatus(view.status),
            channel=Channel(view.channel),
            fulfillment=FulfillmentMethod(view.fulfillment),
            location_id=view.location_id,
            lines=[
                OrderLine(
                    line_id=line.line_id,
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=Money.of(line.unit_price),
                )
                for line in view.lines
            ],
            total=money(view.total),
            amount_due_back=money(view.amount_due_back),
            placed_at=view.placed_at,
            completed_at=view.completed_at,
            cart_id=view.cart_id,
            pickup_wait=pickup_wait,
        )


def order_view_of(state: OrderState) -> OrderView:
    """The orders read model's row for an order, from the aggregate a mutation just saved."""
    return OrderView(
        order_id=state.id,
        customer_id=state.customer_id,
        cart_id=state.cart_id,
        channel=state.channel.value,
        status=state.status.value,
        fulfillment=state.fulfillment.method.value,
        location_id=state.fulfillment.location_id,
        lines=list(state.lines),
        currency=state.currency,
        total=state.total.amount,
        amount_due_back=state.amount_due_back.amount,
        placed_at=state.placed_at,
        completed_at=state.fulfilled_at,
        updated_at=state.modified_on,
    )


def customer_pickup(card: PickupCard, show_code: bool) -> CustomerPickup:
    status = PickupStatus(card.status)
    return CustomerPickup(
        status=status,
        store_id=card.store_id,
        promised_ready_at=card.promised_ready_at,
        ready_at=card.ready_at,
        collect_by=card.collect_by,
        shelf_spot=card.shelf_spot,
        pickup_code=card.pickup_code if show_code and status is PickupStatus.READY else None,
        arrived_at=card.arrived_at,
    )
