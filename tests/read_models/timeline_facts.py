"""Ada's business on every channel, as the timeline specs give it: a cart checked out for
pickup, the order paid and collected, a clock brought back, till sales."""

from __future__ import annotations

from domain.cart.model import Cart
from domain.order.model import Order
from domain.pickup.model import Pickup
from domain.returns.model import Return, ReturnChannel, ReturnLine
from domain.sale.model import Sale, SaleLine
from domain.values import Money
from tests.projection_spec import Fact
from tests.read_models.facts import (
    LAPTOP,
    PRICES,
    SCHEDULER,
    TILL,
    cart_started,
    order_lines,
    order_placed,
    pickup_requested,
    stream,
    t,
)
from tests.shop import STAFF

WEB = stream(1, LAPTOP)
ORDER, PICKUP, RETURN = stream(3, LAPTOP), stream(4, STAFF), stream(5, STAFF)
CLOCK, LAMP = PRICES["RETRO-CLOCK"], PRICES["LAVA-LAMP"]
LINES = order_lines(RETRO_CLOCK=2, LAVA_LAMP=1)  # 88.90 EUR


def collected_order() -> list[Fact]:
    """Ada's order to collect at Centraal, paid and handed over; then she brings a clock back."""
    ready = PICKUP.recorded(
        Pickup.ReadyForPickup, shelf_spot="A1", pickup_code="CODE01", at=t(30), collect_by=t(9000)
    )
    return [
        cart_started(WEB, t(0), "cust-ada"),
        WEB.recorded(Cart.CheckedOut, order_id=ORDER.id, at=t(10)),
        order_placed(ORDER, WEB.id, LINES, t(10)),
        ORDER.recorded(
            Order.PaymentAuthorized, reference="auth-1", amount=Money.of("88.90"), at=t(10)
        ),
        pickup_requested(PICKUP, ORDER.id, LINES, t(10)),
        PICKUP.recorded(Pickup.PickingStarted, staff_id="staff-bo", at=t(20)),
        ready,
        PICKUP.recorded(Pickup.CustomerNotified, channel="email", at=t(31), context=SCHEDULER),
        PICKUP.recorded(
            Pickup.Collected, staff_id="staff-bo", at=t(90), verified_code=True, proof=None
        ),
        ORDER.recorded(
            Order.PaymentCaptured,
            reference="capture-1",
            amount=Money.of("88.90"),
            at=t(90),
            context=STAFF,
        ),
        ORDER.recorded(Order.Completed, at=t(90), context=STAFF),
    ]


def returned_a_clock(at: float) -> list[Fact]:
    return [
        RETURN.recorded(
            Return.Requested,
            order_id=ORDER.id,
            customer_id="cust-ada",
            lines=[ReturnLine("RETRO-CLOCK", 1, CLOCK)],
            reason="too loud",
            channel=ReturnChannel.STORE,
            requested_at=t(at),
            sale_id=None,
            context=TILL,
        ),
        RETURN.recorded(Return.Received, location_id="AMS-ZUID", at=t(at + 1)),
        RETURN.recorded(
            Return.Refunded, amount=Money.of("24.95"), reference="refund-1", at=t(at + 2)
        ),
    ]


def sale(number: int, customer_id: str | None, at: float) -> Fact:
    till_sale = stream(100 + number, TILL)
    lines = [SaleLine("LAVA-LAMP", 1, LAMP), SaleLine("RETRO-CLOCK", 1, CLOCK)]
    return till_sale.recorded(
        Sale.Recorded,
        store_id="AMS-ZUID",
        till_id="till-1",
        sale_number=f"{number:06d}",
        lines=lines,
        total=Money.of("63.95"),
        payment_reference="card-4411",
        customer_id=customer_id,
        sold_at=t(at),
    )
