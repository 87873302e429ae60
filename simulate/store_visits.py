"""In the store: a till sells (to a walk-in, or to a customer who shows a loyalty card or their
app's token), and returns come back at a counter or by post, each settled by the staff of the
location that receives them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from itertools import count

from simulate.client import Device
from simulate.points import points_to_pay
from simulate.shopping import Order, Sim
from simulate.staff import settle_return
from simulate.tally import Purchase, ReturnRecord
from simulate.world import Shopper

SALE = """mutation($id: String!, $lines: [SaleLineInput!]!, $loyalty: String, $me: String,
  $pay: String, $points: Int) { recordPosSale(saleId: $id, lines: $lines, loyaltyId: $loyalty,
  customerToken: $me, paymentReference: $pay, redeemPoints: $points) {
  receipt customerId position userErrors { code message } } }"""
RETURN = """mutation($lines: [SkuQuantity!]!, $via: ReturnChannel!, $order: UUID,
  $receipt: String) { requestReturn(lines: $lines, reason: "changed my mind", via: $via,
  orderId: $order, receipt: $receipt) { returnId position userErrors { code message } } }"""
_sale_numbers = count(1)


@dataclass
class Sale:
    receipt: str
    store: str
    lines: list[tuple[str, int]]
    customer: str | None


async def till_sale(
    sim: Sim,
    store: str,
    rng: random.Random,
    shopper: Shopper | None = None,
    app: str = "",
    with_points: float = 0.0,
) -> Sale | None:
    """One to two products off the shelf; the shopper scans a card or their app, or neither,
    and (with a balance, `with_points` of the time) pays part of it with points."""
    skus = rng.sample(sim.world.skus, rng.randint(1, 2))
    lines = [(sku, 1) for sku in skus]
    if not sim.ledger.claim(store, lines):
        return None
    value = sum((sim.world.prices[sku] * units for sku, units in lines), Decimal("0.00"))
    who = shopper.id if shopper and (app or shopper.loyalty_id) else None  # identified
    points = points_to_pay(sim.points, who, value, rng, with_points) if who else 0
    till = sim.api.token("pos", f"sim-till-{store}", store)
    number = f"sim-{sim.world.run}-{next(_sale_numbers):05d}"
    loyalty = shopper.loyalty_id if shopper and not app else None
    sold = await sim.api.mutate(
        "recordPosSale",
        SALE,
        till,
        id=number,
        loyalty=loyalty,
        me=app or None,
        lines=[{"sku": sku, "quantity": units} for sku, units in lines],
        pay=f"card-{number}" if rng.random() < 0.7 else None,
        points=points or None,
    )
    sim.ledger.sold(store, lines)
    customer = sold["customerId"]
    if customer is None:
        sim.tally.anonymous_sales += 1
    else:
        sim.tally.purchases[sold["receipt"]] = Purchase(customer, "POS", value)
        paid = value - (
            sim.points.redeemed(customer, points, "sale", sold["receipt"], value)
            if points
            else Decimal("0.00")
        )
        sim.points.earned(customer, sold["receipt"], paid)  # a till sale is paid when recorded
    return Sale(sold["receipt"], store, lines, customer)


async def return_order_in_store(sim: Sim, order: Order, store: str, rng: random.Random) -> None:
    """Bought online, brought back to a store's counter: a cross-channel return."""
    sku, _ = order.lines[0]
    till = sim.api.token("pos", f"sim-till-{store}", store)
    returned = await sim.api.mutate(
        "requestReturn",
        RETURN,
        till,
        lines=[{"sku": sku, "quantity": 1}],
        via="STORE",
        order=order.order_id,
    )
    record = _record(sim, "STORE", True, order.journey.customer, sku, order.order_id)
    order.journey.returned_in_store = True
    await _settle(
        sim,
        store,
        returned["returnId"],
        [(sku, 1)],
        record,
        damaged=rng.random() < 0.2,
    )


async def return_order_online(
    sim: Sim, order: Order, token: str, device: Device, rng: random.Random
) -> None:
    """Sent back from the web shop to the warehouse."""
    sku, _ = order.lines[0]
    returned = await sim.api.mutate(
        "requestReturn",
        RETURN,
        token,
        device,
        lines=[{"sku": sku, "quantity": 1}],
        via="WEB",
        order=order.order_id,
    )
    record = _record(sim, "WEB", False, order.journey.customer, sku, order.order_id)
    await sim.clock.sleep(minutes=rng.uniform(90, 240))  # in the post
    await _settle(
        sim,
        sim.world.warehouse,
        returned["returnId"],
        [(sku, 1)],
        record,
        damaged=False,
    )


async def return_sale(sim: Sim, sale: Sale, rng: random.Random, by_mail: str | None = None) -> None:
    """A till sale comes back by its receipt: at the store's counter, or (with the customer's
    own token) by post to the warehouse, which is a cross-channel return."""
    sku, _ = sale.lines[0]
    lines = [{"sku": sku, "quantity": 1}]
    if by_mail:
        returned = await sim.api.mutate(
            "requestReturn", RETURN, by_mail, lines=lines, via="MAIL", receipt=sale.receipt
        )
        record = _record(sim, "MAIL", True, sale.customer, sku, sale.receipt)
        await sim.clock.sleep(minutes=rng.uniform(90, 240))
        location = sim.world.warehouse
    else:
        till = sim.api.token("pos", f"sim-till-{sale.store}", sale.store)
        returned = await sim.api.mutate(
            "requestReturn", RETURN, till, lines=lines, via="STORE", receipt=sale.receipt
        )
        record = _record(sim, "STORE", False, sale.customer, sku, sale.receipt)
        location = sale.store
    await _settle(
        sim,
        location,
        returned["returnId"],
        [(sku, 1)],
        record,
        damaged=rng.random() < 0.2,
    )


async def _settle(
    sim: Sim,
    location: str,
    return_id: str,
    lines: list[tuple[str, int]],
    record: ReturnRecord,
    damaged: bool,
) -> None:
    """Settled by the receiving location's staff; the refund splits between money and points
    as the purchase was paid, and its money part takes back the purchase's points earned in
    proportion."""
    await settle_return(sim.api, sim.ledger, location, return_id, lines, record, damaged)
    if record.refunded and record.customer:
        record.money, _, _ = sim.points.refunded(record.customer, record.source, record.refund)


def _record(
    sim: Sim, channel: str, cross: bool, customer: str | None, sku: str, source: str
) -> ReturnRecord:
    """A return the server accepted: one unit, refunded at the price paid (the simulation
    sells at catalog prices), of an order (its id) or a till sale (its receipt)."""
    record = ReturnRecord(channel, cross, customer, refund=sim.world.prices[sku], source=source)
    sim.tally.returns.append(record)
    return record
