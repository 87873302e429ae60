"""Points paid with, given back, end to end through real `omni serve` processes (the
cluster of test_e2e_loyalty.py): an order paid with 100 points and money, cancelled, gives the
100 points back exactly; an order paid with points and money, one of its two lamps returned,
refunds money and points in the proportion it was paid, to the cent and to the point."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from api.auth import Role
from bench.harness.cluster import Cluster, gql
from tests.api.test_e2e_loyalty import (
    ADD,
    CHECKOUT,
    INSPECT,
    PAYLOAD,
    PLAYER,
    RECEIVE,
    START,
    STORE,
    TIMELINE,
    cluster,
    collect,
    http,
    ledger,
    one,
    till_sale,
)

__all__ = ["cluster", "http"]  # the fixtures, shared with test_e2e_loyalty.py

CANCEL = f"""mutation($id: UUID!) {{ cancelOrder(orderId: $id, reason: "changed my mind") {{
  {PAYLOAD} }} }}"""
ASK_RETURN = f"""mutation($id: UUID!) {{ requestReturn(orderId: $id,
  lines: [{{sku: "LAVA-LAMP", quantity: 1}}], reason: "too bright", via: WEB) {{ returnId
  {PAYLOAD} }} }}"""
REFUND = f"""mutation($id: UUID!) {{ refundReturn(returnId: $id) {{
  return {{ refunded {{ amount }} }} {PAYLOAD} }} }}"""


async def order_paid_with(
    cluster: Cluster, http: httpx.AsyncClient, customer: str, points: int
) -> tuple[str, str, str]:
    """Two lamps (78.00) for pickup, `points` paying part: (order, pickup, position)."""
    base, token = cluster.apis[0], cluster.token(Role.CUSTOMER, customer)
    cart = one(await gql(http, base, START, token))["cartId"]
    added = one(await gql(http, base, ADD, token, cart=cart, sku="LAVA-LAMP", qty=2))
    assert added["userErrors"] == []
    placed = one(await gql(http, base, CHECKOUT, token, cart=cart, points=points))
    assert placed["userErrors"] == [], placed
    assert Decimal(placed["total"]["amount"]) == Decimal("78.00")
    return placed["orderId"], placed["pickupId"], placed["position"]


async def test_a_cancelled_order_gives_back_exactly_the_points_it_paid_with(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    who = "cust-cancels"
    earned = await till_sale(cluster, http, "PB-0001", [PLAYER], who)
    assert earned["pointsEarned"] == 149
    order, _, placed_at = await order_paid_with(cluster, http, who, 100)
    spent = await ledger(cluster, http, who, placed_at)
    assert (spent["balance"], spent["redeemed"]) == (49, 100)

    token = cluster.token(Role.CUSTOMER, who)
    cancelled = one(await gql(http, cluster.apis[1], CANCEL, token, id=order))
    assert cancelled["userErrors"] == [], cancelled

    back = await ledger(cluster, http, who, cancelled["position"])
    assert (back["balance"], back["owed"], back["redeemed"], back["restored"]) == (149, 0, 100, 100)
    newest = back["history"][0]
    assert (newest["kind"], newest["points"], newest["balanceChange"]) == ("restored", 100, 100)
    assert newest["source"] == f"order:{order}"
    timeline = await gql(http, cluster.apis[0], TIMELINE, token, after=cancelled["position"])
    assert {
        "kind": "POINTS_RESTORED",
        "summary": "100 points paid with given back on an order (its cancellation)",
    } in timeline["me"]["timeline"]["nodes"]

    again = one(await gql(http, cluster.apis[0], CANCEL, token, id=order))
    assert [e["code"] for e in again["userErrors"]] == ["ORDER_CLOSED"]
    still = await ledger(cluster, http, who, cancelled["position"])
    assert still["balance"] == 149  # given back once


async def refund_one_lamp(
    cluster: Cluster, http: httpx.AsyncClient, customer: str, order: str
) -> dict[str, Any]:
    base = cluster.apis[0]
    token, staff = cluster.token(Role.CUSTOMER, customer), cluster.token(Role.STAFF, "s", STORE)
    asked = one(await gql(http, base, ASK_RETURN, token, id=order))
    assert asked["userErrors"] == [], asked
    return_id = asked["returnId"]
    for step, extra in ((RECEIVE, {}), (INSPECT, {"sku": "LAVA-LAMP"})):
        done = one(await gql(http, base, step, staff, id=return_id, **extra))
        assert done["userErrors"] == [], (step, done)
    refunded = one(await gql(http, base, REFUND, staff, id=return_id))
    assert refunded["userErrors"] == [], refunded
    return refunded


async def test_a_returned_lamp_refunds_money_and_points_in_proportion(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    who = "cust-returns-points"
    await till_sale(cluster, http, "PB-0002", [PLAYER], who)  # 149 points
    # 78.00: 100 points pay 1.00, the card 77.00, which earns 77 at collection
    order, pickup, _ = await order_paid_with(cluster, http, who, 100)
    collected_at = await collect(cluster, http, who, order, pickup)
    paid = await ledger(cluster, http, who, collected_at)
    assert (paid["balance"], paid["earned"]) == (49 + 77, 149 + 77)

    # One lamp of two (39.00): half of each tender comes back, 38.50 money and 50 points;
    # half of the 77 points the money earned (38.5, rounded down: 38) is reversed.
    first = await refund_one_lamp(cluster, http, who, order)
    assert first["return"]["refunded"] == {"amount": "38.50"}
    after_one = await ledger(cluster, http, who, first["position"])
    assert after_one["balance"] == 49 + 77 + 50 - 38
    moves = [(m["kind"], m["points"], m["balanceChange"]) for m in after_one["history"][:2]]
    assert moves == [("reversed", 38, -38), ("restored", 50, 50)]

    # The other lamp: the rest of each, so nothing is lost or made over both refunds.
    second = await refund_one_lamp(cluster, http, who, order)
    assert second["return"]["refunded"] == {"amount": "38.50"}  # 77.00 in all: what was paid
    final = await ledger(cluster, http, who, second["position"])
    assert (final["balance"], final["owed"]) == (149, 0)  # the 100 back, the 77 reversed
    assert (final["redeemed"], final["restored"], final["reversed"]) == (100, 100, 77)
    assert final["earned"] == 149 + 77
