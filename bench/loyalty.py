"""loyalty: what redeeming points adds to a checkout's server time, measured in one run.

Each customer earns points at a till first (not timed); then checkouts of the same two-line
cart for pickup, with a payment token, alternate: one plain, one paying 100 points of its
total (the redemption loads the customer's ledger and appends its event in the checkout's
own append). Timed in this process, the use case alone, one at a time: the HTTP and GraphQL
work a request adds is the same for both, so the ratio here is the larger one a request could
show. Medians of each kind; the order alternates so drift and the shared machine's load fall
on both alike. Then the same over HTTP against a server process (bench/checkout_points.py).
"""

from __future__ import annotations

import os
import time
from uuid import UUID

from adapters.clock import SystemClock
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.catalog import CachedCatalog, PostgresCatalog
from adapters.postgres.customers import PostgresCustomers
from adapters.settings import Settings
from api.server.demo_seed import seed_demo
from bench import checkout_points
from bench.common import fresh_database, median, ratio_line
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.service import CommerceService
from domain.usecases.sales import PosSaleLine
from domain.values import SYSTEM_ACTOR, Actor, ActorKind, Channel, Context

CHECKOUTS = int(os.environ.get("BENCH_LOYALTY_CHECKOUTS", "300"))  # of each kind
STORE, LINES = "AMS-CENTRAAL", (("RETRO-CLOCK", 1), ("LAVA-LAMP", 1))
POINTS = 100
TARGET = 1.15
SYSTEM = Context(channel=Channel.SYSTEM, actor=SYSTEM_ACTOR)
TILL = Context(channel=Channel.POS, actor=Actor(ActorKind.POS_TERMINAL, "till-1", (STORE,)))


def shopper(number: int) -> tuple[str, Context]:
    customer = f"cust-bench-{number}"
    return customer, Context(channel=Channel.WEB, actor=Actor(ActorKind.CUSTOMER, customer))


async def run(settings: Settings, seconds: float = 0.0) -> list[str]:
    """`seconds` is unused: the size is BENCH_LOYALTY_CHECKOUTS."""
    async with fresh_database(settings) as database:
        service = CommerceService(
            store=database.store,
            catalog=CachedCatalog(PostgresCatalog(database.pool)),
            payments=SimulatedPaymentGateway(),
            clock=SystemClock(),
            customers=PostgresCustomers(database.pool),
        )
        await seed_demo(database.pool, service)
        for sku, _ in LINES:
            await service.receive_stock(STORE, sku, CHECKOUTS * 3, "bench", SYSTEM)
        times: dict[bool, list[float]] = {False: [], True: []}
        for number in range(CHECKOUTS * 2):
            redeem = number % 4 in (1, 2)  # plain, redeem, redeem, plain: each goes first
            customer, context = shopper(number)
            if redeem:  # 149 points, earned at a till before the clock starts
                lines = [PosSaleLine("VINYL-PLAYER", 1)]
                await service.record_pos_sale(
                    STORE, "till-1", str(number), lines, TILL, customer_id=customer
                )
            cart = await _cart(service, customer, context)
            started = time.perf_counter()
            await service.checkout(
                cart,
                Fulfillment(FulfillmentMethod.PICKUP, STORE),
                context,
                "tok-visa",
                redeem_points=POINTS if redeem else None,
            )
            times[redeem].append(time.perf_counter() - started)
    plain, with_points = median(times[False]), median(times[True])
    over_http = await checkout_points.run(settings)  # the same, as requests to a server
    return [
        f"loyalty: checkout server time, in process, {CHECKOUTS:,} of each (medians)",
        f"  checkout                      {plain * 1000:7.2f} ms",
        f"  checkout paying {POINTS} points    {with_points * 1000:7.2f} ms",
        ratio_line(
            "checkout with points / checkout", with_points / plain, TARGET, higher_is_better=False
        ),
        *over_http,
    ]


async def _cart(service: CommerceService, customer: str, context: Context) -> UUID:
    started = await service.start_cart(context, customer_id=customer)
    cart_id = started.result.cart_id
    for sku, quantity in LINES:
        await service.add_to_cart(cart_id, sku, quantity, context)
    return cart_id


__all__ = ["run"]
