# Over 300 lines: the replay and lag benchmarks share one generated history.
"""projections: replay rate of each read model, and commit-to-visible lag under steady load.

replay: 200,000 stored events of a realistic mix (carts, orders, stock, pickups; till sales,
returns, abandoned and recovered carts; surveys asked, sent and answered, service-desk cases;
points earned, redeemed and reversed)
rebuilt into fresh tables per read model; beside it, the eventsourcing library's
ProjectionRunner with a counting projection (one transaction per event, its design) over a
sample of events. Then the same events replayed with the
dead-letter policy against without it (bench/dead_letters.py).
lag: a writer process appends at half its measured ceiling while this process, the projection
worker, runs every read model live; the delay from an append's commit to its read model's
checkpoint passing it, p50 and p99.
"""

from __future__ import annotations

import asyncio
import bisect
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import msgspec

from adapters.settings import Settings
from bench.append import CONTEXT, PRICE, Basket
from bench.common import (
    Rate,
    eventsourcing_application_class,
    fresh_database,
    libpq_environment,
    ratio_line,
)
from bench.dead_letters import run_comparison
from bench.feedback_history import feedback_events
from bench.loyalty_history import loyalty_events
from domain.cart.model import Cart, Supply
from domain.customer.model import (
    CartBecameCurrentBecause,
    CurrentCartClosedBecause,
    CustomerCarts,
)
from domain.feedback.model import CustomerFeedback
from domain.loyalty.model import LoyaltyAccount
from domain.order.model import Fulfillment, FulfillmentMethod, Order, OrderLine
from domain.pickup.model import Pickup, PickupLine
from domain.ports import Position
from domain.returns.model import InspectionResult, Return, ReturnChannel, ReturnLine
from domain.sale.model import Receipt, Sale, SaleLine
from domain.stock.model import StockItem
from domain.values import Channel
from projections.catalog import all_projections
from projections.rebuild import rebuild
from projections.supervisor import ProjectionSupervisor

REPLAY_EVENTS = int(os.environ.get("BENCH_REPLAY_EVENTS", "200000"))
LIBRARY_SAMPLE = int(os.environ.get("BENCH_LIBRARY_EVENTS", "6000"))
SKUS = ["RETRO-CLOCK", "LAVA-LAMP", "VINYL-PLAYER", "DESK-FAN", "TEA-KETTLE"]
STORES = ["AMS-CENTRAAL", "AMS-ZUID", "UTR-CENTRUM"]
PER_APPEND = 40  # shoppers written per append


async def run(settings: Settings, seconds: float) -> list[str]:
    return await run_replay(settings, seconds) + await run_lag(settings, seconds)


async def run_replay(settings: Settings, seconds: float = 0.0) -> list[str]:
    """Rebuild rates; `seconds` is unused (the size is BENCH_REPLAY_EVENTS)."""
    async with fresh_database(settings) as database:
        written = await _write_history(database.store, REPLAY_EVENTS)
        lines = [f"projections: rebuild from {written:,} stored events (events/s)"]
        rates = {}
        for projection in all_projections():
            progress = await rebuild(database.store, projection)
            rates[projection.name] = progress.rate
            lines.append(f"  {projection.name:22} {progress.rate:10,.0f}/s")
        dead_letters = await run_comparison(database.store)
    library = await _library_rate(settings)
    lines.append(
        f"  {'eventsourcing runner':22} {library:10,.0f}/s  "
        f"(counting projection, {LIBRARY_SAMPLE:,} events)"
    )
    for name, rate in rates.items():
        lines.append(ratio_line(f"{name} / eventsourcing ProjectionRunner", rate / library, 10))
    return lines + dead_letters


async def run_dead_letters(settings: Settings, seconds: float = 0.0) -> list[str]:
    """Only the replay with the dead-letter policy against the same replay without it."""
    async with fresh_database(settings) as database:
        await _write_history(database.store, REPLAY_EVENTS)
        return await run_comparison(database.store)


async def _write_history(store, target: int) -> int:  # type: ignore[no-untyped-def]
    """Shoppers who fill a cart, check out for pickup and collect; stock moves with them."""
    stock = {(s, sku): StockItem.create(s, sku) for s in STORES for sku in SKUS}
    for item in stock.values():
        item.receive(10**9, "opening")
    await store.append([e for item in stock.values() for e in item.collect_events()], CONTEXT)
    written, shopper, now = len(stock) * 2, 0, datetime.now(UTC)
    customers: dict[str, CustomerCarts] = {}
    feedback: dict[str, CustomerFeedback] = {}
    ledgers: dict[str, LoyaltyAccount] = {}
    while written < target:
        batch = []
        for _ in range(PER_APPEND):
            shopper += 1
            batch += _one_shopper(shopper, stock, customers, feedback, now, ledgers)
        batch += [e for item in stock.values() for e in item.collect_events()]
        await store.append(batch, CONTEXT)
        written += len(batch)
    return written


def _one_shopper(
    number: int, stock: dict, customers: dict, feedback: dict, now: datetime, ledgers: dict
) -> list:  # type: ignore[type-arg]
    store_id = STORES[number % len(STORES)]
    skus = [SKUS[(number + k) % len(SKUS)] for k in range(3)]
    customer_id = f"cust-{number % 500}"
    cart = Cart.create(uuid4(), Channel.MOBILE, f"phone-{number}", customer_id, at=now)
    # The customer's stream, as start_cart and checkout write it: current, then closed.
    if customer_id not in customers:
        customers[customer_id] = CustomerCarts.open(customer_id, None, now)
    current = customers[customer_id]
    current.make_current(cart.id, CartBecameCurrentBecause.STARTED, now)
    for sku in skus:
        cart.add_line(sku, 1, PRICE, now)
    order_id = uuid4()
    cart.check_out(order_id, now)
    current.cart_closed(cart.id, CurrentCartClosedBecause.CHECKED_OUT, now)
    lines = [OrderLine(f"L{k}", sku, 1, PRICE) for k, sku in enumerate(skus, start=1)]
    order = Order.place(
        order_id,
        cart.id,
        cart.customer_id,
        Channel.MOBILE,
        lines,
        Fulfillment(FulfillmentMethod.PICKUP, store_id),
        now,
    )
    for sku in skus:
        stock[store_id, sku].reserve(order_id, 1)
    pickup = Pickup.request(
        uuid4(),
        order_id,
        store_id,
        cart.customer_id,
        [PickupLine(line.line_id, line.sku, 1) for line in lines],
        now,
        60,
        7,
    )
    pickup.start_picking("staff", now)
    pickup.mark_ready("A1", "CODE42", now)
    pickup.collect("CODE42", "staff", now)
    for sku in skus:
        stock[store_id, sku].consume(order_id)
    events = [
        *cart.collect_events(),
        *current.collect_events(),
        *order.collect_events(),
        *pickup.collect_events(),
    ]
    events += feedback_events(number, pickup, feedback, now)
    events += loyalty_events(number, order, ledgers, now)
    return events + _customer_view_extras(number, order, store_id, skus, stock, now)


def _customer_view_extras(  # type: ignore[no-untyped-def]
    number: int, order: Order, store_id: str, skus: list[str], stock: dict, now: datetime
) -> list:
    """What the customer-view read models follow: every 4th shopper also buys at a till,
    every 10th brings a unit back in a store, every 5th leaves a second cart (every 10th
    recovers it)."""
    events: list = []
    customer = order.customer_id
    if number % 4 == 0:
        receipt = Receipt(store_id, f"till-{number % 3}", str(number))
        sale = Sale.record(receipt, [SaleLine(skus[0], 1, PRICE)], "card", customer, now)
        stock[store_id, skus[0]].sell_at_pos(receipt.sale_number, receipt.till_id, 1)
        events += sale.collect_events()
    if number % 10 == 0:
        item = Return.request(
            uuid4(),
            order.id,
            customer,
            [ReturnLine(skus[0], 1, PRICE)],
            "",
            ReturnChannel.STORE,
            now,
            purchased=order.purchased_quantities(),
            already_returned=order.returned_quantities,
            fulfilled_at=now,
            window_days=30,
        )
        order.open_return(item.id, item.quantities)
        item.receive(store_id, now)
        item.inspect([InspectionResult(skus[0], 1, 0)], now)
        item.refund("refund", now)
        events += [*item.collect_events(), *order.collect_events()]
    if number % 5 == 0:
        left = Cart.create(uuid4(), Channel.WEB, f"laptop-{number}", customer, at=now)
        left.add_line(skus[1], 2, PRICE, now)
        left.abandon(now + timedelta(days=31), timedelta(days=30))
        if number % 10 == 0:
            in_stock = {skus[1]: Supply(((store_id, 10),))}
            left.recover({skus[1]: PRICE}, in_stock, now + timedelta(days=32))
        events += left.collect_events()
    return events


async def _library_rate(settings: Settings) -> float:
    async with fresh_database(settings, pool_size=2) as database:
        env = libpq_environment(database.dsn, database.schema or "public")
        return await asyncio.to_thread(_library_replay, env)


def _library_replay(env: dict[str, str]) -> float:
    from eventsourcing.dispatch import singledispatchmethod
    from eventsourcing.persistence import Tracking
    from eventsourcing.postgres import PostgresTrackingRecorder
    from eventsourcing.projection import Projection, ProjectionRunner
    from psycopg.sql import SQL

    table = f'"{env["POSTGRES_SCHEMA"]}".bench_counts'

    class Counts(PostgresTrackingRecorder):
        def __init__(self, datastore, **kwargs):  # type: ignore[no-untyped-def]
            super().__init__(datastore, **kwargs)
            self.sql_create_statements.append(
                SQL(f"CREATE TABLE IF NOT EXISTS {table} (name text PRIMARY KEY, n bigint)")
            )

        def increment(self, tracking: Tracking) -> None:
            with self.datastore.transaction(commit=True) as cursor:
                cursor.execute(
                    SQL(
                        f"INSERT INTO {table} VALUES ('all', 1) ON CONFLICT (name) "
                        "DO UPDATE SET n = bench_counts.n + 1"
                    )
                )
                self._insert_tracking(cursor, tracking)

    class Counting(Projection[Counts]):
        name = "counts"

        @singledispatchmethod
        def process_event(self, domain_event, tracking: Tracking) -> None:  # type: ignore[no-untyped-def]
            self.view.increment(tracking)

    application_class = eventsourcing_application_class()
    app = application_class(env=env)
    saved = 0
    while saved < LIBRARY_SAMPLE:
        baskets = [Basket() for _ in range(100)]
        for basket in baskets:
            basket.add("RETRO-CLOCK", PRICE)
        app.save(*baskets)
        saved += 200
    last = app.recorder.max_notification_id()
    app.close()
    started = time.perf_counter()
    with ProjectionRunner(
        application_class=application_class, projection_class=Counting, view_class=Counts, env=env
    ) as runner:
        runner.wait(last, timeout=600)
    return saved / (time.perf_counter() - started)


async def run_lag(settings: Settings, seconds: float) -> list[str]:
    """The writer runs as a process of its own (as API processes do); this process is the
    projection worker, all read models live, and notes when store_inventory passes each
    commit."""
    async with fresh_database(settings) as database:
        ceiling = (await _writer(database, "ceiling", seconds))["per_second"]
        store = database.store
        supervisor = ProjectionSupervisor(store, all_projections(), database.dsn, database.schema)
        supervisor.start()
        await supervisor.wait_for(await store.committed_head(), 30)
        runner = supervisor.runners["store_inventory"]
        timeline: list[tuple[Position, float]] = []
        watcher = asyncio.create_task(_watch(runner, timeline))
        steady_seconds = max(seconds * 2, 4)
        commits = (await _writer(database, "steady", steady_seconds, ceiling / 2))["commits"]
        last = max(Position(xid, position) for xid, position, _ in commits)
        caught_up = await runner.wait_for(last, 30)
        watcher.cancel()
        await supervisor.stop()
    delays = _delays(commits, timeline)
    lag = Rate(len(delays), 1.0, delays)
    return [
        f"projections: commit-to-visible lag at half the append ceiling "
        f"({ceiling / 2:,.0f} of {ceiling:,.0f} appends/s for {steady_seconds:g} s), "
        "writer in its own process, all read models live",
        f"  store_inventory lag   p50 {lag.percentile(0.5) * 1000:7.2f} ms   "
        f"p99 {lag.percentile(0.99) * 1000:7.2f} ms   max {max(delays) * 1000:7.2f} ms   "
        f"({len(delays):,} of {len(commits):,} appends{'' if caught_up else ', NOT caught up'})",
        ratio_line("p99 lag / 100 ms", lag.percentile(0.99) / 0.1, 1.0, higher_is_better=False),
    ]


async def _writer(database, mode: str, seconds: float, rate: float = 0.0) -> dict:  # type: ignore[no-untyped-def, type-arg]
    """Run bench.lag_writer against the same schema; its JSON result."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.lag_writer",
        database.dsn,
        database.schema,
        mode,
        str(seconds),
        str(rate),
        stdout=asyncio.subprocess.PIPE,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"bench.lag_writer {mode} exited with {process.returncode}")
    return msgspec.json.decode(output)  # type: ignore[no-any-return]


async def _watch(runner, timeline: list[tuple[Position, float]]) -> None:  # type: ignore[no-untyped-def]
    """Note the moment (CLOCK_MONOTONIC, as the writer) each new position is applied."""
    seen = runner.position
    while True:
        seen = await runner.wait_beyond(seen, 0.5)
        timeline.append((seen, time.clock_gettime(time.CLOCK_MONOTONIC)))


def _delays(commits: list, timeline: list[tuple[Position, float]]) -> list[float]:  # type: ignore[type-arg]
    """For each commit, the first moment the read model stood at or past its position."""
    reached = [position for position, _ in timeline]
    delays = []
    for xid, number, committed_at in commits:
        index = bisect.bisect_left(reached, Position(xid, number))
        if index < len(timeline):
            delays.append(timeline[index][1] - committed_at)
    return delays


__all__ = ["run", "run_dead_letters", "run_lag", "run_replay"]
