"""The vocabulary of the read-model specs: times, devices, prices, and the facts whose events
carry many fields (a cart started, an order placed, a pickup requested) in one line each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.cart.model import Cart
from domain.customer.model import CartBecameCurrentBecause, CustomerCarts
from domain.order.model import Fulfillment, FulfillmentMethod, Order, OrderLine
from domain.pickup.model import Pickup, PickupLine
from domain.values import Actor, ActorKind, Channel, Context, Money, customer_carts_id
from tests.projection_spec import Fact, Stream

# Monday 2 November 2026, 09:00 UTC: 10:00 in the Amsterdam stores.
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def t(minutes: float) -> datetime:
    """A business time (the service clock's), `minutes` after T0."""
    return T0 + timedelta(minutes=minutes)


def days(count: float) -> timedelta:
    return timedelta(days=count)


ADA = Actor(ActorKind.CUSTOMER, "cust-ada")
LAPTOP = Context(channel=Channel.WEB, device_id="laptop-ada", actor=ADA)
PHONE = Context(channel=Channel.MOBILE, device_id="phone-ada", actor=ADA)
TILL = Context(
    channel=Channel.POS,
    device_id="till-1",
    actor=Actor(ActorKind.POS_TERMINAL, "till-1", ("AMS-ZUID",)),
)
SCHEDULER = Context(channel=Channel.SYSTEM)

PRICES = {
    "RETRO-CLOCK": Money.of("24.95"),
    "LAVA-LAMP": Money.of("39.00"),
    "VINYL-PLAYER": Money.of("149.00"),
}
CENTRAAL_PICKUP = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
WAREHOUSE_SHIPPING = Fulfillment(FulfillmentMethod.SHIP, "WH-NL")


def stream(number: int, context: Context = LAPTOP) -> Stream:
    """A stream with a readable id: 00000000-...-<number>."""
    return Stream(UUID(int=number), context)


def cart_started(
    cart: Stream, at: datetime, customer_id: str | None = None, currency: str = "EUR"
) -> Fact:
    """A cart started on the channel and device of its stream's context."""
    channel, device_id = cart.context.channel, cart.context.device_id
    return cart.recorded(
        Cart.Created,
        channel=channel,
        device_id=device_id,
        customer_id=customer_id,
        currency=currency,
        at=at,
    )


def line_added(
    cart: Stream, sku: str, quantity: int, at: datetime, context: Context | None = None
) -> Fact:
    """At the catalog's price."""
    return cart.recorded(
        Cart.LineAdded,
        sku=sku,
        quantity=quantity,
        unit_price=PRICES[sku],
        at=at,
        context=context,
    )


# The stream that names Ada's current cart (the write side's decision).
ADAS_CARTS = Stream(customer_carts_id("cust-ada"), LAPTOP)


def became_current(cart: Stream, at: float, because: CartBecameCurrentBecause) -> Fact:
    return ADAS_CARTS.recorded(
        CustomerCarts.CartBecameCurrent, cart_id=cart.id, because=because, at=t(at)
    )


def adas_first_cart(cart: Stream, at: float) -> list[Fact]:
    """Ada starts a cart while she has no customer stream: both written in one append."""
    return [
        cart_started(cart, t(at), "cust-ada"),
        ADAS_CARTS.recorded(
            CustomerCarts.Created, customer_id="cust-ada", adopted_cart_id=None, at=t(at)
        ),
        became_current(cart, at, CartBecameCurrentBecause.STARTED),
    ]


def order_lines(**quantities: int) -> list[OrderLine]:
    """`RETRO_CLOCK=2` is two clocks; lines numbered L1, L2, ... in the order given."""
    return [
        OrderLine(f"L{n}", sku.replace("_", "-"), quantity, PRICES[sku.replace("_", "-")])
        for n, (sku, quantity) in enumerate(quantities.items(), start=1)
    ]


def order_placed(
    order: Stream,
    cart_id: UUID,
    lines: list[OrderLine],
    at: datetime,
    customer_id: str | None = "cust-ada",
    fulfillment: Fulfillment = CENTRAAL_PICKUP,
) -> Fact:
    total = sum((line.subtotal for line in lines), Money.zero())
    return order.recorded(
        Order.Placed,
        cart_id=cart_id,
        customer_id=customer_id,
        channel=order.context.channel,
        lines=lines,
        currency="EUR",
        total=total,
        fulfillment=fulfillment,
        placed_at=at,
    )


def pickup_requested(
    pickup: Stream,
    order_id: UUID,
    lines: list[OrderLine],
    at: datetime,
    promised_within: int = 60,
    store_id: str = "AMS-CENTRAAL",
    customer_id: str | None = "cust-ada",
) -> Fact:
    """Promised ready `promised_within` minutes after it was placed."""
    return pickup.recorded(
        Pickup.Requested,
        order_id=order_id,
        store_id=store_id,
        customer_id=customer_id,
        lines=[PickupLine(line.line_id, line.sku, line.quantity) for line in lines],
        placed_at=at,
        promised_ready_at=at + timedelta(minutes=promised_within),
        window_days=7,
    )
