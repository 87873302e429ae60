"""One loyalty ledger across the web, the app and the tills, end to end: two real API
processes (`running_cluster`) and a projection worker on one schema, everything over HTTP as a
browser, two tills and the store's staff would.

- points earned on the web (at collection), redeemed at a till, reversed on a refund, with the
  balance exact at every step, and a reversal beyond the balance recorded as owed;
- two tills and the web redeeming the same points at once never overdraw;
- bad input (more than the balance, no points, negative, nobody to redeem for) is a typed error
  and changes nothing; who may not redeem or read points is refused.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from decimal import Decimal
from itertools import cycle
from typing import Any

import httpx
import pytest

from adapters.postgres.database import Database
from adapters.settings import Settings
from api.auth import Role
from bench.harness.cluster import Cluster, gql, running_cluster
from bench.harness.server_process import ROOT
from domain.loyalty.model import loyalty_account_id
from domain.ports import Position

STORE = "AMS-CENTRAAL"
PAYLOAD = "position userErrors { code field }"
START = "mutation { startCart { cartId cartToken } }"
ADD = f"""mutation($cart: UUID!, $sku: String!, $qty: Int!) {{
  addToCart(cartId: $cart, sku: $sku, quantity: $qty) {{ {PAYLOAD} }} }}"""
CHECKOUT = f"""mutation($cart: UUID!, $points: Int) {{ checkout(input: {{cartId: $cart,
  method: PICKUP, locationId: "{STORE}", paymentToken: "tok-visa", redeemPoints: $points}})
  {{ orderId pickupId total {{ amount }} {PAYLOAD} }} }}"""
SALE = f"""mutation($id: String!, $lines: [SaleLineInput!]!, $shopper: String, $points: Int) {{
  recordPosSale(saleId: $id, lines: $lines, customerToken: $shopper, redeemPoints: $points) {{
    receipt total {{ amount }} pointsRedeemed pointsEarned {PAYLOAD} }} }}"""
LOYALTY = """query($after: String) { me(consistentWith: $after) { loyalty {
  balance owed earned redeemed reversed restored value { amount }
  history { kind points balanceChange owedChange source } } } }"""
TIMELINE = """query($after: String) { me(consistentWith: $after) {
  timeline(first: 3) { nodes { kind summary } } } }"""
STOCK = """query($sku: String!, $after: String) { storeStock(locationId: "AMS-CENTRAAL",
  skus: [$sku], consistentWith: $after) { nodes { onHand } } }"""
TILL_VIEW = """query($value: String!) { tillShopper(by: LOYALTY_ID, value: $value) {
  customerId loyalty { balance owed } } }"""
START_PICKING = f"mutation($id: UUID!) {{ startPicking(pickupId: $id) {{ {PAYLOAD} }} }}"
READY = f"""mutation($id: UUID!) {{ markReady(pickupId: $id, shelfSpot: "L1") {{ {PAYLOAD} }}
}}"""
CODE = """query($id: UUID!, $after: String) { order(id: $id, consistentWith: $after) {
  pickup { pickupCode } } }"""
COLLECT = f"""mutation($id: UUID!, $code: String!) {{
  collectPickup(pickupId: $id, code: $code) {{ {PAYLOAD} }} }}"""
ASK_RETURN = f"""mutation($id: UUID!, $sku: String!) {{ requestReturn(orderId: $id,
  lines: [{{sku: $sku, quantity: 1}}], reason: "too bright", via: WEB) {{ returnId {PAYLOAD} }}
}}"""
RECEIVE = f"""mutation($id: UUID!) {{ receiveReturn(returnId: $id, locationId: "{STORE}") {{
  {PAYLOAD} }} }}"""
INSPECT = f"""mutation($id: UUID!, $sku: String!) {{ inspectReturn(returnId: $id,
  results: [{{sku: $sku, resellable: 1, damaged: 0}}]) {{ {PAYLOAD} }} }}"""
REFUND = f"mutation($id: UUID!) {{ refundReturn(returnId: $id) {{ {PAYLOAD} }} }}"


@pytest.fixture(scope="module")
async def cluster(settings: Settings) -> AsyncIterator[Cluster]:
    async with running_cluster(settings, os.environ, apis=2, projection_workers=1) as cluster:
        yield cluster


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


async def raw(
    http: httpx.AsyncClient, base: str, query: str, token: str | None, **variables: Any
) -> dict[str, Any]:
    """The whole response body: data and GraphQL errors."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await http.post(
        f"{base}/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def one(data: dict[str, Any]) -> dict[str, Any]:
    return next(iter(data.values()))  # type: ignore[no-any-return]


async def web_order(
    cluster: Cluster, http: httpx.AsyncClient, customer: str, lines: dict[str, int]
) -> tuple[str, str]:
    """A customer's cart checked out for pickup through the first API: (order, pickup)."""
    base, token = cluster.apis[0], cluster.token(Role.CUSTOMER, customer)
    cart = one(await gql(http, base, START, token))["cartId"]
    for sku, qty in lines.items():
        assert (
            one(await gql(http, base, ADD, token, cart=cart, sku=sku, qty=qty))["userErrors"] == []
        )
    placed = one(await gql(http, base, CHECKOUT, token, cart=cart))
    assert placed["userErrors"] == [], placed
    return placed["orderId"], placed["pickupId"]


async def collect(
    cluster: Cluster, http: httpx.AsyncClient, customer: str, order: str, pickup: str
) -> str:
    """Picked, ready and handed over by the store's staff through the second API."""
    base, staff = cluster.apis[1], cluster.token(Role.STAFF, "staff-loy", STORE)
    assert one(await gql(http, base, START_PICKING, staff, id=pickup))["userErrors"] == []
    ready = one(await gql(http, base, READY, staff, id=pickup))
    token = cluster.token(Role.CUSTOMER, customer)
    seen = await gql(http, base, CODE, token, id=order, after=ready["position"])
    code = seen["order"]["pickup"]["pickupCode"]
    collected = one(await gql(http, base, COLLECT, staff, id=pickup, code=code))
    assert collected["userErrors"] == [], collected
    return collected["position"]  # type: ignore[no-any-return]


async def refund_one(
    cluster: Cluster, http: httpx.AsyncClient, customer: str, order: str, sku: str
) -> str:
    base = cluster.apis[0]
    token, staff = cluster.token(Role.CUSTOMER, customer), cluster.token(Role.STAFF, "s", STORE)
    asked = one(await gql(http, base, ASK_RETURN, token, id=order, sku=sku))
    assert asked["userErrors"] == [], asked
    return_id = asked["returnId"]
    for step, extra in ((RECEIVE, {}), (INSPECT, {"sku": sku}), (REFUND, {})):
        done = one(await gql(http, base, step, staff, id=return_id, **extra))
        assert done["userErrors"] == [], (step, done)
    return done["position"]  # type: ignore[no-any-return]


async def ledger(
    cluster: Cluster, http: httpx.AsyncClient, customer: str, after: str | None, api: int = 0
) -> dict[str, Any]:
    token = cluster.token(Role.CUSTOMER, customer)
    found = await gql(http, cluster.apis[api], LOYALTY, token, after=after)
    return found["me"]["loyalty"]  # type: ignore[no-any-return]


async def till_sale(
    cluster: Cluster,
    http: httpx.AsyncClient,
    sale_id: str,
    lines: list[dict[str, Any]],
    customer: str | None,
    points: int | None = None,
    till: str = "till-a",
    api: int = 1,
) -> dict[str, Any]:
    token = cluster.token(Role.POS, till, STORE)
    shopper = cluster.token(Role.CUSTOMER, customer) if customer else None
    body = await gql(
        http, cluster.apis[api], SALE, token, id=sale_id, lines=lines, shopper=shopper,
        points=points,
    )  # fmt: skip
    return one(body)


LAMP, PLAYER = {"sku": "LAVA-LAMP", "quantity": 1}, {"sku": "VINYL-PLAYER", "quantity": 1}


async def test_earned_on_the_web_redeemed_at_a_till_reversed_on_a_refund_to_the_point(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    who = "cust-ledger"
    order, pickup = await web_order(cluster, http, who, {"LAVA-LAMP": 2})  # 2 x 39.00
    earned_at = await collect(cluster, http, who, order, pickup)
    after_web = await ledger(cluster, http, who, earned_at, api=1)
    assert (after_web["balance"], after_web["owed"], after_web["earned"]) == (78, 0, 78)
    assert after_web["value"] == {"amount": "0.78"}

    # At a till, through the other process: 50 points pay 0.50 of 149.00; 148.50 earns 148.
    sold = await till_sale(cluster, http, "L-0001", [PLAYER], who, points=50)
    assert (sold["userErrors"], sold["pointsRedeemed"], sold["pointsEarned"]) == ([], 50, 148)
    after_till = await ledger(cluster, http, who, sold["position"])
    assert after_till["balance"] == 78 - 50 + 148

    # One lamp of two comes back: 39.00 of the 78.00 that earned 78 points takes back 39.
    refunded_at = await refund_one(cluster, http, who, order, "LAVA-LAMP")
    after_refund = await ledger(cluster, http, who, refunded_at)
    assert (after_refund["balance"], after_refund["owed"]) == (176 - 39, 0)
    assert [(m["kind"], m["points"], m["balanceChange"]) for m in after_refund["history"]] == [
        ("reversed", 39, -39),
        ("earned", 148, 148),
        ("redeemed", 50, -50),
        ("earned", 78, 78),
    ]
    assert after_refund["history"][0]["source"] == f"order:{order}"

    # Everything spent at the till, then the other lamp refunded: never below zero, owed.
    spent = await till_sale(cluster, http, "L-0002", [PLAYER], who, points=137)
    assert (spent["userErrors"], spent["pointsRedeemed"]) == ([], 137)
    earned_again = spent["pointsEarned"]  # 149.00 - 1.37 = 147.63: 147
    assert earned_again == 147
    await till_sale(cluster, http, "L-0003", [LAMP], who, points=147)  # earns 38 (39 - 1.47)
    last = await refund_one(cluster, http, who, order, "LAVA-LAMP")
    final = await ledger(cluster, http, who, last)
    assert (final["balance"], final["owed"]) == (0, 39 - 37)
    assert (final["earned"], final["redeemed"], final["reversed"]) == (
        78 + 148 + 147 + 37,
        50 + 137 + 147,
        39 + 39,
    )
    timeline = await gql(http, cluster.apis[0], TIMELINE, cluster.token(Role.CUSTOMER, who),
                         after=last)  # fmt: skip
    assert timeline["me"]["timeline"]["nodes"][0] == {
        "kind": "POINTS_REVERSED", "summary": "39 points taken back for a refund (2 owed)",
    }  # fmt: skip


async def test_two_tills_and_the_web_redeeming_the_same_points_at_once_never_overdraw(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    who = "cust-race-points"
    first = await till_sale(cluster, http, "R-0000", [LAMP, {"sku": "DESK-FAN", "quantity": 1}],
                            who)  # fmt: skip
    assert first["pointsEarned"] == 98  # 39.00 + 59.50
    token = cluster.token(Role.CUSTOMER, who)
    # The web checkout of their one open cart (a customer has one: a second startCart would
    # answer the same cart, and two checkouts of it race on the cart, not on the points).
    web = cluster.apis[0]
    cart = one(await gql(http, web, START, token))["cartId"]
    await gql(http, web, ADD, token, cart=cart, sku="RETRO-CLOCK", qty=1)

    # A lamp marked down to what 40 points pay: the money paid, nothing, earns nothing, so
    # no winner's earnings can make room for another (an order earns at collection).
    marked_down = [{**LAMP, "unitPrice": "0.40"}]

    async def at_till(number: int, till: str, api: int) -> dict[str, Any]:
        return await till_sale(cluster, http, f"R-{number:04}", marked_down, who, 40, till, api)

    async def on_the_web(base: str, cart: str) -> dict[str, Any]:
        return one(await gql(http, base, CHECKOUT, token, cart=cart, points=40))

    tills = cycle([("till-a", 0), ("till-b", 1)])
    racing = [at_till(n, *next(tills)) for n in range(1, 7)]
    racing.insert(3, on_the_web(web, cart))
    results = await asyncio.gather(*racing)

    won = [r for r in results if r["userErrors"] == []]
    lost = [r for r in results if r["userErrors"]]
    assert len(won) == 2, results  # 98 points pay for two redemptions of 40, never a third
    assert {e["code"] for r in lost for e in r["userErrors"]} == {"INSUFFICIENT_POINTS"}, results
    latest = max((r["position"] for r in won), key=Position.parse)
    found = await ledger(cluster, http, who, latest, api=1)
    assert all(not r.get("pointsEarned") for r in won)
    assert (found["balance"], found["redeemed"], found["owed"]) == (98 - 80, 80, 0)


async def test_bad_redemptions_are_typed_errors_and_change_nothing(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    who = "cust-careful"
    earned = await till_sale(cluster, http, "B-0000", [LAMP], who)
    before = await ledger(cluster, http, who, earned["position"])
    assert before["balance"] == 39
    stock = await gql(http, cluster.apis[0], STOCK, sku="VINYL-PLAYER", after=earned["position"])

    attempts = [
        (40, who, "INSUFFICIENT_POINTS"),  # one more than the balance
        (0, who, "INVALID_POINTS"),
        (-5, who, "INVALID_POINTS"),
        (10, None, "UNKNOWN_CUSTOMER"),  # an anonymous sale has no points to spend
    ]
    for number, (points, shopper, code) in enumerate(attempts, start=1):
        refused = await till_sale(cluster, http, f"B-{number:04}", [PLAYER], shopper, points)
        assert [e["code"] for e in refused["userErrors"]] == [code], (points, refused)
        assert refused["receipt"] is None and refused["position"] is None

    token = cluster.token(Role.CUSTOMER, who)
    cart = one(await gql(http, cluster.apis[0], START, token))["cartId"]
    await gql(http, cluster.apis[0], ADD, token, cart=cart, sku="RETRO-CLOCK", qty=1)
    too_many = one(await gql(http, cluster.apis[0], CHECKOUT, token, cart=cart, points=40))
    assert [e["code"] for e in too_many["userErrors"]] == ["INSUFFICIENT_POINTS"]
    worth_more = await till_sale(cluster, http, "B-0009", [{"sku": "RETRO-CLOCK", "quantity": 1}],
                                 who, 39)  # fmt: skip
    assert worth_more["pointsRedeemed"] == 39  # 0.39 of 24.95: fine
    guest = one(await gql(http, cluster.apis[0], START, None))
    await gql(http, cluster.apis[0], ADD, guest["cartToken"], cart=guest["cartId"],
              sku="RETRO-CLOCK", qty=1)  # fmt: skip
    as_guest = one(await gql(http, cluster.apis[0], CHECKOUT, guest["cartToken"],
                             cart=guest["cartId"], points=1))  # fmt: skip
    assert [e["code"] for e in as_guest["userErrors"]] == ["UNKNOWN_CUSTOMER"]

    after = await ledger(cluster, http, who, worth_more["position"])
    assert after["balance"] == 39 - 39 + 24  # only the sale that went through moved it
    assert [m["kind"] for m in after["history"]] == ["earned", "redeemed", "earned"]
    unchanged = await gql(http, cluster.apis[0], STOCK, sku="VINYL-PLAYER",
                          after=worth_more["position"])  # fmt: skip
    assert unchanged == stock  # no refused sale moved stock
    still_open = one(await gql(http, cluster.apis[0], CHECKOUT, token, cart=cart))
    assert still_open["userErrors"] == []  # the refused checkout closed nothing


async def test_only_tills_redeem_at_a_till_and_only_the_customer_reads_their_points(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    base = cluster.apis[0]
    ada = cluster.token(Role.CUSTOMER, "cust-ada")
    as_customer = await raw(http, base, SALE, ada, id="A-0001", lines=[LAMP], shopper=ada,
                            points=1)  # fmt: skip
    assert as_customer["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    picker = cluster.token(Role.STAFF, "staff-pick", STORE)
    as_staff = await raw(http, base, SALE, picker, id="A-0002", lines=[LAMP], shopper=ada,
                         points=1)  # fmt: skip
    assert as_staff["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    till = cluster.token(Role.POS, "till-a", STORE)
    mine = await raw(http, base, LOYALTY, till, after=None)
    assert mine["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    other = 'query { customer(id: "cust-ada") { loyalty { balance } } }'
    assert (await raw(http, base, other, till))["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    assert (await raw(http, base, other, cluster.token(Role.CUSTOMER, "cust-grace")))["errors"]
    # Another customer's cart cannot be checked out with anyone's points.
    cart = one(await gql(http, base, START, ada))["cartId"]
    await gql(http, base, ADD, ada, cart=cart, sku="RETRO-CLOCK", qty=1)
    grace = cluster.token(Role.CUSTOMER, "cust-grace")
    stolen = await raw(http, base, CHECKOUT, grace, cart=cart, points=1)
    refusal = stolen.get("errors") or one(stolen["data"])["userErrors"]
    assert "NOT_ALLOWED" in str(refusal)
    # A till sees the points of the shopper whose card it scanned.
    sold = await till_sale(cluster, http, "A-0003", [LAMP], "cust-ada")
    seen = await gql(http, base, TILL_VIEW, till, value="LOYAL-0001")
    assert seen["tillShopper"]["customerId"] == "cust-ada"
    assert seen["tillShopper"]["loyalty"]["balance"] >= sold["pointsEarned"] == 39
    assert Decimal(sold["total"]["amount"]) == Decimal("39.00")


async def test_points_expire_a_year_on_once_though_two_processes_tick(
    cluster: Cluster, http: httpx.AsyncClient, settings: Settings
) -> None:
    """Last in this module: its ticks run a year ahead, and fire every other rule due then."""
    who = "cust-expiring"
    sold = await till_sale(cluster, http, "X-0001", [LAMP], who)
    assert sold["pointsEarned"] == 39
    account = loyalty_account_id(who)
    database = await Database.open(settings, schema=cluster.schema, pool_size=2)
    try:
        for _ in range(100):  # the deadlines read model has the ledger's expiry
            due = await database.pool.fetchval(
                "SELECT due_at FROM deadlines WHERE aggregate_id = $1 AND kind = 'points_expiry'",
                account,
            )
            if due is not None:
                break
            await asyncio.sleep(0.1)
        assert due is not None
        a_year_on = (due + timedelta(minutes=1)).isoformat()
        env = {**cluster.env, "OMNI_CLOCK_START": a_year_on}
        ticks = [
            await asyncio.create_subprocess_exec(
                sys.executable, "-m", "api.cli", "tick", cwd=ROOT, env=env,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(2)
        ]  # fmt: skip
        outputs = await asyncio.gather(*(tick.communicate() for tick in ticks))
        assert [tick.returncode for tick in ticks] == [0, 0], outputs
        expired = await database.pool.fetchval(
            "SELECT count(*) FROM events WHERE stream_id = $1 AND topic LIKE '%Expired'", account
        )
        assert expired == 1
    finally:
        await database.close()
    token = cluster.token(Role.CUSTOMER, who)
    for _ in range(100):  # the read model follows
        found = (await gql(http, cluster.apis[0], LOYALTY, token, after=None))["me"]["loyalty"]
        if found["history"][0]["kind"] == "expired":
            break
        await asyncio.sleep(0.1)
    assert (found["balance"], found["history"][0]["points"]) == (0, 39)
