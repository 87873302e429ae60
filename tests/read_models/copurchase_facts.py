"""A fixed history of baskets for the co-purchase specs and the end-to-end test's hand counts:
web orders, till sales (one anonymous), a cancelled order, and the stock at Amsterdam Zuid; and
the facts that may follow an order: a line short at picking, a refunded return.

Bought together with RETRO-CLOCK: LAVA-LAMP 3 times (orders 1 and 2, sale 3), DESK-FAN once
(order 1; order 5 was cancelled), TEA-KETTLE once (sale 3), VINYL-PLAYER once (sale 4),
PAPER-LANTERN once (sale 4; discontinued).
"""

from __future__ import annotations

from domain.order.model import Order, OrderLine
from domain.ports import Product
from domain.returns.model import Return, ReturnChannel, ReturnLine
from domain.sale.model import Sale, SaleLine
from domain.stock.model import StockItem
from domain.values import Money, stock_item_id
from tests.projection_spec import Fact, Stream
from tests.read_models.facts import LAPTOP, TILL, order_placed, stream, t

MORE_PRODUCTS = [
    Product(sku="DESK-FAN", name="Desk fan", price=Money.of("19.00")),
    Product(sku="TEA-KETTLE", name="Tea kettle", price=Money.of("29.00")),
    Product(sku="PAPER-LANTERN", name="Paper lantern", price=Money.of("9.00"), discontinued=True),
]
PRICE = Money.of("10.00")


def lines(*skus: str) -> list[OrderLine]:
    return [OrderLine(f"L{n}", sku, 1, PRICE) for n, sku in enumerate(skus, start=1)]


def ordered(number: int, customer_id: str | None, *skus: str, at: float = 0) -> Fact:
    return ordered_lines(number, customer_id, lines(*skus), at)


def ordered_lines(number: int, customer_id: str | None, lines: list[OrderLine], at: float) -> Fact:
    return order_placed(stream(200 + number, LAPTOP), stream(300 + number).id,
                        lines, t(at), customer_id)  # fmt: skip


def short(number: int, line_id: str, sku: str, quantity: int, at: float) -> Fact:
    """Order `number`'s line was short at picking by `quantity` units: cancelled, owed back."""
    return stream(200 + number, LAPTOP).recorded(
        Order.LineCancelled,
        line_id=line_id,
        sku=sku,
        quantity=quantity,
        amount_due_back=PRICE.times(quantity),
        reason="shelf short",
        at=t(at),
    )


def refunded_return(number: int, customer_id: str, sku: str, at: float) -> list[Fact]:
    """One unit of `sku` from order `number` brought back at Zuid and refunded."""
    item = stream(500 + number, TILL)
    return [
        item.recorded(Return.Requested, order_id=stream(200 + number).id, customer_id=customer_id,
                      lines=[ReturnLine(sku, 1, PRICE)], reason="did not fit",
                      channel=ReturnChannel.STORE, requested_at=t(at), sale_id=None),
        item.recorded(Return.Received, location_id="AMS-ZUID", at=t(at + 1)),
        item.recorded(Return.Refunded, amount=PRICE, reference="refund-1", at=t(at + 2)),
    ]  # fmt: skip


def sold(number: int, customer_id: str | None, *skus: str, at: float = 0) -> Fact:
    return stream(400 + number, TILL).recorded(
        Sale.Recorded,
        store_id="AMS-ZUID",
        till_id="till-1",
        sale_number=f"{number:06d}",
        lines=[SaleLine(sku, 1, PRICE) for sku in skus],
        total=PRICE.times(len(skus)),
        payment_reference=None,
        customer_id=customer_id,
        sold_at=t(at),
    )


def cancelled(number: int, at: float) -> Fact:
    order = stream(200 + number, LAPTOP)
    return order.recorded(Order.Cancelled, reason="changed my mind", at=t(at))


def baskets() -> list[Fact]:
    return [
        ordered(1, "cust-bo", "RETRO-CLOCK", "LAVA-LAMP", "DESK-FAN", at=1),
        ordered(2, "cust-cy", "LAVA-LAMP", "RETRO-CLOCK", at=2),
        sold(3, None, "RETRO-CLOCK", "LAVA-LAMP", "TEA-KETTLE", at=3),
        sold(4, "cust-di", "RETRO-CLOCK", "VINYL-PLAYER", "PAPER-LANTERN", at=4),
        ordered(5, "cust-ed", "RETRO-CLOCK", "DESK-FAN", at=5),
        cancelled(5, at=6),
        sold(6, "cust-ada", "LAVA-LAMP", "TEA-KETTLE", at=7),
    ]


def stocked(location_id: str, sku: str, quantity: int) -> list[Fact]:
    item = Stream(stock_item_id(location_id, sku))
    facts = [item.recorded(StockItem.Created, location_id=location_id, sku=sku)]
    if quantity:
        facts.append(item.recorded(StockItem.Received, quantity=quantity, reference="delivery-1"))
    return facts


def zuid_stock() -> list[Fact]:
    """Everything at Zuid but the desk fan (none) and the vinyl player (none)."""
    levels = {"RETRO-CLOCK": 5, "LAVA-LAMP": 5, "TEA-KETTLE": 5, "VINYL-PLAYER": 0,
              "DESK-FAN": 0, "PAPER-LANTERN": 5}  # fmt: skip
    return [fact for sku, units in levels.items() for fact in stocked("AMS-ZUID", sku, units)]
