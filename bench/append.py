"""append: commands per second and their latency at concurrency 1, 8 and 32.

Each system runs in a fresh migrated schema, `concurrency` workers each with a pool of
`concurrency` connections, every worker appending to its own stream(s) with rising versions:

(a) raw:  one autocommit `INSERT INTO events ... VALUES (...)` per command, rows identical to
          ours (the same encoded state and context bytes), no ordering guard;
(s) sql:  `omni_append(...)` called directly with pre-encoded arrays: our SQL function alone,
          without the Python side (diagnostic: splits our cost into SQL and Python);
(b) ours: `PostgresEventStore.append([event], context)`, the post-commit NOTIFY included (the
          store listens); the domain event is built in the timed loop, as a command would;
(c) the eventsourcing library's `Application.save()` on its PostgreSQL persistence, one thread
          per worker (its API is synchronous), each saving its aggregate with one new event.

Then three-event commands (three streams in one append, like a checkout): (a) as one
three-row multi-VALUES INSERT, and (b).
"""

from __future__ import annotations

import asyncio
import threading
import time
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, event

from adapters.codec import EventCodec
from adapters.postgres.store import APPEND, encode_context
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
PRICE = Money.of("24.95")
CONCURRENCIES = (1, 8, 32)
COLUMNS = "INSERT INTO events (stream_id, version, topic, schema_version, state, context)"
RAW_INSERT = f"{COLUMNS} VALUES ($1, $2, $3, $4, $5, $6)"
RAW_INSERT_3 = (
    f"{COLUMNS} VALUES ($1, $4, $5, $6, $7, $8), ($2, $4, $5, $6, $7, $8), ($3, $4, $5, $6, $7, $8)"
)


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


class Row:
    """The columns ours writes for one `Basket.ItemAdded`, encoded once by our codec."""

    def __init__(self) -> None:
        basket = Basket()
        basket.add("RETRO-CLOCK", PRICE)
        encoded = EventCodec().encode(basket.collect_events()[-1])
        self.topic = encoded.topic
        self.schema_version = encoded.schema_version
        self.state = encoded.state
        self.context = encode_context(CONTEXT)


LABELS = {
    "raw": "(a) raw INSERT",
    "sql": "(s) omni_append SQL only",
    "ours": "(b) omnicommerce append",
    "es": "(c) eventsourcing save()",
}


async def run(settings: Settings, seconds: float) -> list[str]:
    lines = [
        "append: one-event commands/s, p50 and p99 per command "
        "(ours builds its event in the timed loop)"
    ]
    rates: dict[tuple[str, int], Rate] = {}
    for concurrency in CONCURRENCIES:
        rates["raw", concurrency] = await _raw(settings, concurrency, seconds, 1)
        rates["sql", concurrency] = await _sql_only(settings, concurrency, seconds)
        rates["ours", concurrency] = await _ours(settings, concurrency, seconds, 1)
        rates["es", concurrency] = await _eventsourcing(settings, concurrency, seconds)
        for name, label in LABELS.items():
            rate = rates[name, concurrency]
            lines.append(f"  c={concurrency:2d} {label:30} {rate.describe('cmds')}")

    lines.append("append: three-event commands/s (three streams in one append, like a checkout)")
    three: dict[tuple[str, int], Rate] = {}
    for concurrency in CONCURRENCIES:
        three["raw", concurrency] = await _raw(settings, concurrency, seconds, 3)
        three["ours", concurrency] = await _ours(settings, concurrency, seconds, 3)
        for name, label in (("raw", "(a) raw 3-row INSERT"), ("ours", "(b) ours, 3 streams")):
            rate = three[name, concurrency]
            lines.append(f"  c={concurrency:2d} {label:30} {rate.describe('cmds')}")

    lines.append("append: Python side of one append, no database (single task)")
    lines += _python_side()

    lines.append("append: ratios")
    for concurrency in CONCURRENCIES:
        ours = rates["ours", concurrency].per_second
        at_32 = concurrency == 32
        lines.append(
            ratio_line(
                f"ours / raw INSERT at c={concurrency}",
                ours / rates["raw", concurrency].per_second,
                0.5 if at_32 else None,
            )
        )
        lines.append(
            ratio_line(
                f"ours / eventsourcing save() at c={concurrency}",
                ours / rates["es", concurrency].per_second,
                4.0 if at_32 else None,
            )
        )
        lines.append(
            ratio_line(
                f"SQL only / raw INSERT at c={concurrency}",
                rates["sql", concurrency].per_second / rates["raw", concurrency].per_second,
                None,
            )
        )
        lines.append(
            ratio_line(
                f"3 streams: ours / raw 3-row INSERT at c={concurrency}",
                three["ours", concurrency].per_second / three["raw", concurrency].per_second,
                None,
            )
        )
    return lines


async def _raw(settings: Settings, concurrency: int, seconds: float, streams: int) -> Rate:
    row = Row()
    stream_ids = [[uuid4() for _ in range(streams)] for _ in range(concurrency)]
    versions = [0] * concurrency
    async with fresh_database(settings, pool_size=concurrency) as database:
        pool = database.pool
        shared = (row.topic, row.schema_version, row.state, row.context)

        async def insert(worker: int) -> int:
            versions[worker] += 1
            if streams == 1:
                await pool.execute(RAW_INSERT, stream_ids[worker][0], versions[worker], *shared)
            else:
                await pool.execute(RAW_INSERT_3, *stream_ids[worker], versions[worker], *shared)
            return 1

        return await timed_workers(concurrency, seconds, insert)


async def _sql_only(settings: Settings, concurrency: int, seconds: float) -> Rate:
    """omni_append with the arrays ours would send, encoded once up front."""
    row = Row()
    stream_ids = [uuid4() for _ in range(concurrency)]
    versions = [0] * concurrency
    async with fresh_database(settings, pool_size=concurrency) as database:
        pool = database.pool

        async def append(worker: int) -> int:
            versions[worker] += 1
            await pool.fetchrow(
                APPEND,
                [stream_ids[worker]],
                [versions[worker]],
                [row.topic],
                [row.schema_version],
                [row.state],
                [row.context],
                None,
                b"",
            )
            return 1

        return await timed_workers(concurrency, seconds, append)


async def _ours(settings: Settings, concurrency: int, seconds: float, streams: int) -> Rate:
    async with fresh_database(settings, pool_size=concurrency) as database:
        store = database.store
        baskets = [[Basket() for _ in range(streams)] for _ in range(concurrency)]
        for mine in baskets:  # the Created events, before the clock starts
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
        env = libpq_environment(database.dsn, database.schema or "public", pool_size=concurrency)
        return await asyncio.to_thread(_eventsourcing_threads, env, concurrency, seconds)


def _eventsourcing_threads(env: dict[str, str], concurrency: int, seconds: float) -> Rate:
    app = eventsourcing_application_class()(env=env)
    try:
        baskets = [Basket() for _ in range(concurrency)]
        app.save(*baskets)  # the Created events, before the clock starts
        latencies: list[list[float]] = [[] for _ in range(concurrency)]
        failures: list[BaseException] = []
        ready = threading.Barrier(concurrency + 1)
        deadline = 0.0

        def work(worker: int) -> None:
            basket = baskets[worker]
            ready.wait()
            try:
                while time.perf_counter() < deadline:
                    started = time.perf_counter()
                    basket.add("RETRO-CLOCK", PRICE)
                    app.save(basket)
                    latencies[worker].append(time.perf_counter() - started)
            except BaseException as error:  # noqa: BLE001 - re-raised below, in the caller
                failures.append(error)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(concurrency)]
        for thread in threads:
            thread.start()
        started = time.perf_counter()
        deadline = started + seconds
        ready.wait()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        app.close()
    if failures:
        raise failures[0]
    flat = [x for worker in latencies for x in worker]
    return Rate(len(flat), elapsed, flat)


def _python_side(rounds: int = 20_000) -> list[str]:
    """What ours spends in Python per one-event append before the SQL call: building the
    event (the aggregate method) and encoding it and the context, one task, no I/O."""
    codec = EventCodec()
    basket = Basket()
    basket.collect_events()
    started = time.perf_counter()
    for _ in range(rounds):
        basket.add("RETRO-CLOCK", PRICE)
        basket.collect_events()
    build = (time.perf_counter() - started) / rounds
    basket.add("RETRO-CLOCK", PRICE)
    events = basket.collect_events()
    started = time.perf_counter()
    for _ in range(rounds):
        encoded = [codec.encode(e) for e in events]
        context = encode_context(CONTEXT)
        _arrays(encoded, context)
    encode = (time.perf_counter() - started) / rounds
    return [
        f"  build the event (aggregate method)       {build * 1e6:7.1f} us",
        f"  encode event + context, build the arrays {encode * 1e6:7.1f} us",
    ]


def _arrays(encoded: list, context: bytes) -> tuple[list[UUID], ...]:
    return (
        [e.stream_id for e in encoded],
        [e.version for e in encoded],
        [e.topic for e in encoded],
        [e.schema_version for e in encoded],
        [e.state for e in encoded],
        [context] * len(encoded),
    )
