"""A cart as every channel sees it, from the cart continuity read model."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import UUID

import strawberry

from api.graphql.catalog.recommendations import Recommendation, recommend
from api.graphql.common import Money
from api.graphql.context import Info
from api.graphql.enums import CartStatus, Channel
from api.graphql.relay import Node, global_id
from domain.cart.code import cart_code
from domain.cart.model import Cart as CartState
from domain.cart.model import CartStatus as StateStatus
from projections.cart_continuity import CartLineView, CartTouch, CartView

# Where a cart built from a mutation's decided state finds its devices: the read model, once
# it shows the mutation's write (the cart aggregate does not keep who touched it).
TouchesLater = Callable[[], Awaitable[list[CartTouch]]]


@strawberry.type(description="A line of a cart: its SKU is its identity within the cart.")
class CartLine(Node):
    cart_id: UUID
    sku: str
    quantity: int
    unit_price: Money
    subtotal: Money

    @classmethod
    def of(cls, cart_id: UUID, line: CartLineView, currency: str) -> CartLine:
        return CartLine(
            id=global_id("CartLine", cart_id, line.sku),
            cart_id=cart_id,
            sku=line.sku,
            quantity=line.quantity,
            unit_price=Money(amount=line.unit_price, currency=currency),
            subtotal=Money(amount=line.subtotal, currency=currency),
        )


@strawberry.type(description="A device and channel that touched the cart, and when.")
class DeviceTouch:
    channel: Channel
    device_id: str | None = strawberry.field(
        description="None: writes on this channel that named no device (unknown), never "
        "counted as a device of their own."
    )
    first_at: datetime
    last_at: datetime
    touches: int


@strawberry.type
class Cart(Node):
    cart_id: UUID = strawberry.field(description="What `cart(id:)` and the mutations take.")
    customer_id: str | None
    status: CartStatus
    channel: Channel
    lines: list[CartLine]
    total: Money
    item_count: int
    order_id: UUID | None
    merged_into: UUID | None
    last_activity_at: datetime
    version: int = strawberry.field(
        description="The cart's version: with `streamId`, what checkout's expectedVersions "
        "takes for the cart, and a till's ringUpCart(cartVersion)."
    )
    stream_id: UUID = strawberry.field(
        description="The cart's stream: the cart's own id, as checkout's expectedVersions names it."
    )
    till_code: str = strawberry.field(
        description="What the shopper's app shows as a QR code for a till to continue this "
        "cart (tillShopper(by: CART_CODE))."
    )
    touches: strawberry.Private[list[CartTouch] | TouchesLater]

    @strawberry.field
    async def devices(self) -> list[DeviceTouch]:
        touches = self.touches if isinstance(self.touches, list) else await self.touches()
        return [
            DeviceTouch(
                channel=Channel(t.channel),
                device_id=t.device_id,
                first_at=t.first_at,
                last_at=t.last_at,
                touches=t.touches,
            )
            for t in touches
        ]

    @strawberry.field(
        description="Items bought together with what is in the cart or the customer bought "
        "before (any channel), none of those, in stock at `storeId` (default: where the "
        "customer last bought; none known: anywhere), best first, each with its reason."
    )
    async def recommendations(
        self, info: Info, first: int | None = None, store_id: str | None = None
    ) -> list[Recommendation]:
        skus = [line.sku for line in self.lines]
        return await recommend(info, self.customer_id, skus, store_id, first)

    @classmethod
    def of(cls, view: CartView, touches: TouchesLater | None = None) -> Cart:
        def money(amount: object) -> Money:
            return Money(amount=amount, currency=view.currency)  # type: ignore[arg-type]

        return cls(
            id=global_id("Cart", view.cart_id),
            cart_id=view.cart_id,
            customer_id=view.customer_id,
            status=CartStatus(view.status),
            channel=Channel(view.channel),
            lines=[CartLine.of(view.cart_id, line, view.currency) for line in view.lines],
            total=money(view.total),
            item_count=view.item_count,
            order_id=view.order_id,
            merged_into=view.merged_into,
            last_activity_at=view.last_activity_at,
            version=view.version,
            stream_id=view.cart_id,
            till_code=cart_code(view.cart_id),
            touches=view.touches if touches is None else touches,
        )

    @classmethod
    def decided(cls, state: CartState, touches: TouchesLater) -> Cart:
        """The cart as a mutation has just decided and saved it, field for field what the
        cart continuity read model will show once it applied the write: for an open cart,
        whose every event moved its last activity (a closed one's last event did not)."""
        assert state.status is StateStatus.OPEN
        return cls.of(view_of(state), touches)


def view_of(state: CartState) -> CartView:
    """The read model's row for an open cart, from the aggregate (devices left out)."""
    return CartView(
        cart_id=state.id,
        customer_id=state.customer_id,
        status=state.status.value,
        channel=state.channel.value,
        currency=state.currency,
        order_id=state.order_id,
        merged_into=state.merged_into,
        created_at=state.created_on,
        last_activity_at=state.last_active_at,
        version=state.version,
        lines=[
            CartLineView(
                line.sku,
                line.quantity,
                line.unit_price.amount,
                line.unit_price.amount * line.quantity,
            )
            for line in state.lines.values()
        ],
        touches=[],
    )
