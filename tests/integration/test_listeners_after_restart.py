"""After `pg_ctl restart -m fast` the background work of a process comes back by itself: the
scheduler fires the rules that fell due (having logged the outage once, not a traceback per
tick), and the catalog cache hears other processes' imports again."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal

import msgspec
import pytest

from adapters.clock import ManualClock
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.catalog import (
    CATALOG_CHANNEL,
    CachedCatalog,
    PostgresCatalog,
    upsert_catalog,
)
from adapters.postgres.database import Database
from adapters.postgres.pool import connect
from api.server.scheduler import Scheduler
from domain.cart.model import Cart
from domain.service import CommerceService
from domain.values import Money
from projections.deadlines import Deadlines
from projections.supervisor import ProjectionSupervisor
from tests.private_cluster import PrivateCluster
from tests.shop import LOCATIONS, PRODUCTS, ctx

pytestmark = pytest.mark.slow


async def eventually(condition: Callable[[], Awaitable[bool]], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def load_catalog(database: Database, products=PRODUCTS) -> None:  # type: ignore[no-untyped-def]
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, products, LOCATIONS)


async def test_the_scheduler_fires_due_rules_after_a_restart_and_logs_the_outage_once(
    private_cluster: PrivateCluster,
    private_database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = private_database
    await load_catalog(database)
    clock = ManualClock(datetime.now(UTC))
    service = CommerceService(
        store=database.store,
        catalog=PostgresCatalog(database.pool),
        payments=SimulatedPaymentGateway(),
        clock=clock,
    )
    supervisor = ProjectionSupervisor(
        database.store, [Deadlines()], database.dsn, database.schema, poll_interval=0.1
    )
    await supervisor.prepare()
    supervisor.start()
    scheduler = Scheduler(database.pool, service, clock, interval=0.05)
    started = await service.start_cart(ctx(), customer_id="cust-ada")
    cart_id = started.result.cart_id
    try:
        assert await supervisor.wait_for(started.position, timeout=10)
        scheduler.start()
        with caplog.at_level(logging.INFO):
            await asyncio.to_thread(private_cluster.restart)
            clock.advance(days=31)  # the cart has been idle past its limit

            async def abandoned() -> bool:
                events = await database.store.read_stream(cart_id)
                return any(isinstance(e, Cart.Abandoned) for e in events)

            assert await eventually(abandoned), "the scheduler did not fire after the restart"
    finally:
        await scheduler.stop()
        await supervisor.stop()

    assert scheduler.outage.outages >= 1, "the restart must land while the scheduler ticks"
    from_scheduler = [r for r in caplog.records if r.name == "api.server.scheduler"]
    assert not [r for r in from_scheduler if r.levelno >= logging.ERROR], from_scheduler
    warnings = [r.getMessage() for r in caplog.records if r.name == "adapters.postgres.outage"]
    told = [m for m in warnings if "while firing time-driven rules" in m]
    assert len(told) == scheduler.outage.outages, warnings


async def test_the_catalog_cache_hears_other_processes_again_after_a_restart(
    private_cluster: PrivateCluster, private_database: Database
) -> None:
    database = private_database
    await load_catalog(database)
    # Entries never expire by age here: only a notification can refresh them.
    cached = CachedCatalog(PostgresCatalog(database.pool), max_age=3600)
    notifier = database.store.notifier
    await notifier.subscribe(CATALOG_CHANNEL, cached.invalidate)
    listener_before = notifier.listener_pid

    await asyncio.to_thread(private_cluster.restart)

    async def listening_again() -> bool:
        return notifier.listener_pid not in (0, listener_before)

    assert await eventually(listening_again), "the listener did not reconnect"
    old_price = (await cached.products(["RETRO-CLOCK"]))["RETRO-CLOCK"].price
    assert old_price == Money.of("24.95")

    other_process = await connect(database.dsn, schema=database.schema)
    try:
        dearer = [
            msgspec.structs.replace(p, price=Money.of("29.95")) if p.sku == "RETRO-CLOCK" else p
            for p in PRODUCTS
        ]
        async with other_process.transaction():
            await upsert_catalog(other_process, dearer, LOCATIONS)
    finally:
        await other_process.close()

    async def new_price_seen() -> bool:
        product = (await cached.products(["RETRO-CLOCK"]))["RETRO-CLOCK"]
        return product.price.amount == Decimal("29.95")

    assert await eventually(new_price_seen, timeout=10), "the import was not heard"
