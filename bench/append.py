"""append: one-event (and three-event) commands per second at concurrency 1, 8 and 32.

(a) raw: a single autocommit INSERT of identical rows, no ordering guard, same table shape;
(b) ours: PostgresEventStore.append (expected versions, global order, post-commit notify);
(c) the eventsourcing library's Application.save() on its PostgreSQL persistence (threads).
Domain events are built inside the timed loop for (b) and (c), as a command would.
"""

from __future__ import annotations

import asyncio
import threading
import time
from uuid import uuid4

from eventsourcing.domain import Aggregate, event

from adapters.settings import Settings
from bench.common import (
    Rate,
    eventsourcing_application_class,
    fresh_database,
    libpq_environment,
    ratio_line,
    timed_workers,
)
from domain.values import Channel, Context, Money

CONTEXT = Context(channel=Channel.WEB, device_id="bench")
RAW_INSERT = """INSERT INTO events (stream_id, version, topic, schema_version, state, context)
VALUES ($1, $2, $3, 1, $4, $5)"""
RAW_INSERT_3 = """INSERT INTO events (stream_id, version, topic, schema_version, state, context)
VALUES ($1, $2, $3, 1, $4, $5), ($6, $2, $3, 1, $4, $5), ($7, $2, $3, 1, $4, $5)"""


class Basket(Aggregate):
    """A small aggregate standing in for a cart in the benchmark."""

    items: int

    @event("Created")
    def __init__(self) -> None:
        self.items = 0

    class ItemAdded(Aggregate.Event):
        sku: str
        price: Money

    @event(ItemAdded)
    def add(self, sku: str, price: Money) -> None:
        self.items += 1


PRICE = Money.of("24.95")


async def run(settings: Settings, seconds: float) -> list[str]:
    lines = ["append: one-event commands/s (p50, p99 per command)"]
    rates: dict[tuple[str, int], Rate] = {}
    for concurrency in (1, 8, 32):
        rates["raw", concurrency] = await _raw(settings, concurrency, seconds, 1)
        rates["ours", concurrency] = await _ours(settings, concurrency, seconds, 1)
        rates["es", concurrency] = await _eventsourcing(settings, concurrency, seconds)
        for name, label in (
            ("raw", "raw INSERT"),
            ("ours", "omnicommerce append"),
            ("es", "eventsourcing Application.save"),
        ):
            lines.append(
                f"  c={concurrency:2d} {label:30} {rates[name, concurrency].describe('cmds')}"
            )
    lines.append("append: three-event commands/s (three streams per append, like a checkout)")
    for concurrency in (8, 32):
        raw3 = await _raw(settings, concurrency, seconds, 3)
        ours3 = await _ours(settings, concurrency, seconds, 3)
        lines.append(f"  c={concurrency:2d} {'raw INSERT (3 rows)':30} {raw3.describe('cmds')}")
        lines.append(
            f"  c={concurrency:2d} {'omnicommerce append (3 streams)':30} {ours3.describe('cmds')}"
        )
        lines.append(
            ratio_line(
                f"3-event ours / raw at c={concurrency}", ours3.per_second / raw3.per_second, 0.5
            )
        )
    for concurrency in (1, 8, 32):
        ours = rates["ours", concurrency].per_second
        lines.append(
            ratio_line(
                f"ours / raw INSERT at c={concurrency}",
                ours / rates["raw", concurrency].per_second,
                0.5 if concurrency == 32 else 0.0,
            )
        )
        lines.append(
            ratio_line(
                f"ours / eventsourcing at c={concurrency}",
                ours / rates["es", concurrency].per_second,
                4.0 if concurrency == 32 else 0.0,
            )
        )
    return lines


async def _raw(settings: Settings, concurrency: int, seconds: float, streams: int) -> Rate:
    async with fresh_database(settings, pool_size=concurrency) as database:
        state = b'{"sku":"RETRO-CLOCK","price":{"amount":"24.95","currency":"EUR"}}'
        context = b'{"channel":"web","device_id":"bench"}'
        topic = "bench.append:Basket.ItemAdded"

        async def insert(_: int) -> int:
            if streams == 1:
                await database.pool.execute(RAW_INSERT, uuid4(), 1, topic, state, context)
            else:
                await database.pool.execute(
                    RAW_INSERT_3, uuid4(), 1, topic, state, context, uuid4(), uuid4()
                )
            return 1

        return await timed_workers(concurrency, seconds, insert)


async def _ours(settings: Settings, concurrency: int, seconds: float, streams: int) -> Rate:
    async with fresh_database(settings, pool_size=concurrency) as database:
        store = database.store
        baskets = [[Basket() for _ in range(streams)] for _ in range(concurrency)]
        for mine in baskets:
            await store.append([e for b in mine for e in b.collect_events()], CONTEXT)

        async def append(worker: int) -> int:
            for basket in baskets[worker]:
                basket.add("RETRO-CLOCK", PRICE)
            events = [e for b in baskets[worker] for e in b.collect_events()]
            await store.append(events, CONTEXT)
            return 1

        return await timed_workers(concurrency, seconds, append)


async def _eventsourcing(settings: Settings, concurrency: int, seconds: float) -> Rate:
    async with fresh_database(settings, pool_size=2) as database:
        env = libpq_environment(database.dsn, database.schema or "public")
        return await asyncio.to_thread(_eventsourcing_threads, env, concurrency, seconds)


def _eventsourcing_threads(env: dict[str, str], concurrency: int, seconds: float) -> Rate:
    app = eventsourcing_application_class()(env=env)
    baskets = [Basket() for _ in range(concurrency)]
    app.save(*baskets)
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    failures: list[BaseException] = []
    deadline = time.perf_counter() + seconds

    def work(worker: int) -> None:
        basket = baskets[worker]
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                basket.add("RETRO-CLOCK", PRICE)
                app.save(basket)
                latencies[worker].append(time.perf_counter() - started)
        except BaseException as error:  # noqa: BLE001 - re-raised below, in the caller
            failures.append(error)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    app.close()
    if failures:
        raise failures[0]
    flat = [x for worker in latencies for x in worker]
    return Rate(len(flat), elapsed, flat)
