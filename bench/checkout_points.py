"""checkout-points: what redeeming points adds to a checkout's server time over HTTP, against a
real server process (issue 22: "< 15% of a checkout's server time, `bench api`, same run").

Untimed first: every shopper earns 149 points at a till (`recordPosSale` with their own
token), and each checkout gets a fresh cart of the same two lines. Then timed, in alternating
batches (plain, points, plain, ...) so drift and the shared machine's load fall on both alike:
`checkout` for pickup with a payment token, the same with `redeemPoints: 100`, one request at
a time on one keep-alive connection. The figures: the API process's CPU per checkout (its CPU
clock, to the nanosecond), the request's wall time, and, for information, the read models'
CPU in the projection worker (a process of its own here, so the API's figure is the
request's alone); medians over batches. Every checkout must succeed and every redemption show
in the shopper's ledger, or the run fails: a failure is never measured as a checkout.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole, TokenService
from bench.common import ratio_line, target_line
from bench.harness.cpu import cpu_clock_seconds, descendants, process_started_with
from bench.harness.server_process import running_server
from bench.http import Connection

CHECKOUTS = int(os.environ.get("BENCH_LOYALTY_HTTP_CHECKOUTS", "200"))  # of each kind
BATCH = 10  # checkouts in a timed batch
WARM = 2  # untimed checkouts of each kind first: documents, plans, pool, caches
POINTS, TARGET = 100, 1.15
STORE, LINES = "AMS-CENTRAAL", ("RETRO-CLOCK", "LAVA-LAMP")
EARNING = {"sku": "VINYL-PLAYER", "quantity": 1}  # 149.00 at a till: 149 points
SECRET = "bench-secret-of-at-least-thirty-two-bytes"
OVERRIDES = {  # as bench/api.py runs its server
    "OMNI_SECRET_KEY": SECRET,
    "OMNI_RUN_SCHEDULER": "false",
    "OMNI_ENVIRONMENT": "production",
    "OMNI_MASTER_KEY": "bench-master-key-of-at-least-thirty-two-bytes",
}
RECEIVE = """mutation($sku: String!, $units: Int!) { receiveStock(locationId: "AMS-CENTRAAL",
  sku: $sku, quantity: $units, reference: "bench-checkout-points") { userErrors { code } } }"""
SALE = """mutation($id: String!, $lines: [SaleLineInput!]!, $shopper: String) {
  recordPosSale(saleId: $id, lines: $lines, customerToken: $shopper) {
    pointsEarned position userErrors { code } } }"""
START = "mutation { startCart { cartId } }"
ADD = """mutation($cart: UUID!, $sku: String!) {
  addToCart(cartId: $cart, sku: $sku, quantity: 1) { userErrors { code } } }"""
# One document for both kinds: only the `points` variable differs.
CHECKOUT = """mutation($cart: UUID!, $points: Int) { checkout(input: {cartId: $cart,
  method: PICKUP, locationId: "AMS-CENTRAAL", paymentToken: "tok-visa", redeemPoints: $points})
  { orderId position userErrors { code } } }"""
LEDGER = """query($after: String) { me(consistentWith: $after) {
  loyalty { balance redeemed } } }"""


@dataclass(frozen=True)
class Batch:
    points: bool  # each checkout paid POINTS points
    checkouts: int
    server_cpu: float  # CPU seconds of the API process over the batch
    read_models_cpu: float  # of the projection worker
    latencies: tuple[float, ...]  # each request's wall seconds


@dataclass(frozen=True)
class Measured:
    batches: tuple[Batch, ...]
    # Points redeemed per shopper (the warm-up's too), by kind, as their ledger says.
    redeemed: dict[bool, list[int]]

    def per_checkout(self, points: bool) -> dict[str, float]:
        """Medians over this kind's batches: CPU seconds per checkout, wall seconds."""
        mine = [batch for batch in self.batches if batch.points is points]
        return {
            "server": median(b.server_cpu / b.checkouts for b in mine),
            "read models": median(b.read_models_cpu / b.checkouts for b in mine),
            "wall": median(median(b.latencies) for b in mine),
        }


class Shop:
    """One keep-alive connection to the server, and the tokens the bench signs in with."""

    def __init__(self, connection: Connection) -> None:
        self.connection, self.tokens = connection, TokenService(SECRET)

    def token(self, role: Role, subject: str) -> str:
        stores = () if role is Role.CUSTOMER else (STORE,)
        manager = StaffRole.MANAGER if role is Role.STAFF else None
        principal = Principal(role=role, subject=subject, stores=stores, staff_role=manager)
        return self.tokens.mint(principal)

    async def data(self, query: str, token: str, **variables: object) -> dict[str, Any]:
        """The answer's one field; a GraphQL error or a userError stops the run."""
        _, body = await self.connection.post_json(
            "/graphql",
            {"query": query, "variables": variables},
            {"authorization": f"Bearer {token}"},
        )
        assert isinstance(body, dict) and not body.get("errors"), body
        answer: dict[str, Any] = next(iter(body["data"].values()))
        assert not answer.get("userErrors"), (query, variables, answer)
        return answer


async def run(settings: Settings, seconds: float = 0.0) -> list[str]:
    """`seconds` is unused: the size is BENCH_LOYALTY_HTTP_CHECKOUTS."""
    return report(await measure(settings, CHECKOUTS))


async def measure(settings: Settings, checkouts: int, batch: int = BATCH) -> Measured:
    """`checkouts` of each kind, in batches of at most `batch`, against a fresh server."""
    environment = {**os.environ, **OVERRIDES}
    async with running_server(settings, environment, projection_worker=True) as base:
        server = process_started_with("--port", base.rsplit(":", 1)[1])
        worker = _projection_worker()
        shop = Shop(await Connection.open(base))
        try:
            plan = [(points, 1) for _ in range(WARM) for points in (False, True)]
            plan += [
                (points, min(batch, checkouts - n))
                for n in range(0, checkouts, batch)
                for points in (False, True)
            ]
            carts = await _prepare(shop, sum(size for _, size in plan))
            batches, placed = [], []
            for points, size in plan:
                mine, carts = carts[:size], carts[size:]
                timed, positions = await _checkouts(shop, mine, points, server, worker)
                shoppers = [shopper for shopper, _ in mine]
                placed += [(s, points, at) for s, at in zip(shoppers, positions, strict=True)]
                batches.append(timed)
            redeemed = await _redeemed(shop, placed)
        finally:
            await shop.connection.close()
    return Measured(tuple(batches[2 * WARM :]), redeemed)


def _projection_worker() -> int:
    """`omni projections run`, started by running_server below this process."""
    for pid in descendants(os.getpid()):
        with suppress(OSError):  # one that ended meanwhile
            if b"projections\0run" in Path(f"/proc/{pid}/cmdline").read_bytes():
                return pid
    raise LookupError("no projection worker below this process")


async def _prepare(shop: Shop, shoppers: int) -> list[tuple[str, str]]:
    """Each shopper: 149 points earned at the till, and a cart of LINES; (shopper, cart)."""
    staff, till = shop.token(Role.STAFF, "staff-bench"), shop.token(Role.POS, "till-bench")
    for sku in (*LINES, EARNING["sku"]):
        await shop.data(RECEIVE, staff, sku=sku, units=shoppers + 10)
    carts = []
    for number in range(shoppers):
        shopper = f"cust-bench-{number}"
        token = shop.token(Role.CUSTOMER, shopper)
        sale = await shop.data(SALE, till, id=f"BP-{number}", lines=[EARNING], shopper=token)
        assert sale["pointsEarned"] == 149, sale
        cart = (await shop.data(START, token))["cartId"]
        for sku in LINES:
            await shop.data(ADD, token, cart=cart, sku=sku)
        carts.append((shopper, cart))
    # The read models caught up with the preparation before the clock starts.
    await shop.data(LEDGER, shop.token(Role.CUSTOMER, shopper), after=sale["position"])
    return carts


async def _checkouts(
    shop: Shop, carts: Sequence[tuple[str, str]], points: bool, server: int, worker: int
) -> tuple[Batch, list[str]]:
    """One timed batch: the batch's figures, and each checkout's position."""
    tokens = [(shop.token(Role.CUSTOMER, shopper), cart) for shopper, cart in carts]
    latencies, positions = [], []
    before = cpu_clock_seconds(server), cpu_clock_seconds(worker)
    for token, cart in tokens:
        started = time.perf_counter()
        placed = await shop.data(CHECKOUT, token, cart=cart, points=POINTS if points else None)
        latencies.append(time.perf_counter() - started)
        assert placed["orderId"], placed
        positions.append(placed["position"])
    server_cpu = cpu_clock_seconds(server) - before[0]
    read_models_cpu = cpu_clock_seconds(worker) - before[1]
    return Batch(points, len(tokens), server_cpu, read_models_cpu, tuple(latencies)), positions


async def _redeemed(shop: Shop, placed: list[tuple[str, bool, str]]) -> dict[bool, list[int]]:
    """Each shopper's ledger once it shows their checkout: what it says they redeemed."""
    redeemed: dict[bool, list[int]] = {False: [], True: []}
    for shopper, points, position in placed:
        found = await shop.data(LEDGER, shop.token(Role.CUSTOMER, shopper), after=position)
        loyalty = found["loyalty"]
        assert loyalty["balance"] == 149 - loyalty["redeemed"], (shopper, loyalty)
        redeemed[points].append(loyalty["redeemed"])
    return redeemed


def report(measured: Measured) -> list[str]:
    plain, paying = measured.per_checkout(False), measured.per_checkout(True)
    every = {kind: sorted(set(found)) for kind, found in measured.redeemed.items()}
    if every != {False: [0], True: [POINTS]}:
        raise AssertionError(f"the ledgers do not show the redemptions: {every}")
    size = sum(b.checkouts for b in measured.batches if b.points)

    def ms(seconds: float) -> str:
        return f"{seconds * 1e3:7.2f} ms"

    return [
        f"checkout-points: checkout over HTTP, one server process, {size:,} of each kind in"
        f" alternating batches of {BATCH} (medians over batches; every redemption checked in"
        " its ledger)",
        f"  checkout                     server CPU {ms(plain['server'])}  wall"
        f" {ms(plain['wall'])}  read models {ms(plain['read models'])}",
        f"  checkout paying {POINTS} points   server CPU {ms(paying['server'])}  wall"
        f" {ms(paying['wall'])}  read models {ms(paying['read models'])}",
        target_line(
            "server CPU per checkout, with points / plain",
            paying["server"] / plain["server"],
            TARGET,
            "x",
            higher=False,
        ),
        ratio_line(
            "wall time per checkout, with points / plain", paying["wall"] / plain["wall"], None
        ),
        ratio_line(
            "read models' CPU per checkout, with points / plain",
            paying["read models"] / plain["read models"],
            None,
        ),
    ]


__all__ = ["Measured", "measure", "report", "run"]
