"""A cart as every channel sees it, from the cart continuity read model."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from api.graphql.common import Money
from api.graphql.enums import CartStatus, Channel
from api.graphql.relay import Node, global_id
from domain.cart.code import cart_code
from projections.cart_continuity import CartLineView, CartView


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
    devices: list[DeviceTouch]
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

    @classmethod
    def of(cls, view: CartView) -> Cart:
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
            devices=[
                DeviceTouch(
                    channel=Channel(t.channel),
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
            version=view.version,
            stream_id=view.cart_id,
            till_code=cart_code(view.cart_id),
        )
