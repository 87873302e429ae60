# Over 300 lines: one benchmark: the systems it compares, side by side in one run.
"""append: commands per second and their latency at concurrency 1, 8 and 32.

Each system runs in a fresh migrated schema: `concurrency` asyncio tasks on a pool of
`concurrency` connections (one each), every worker appending to its own stream(s) with rising
versions. Every worker first runs 3 untimed commands (connections open, statements prepared);
the systems at one concurrency are interleaved over 2 rounds and each figure sums both.

(a) raw:  one autocommit `INSERT INTO events ... VALUES (...)` per command, rows identical to
          ours (the same encoded state and context bytes), no ordering guard;
(s) sql:  the statement ours sends for a one-stream command without an idempotency key (a
          guarded INSERT on scalars), called directly with pre-encoded values: our SQL alone,
          without the Python side (diagnostic: splits our cost into SQL and Python);
(b) ours: `PostgresEventStore.append([event], context)`, the post-commit NOTIFY included (the
          store listens); the domain event is built in the timed loop, as a command would;
(c) the eventsourcing library's `Application.save()` on its PostgreSQL persistence, one thread
          per worker (its API is synchronous), each saving its aggregate with one new event.

(p) ours, partitioned: (b) in the partitioned layout of the events table
          (OMNI_EVENTS_LAYOUT=partitioned, partitions of 1,000 events: bench/common.py), where
          each append also moves its stream's version in `streams`.

Then three-event commands (three streams in one append, like a checkout): (a) as one
three-row multi-VALUES INSERT, (b), and (b) partitioned. The ratios partitioned / plain are
judged against 0.9: past 10% slower, the partitioned layout stays opt-in. Throughput on a
shared machine drifts by more than that, so the two layouts are also compared by the
server's CPU per command, (b) on one connection (the backend's CPU time from /proc, when
the server runs here), against 1.1.

Then personal data sealed against plain (bench/personal_data.py), in the layout
OMNI_EVENTS_LAYOUT sets (plain by default).

`--profile` runs, instead, the steps from (a) to (b) one at a time: (a); (s); (o) `omni_append`
alone, the statement of keyed and several-stream commands, with one event; (q) ours without
the post-commit NOTIFY; (b); and the Python side of (b) without a database; then (s) and (o)
in the partitioned layout.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, cast
from uuid import uuid4

from eventsourcing.domain import Aggregate, event

from adapters.codec import EventCodec
from adapters.postgres.store import APPEND, PostgresEventStore, encode_context
from adapters.settings import Settings
from bench import personal_data
from bench.common import (
    Rate,
    eventsourcing_application_class,
    fresh_database,
    in_layout,
    libpq_environment,
    ratio_line,
    server_cpu_seconds,
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


SYSTEMS = {
    "raw": "(a) raw INSERT",
    "sql": "(s) ours' SQL only",
    "ours": "(b) omnicommerce append",
    "es": "(c) eventsourcing save()",
    "ours-p": "(p) ours, partitioned",
}
PROFILE = {
    "raw": "(a) raw INSERT",
    "sql": "(s) ours' SQL only",
    "omni": "(o) omni_append SQL only",
    "quiet": "(q) ours without NOTIFY",
    "ours": "(b) omnicommerce append",
    "sql-p": "(s) ours' SQL only, partitioned",
    "omni-p": "(o) omni_append only, partitioned",
}
THREE = {
    "raw3": "(a) raw 3-row INSERT",
    "ours3": "(b) ours, 3 streams",
    "ours3-p": "(p) ours, 3 streams, partitioned",
}
# Past 10% slower on append, the partitioned layout stays opt-in (issue 23).
PARTITIONED_TARGET = 0.9
SERVER_CPU_COMMANDS, SERVER_CPU_ROUNDS = 2_000, 3
ROUNDS = 2  # each figure sums this many interleaved runs of seconds / ROUNDS
WARMUP = 3  # untimed commands per worker first: connections open, statements prepared


async def run(settings: Settings, seconds: float, profile: bool = False) -> list[str]:
    # Sealed against plain appends in the layout the environment sets (OMNI_EVENTS_LAYOUT).
    personal = in_layout(settings, settings.events_layout)
    settings = in_layout(settings, "plain")  # the runners of the partitioned layout set it
    if profile:
        return await _profile(settings, seconds)
    lines = [
        f"append: one-event commands/s, p50/p99 per command, client CPU per command "
        f"({ROUNDS} interleaved runs of {seconds / ROUNDS:g}s each)"
    ]
    rates: dict[tuple[str, int], Rate] = {}
    for concurrency in CONCURRENCIES:
        lines += await _measure(settings, SYSTEMS, concurrency, seconds, rates)
    lines.append("append: three-event commands/s (three streams in one append, like a checkout)")
    for concurrency in CONCURRENCIES:
        lines += await _measure(settings, THREE, concurrency, seconds, rates)
    lines.append("append: Python side of one ours append, no database (one task)")
    lines += await _python_side()
    lines += await personal_data.append_lines(personal, seconds)

    lines.append("append: ratios (commands/s)")
    for concurrency in CONCURRENCIES:
        at_32 = concurrency == 32

        def ratio(a: str, b: str, c: int = concurrency) -> float:
            return rates[a, c].per_second / rates[b, c].per_second

        lines += [
            ratio_line(
                f"ours / raw INSERT at c={concurrency}",
                ratio("ours", "raw"),
                0.5 if at_32 else None,
            ),
            ratio_line(
                f"ours / eventsourcing save() at c={concurrency}",
                ratio("ours", "es"),
                4.0 if at_32 else None,
            ),
            ratio_line(f"SQL only / raw INSERT at c={concurrency}", ratio("sql", "raw"), None),
            ratio_line(
                f"3 streams: ours / raw 3-row INSERT at c={concurrency}",
                ratio("ours3", "raw3"),
                None,
            ),
        ]
    lines.append("append: partitioned layout / plain (commands/s)")
    for concurrency in CONCURRENCIES:
        for partitioned, plain, what in (
            ("ours-p", "ours", "1 stream"),
            ("ours3-p", "ours3", "3 streams"),
        ):
            lines.append(
                ratio_line(
                    f"{what}: partitioned / plain at c={concurrency}",
                    rates[partitioned, concurrency].per_second
                    / rates[plain, concurrency].per_second,
                    PARTITIONED_TARGET,
                )
            )
    return lines + await _server_cpu_by_layout(settings)


async def _server_cpu_by_layout(settings: Settings) -> list[str]:
    """Each layout's server CPU per command, one and three streams: the least of
    SERVER_CPU_ROUNDS interleaved runs, so a busy neighbour inflates neither side."""
    kinds = [(layout, streams) for streams in (1, 3) for layout in ("plain", "partitioned")]
    runs: dict[tuple[str, int], list[float]] = {kind: [] for kind in kinds}
    for _ in range(SERVER_CPU_ROUNDS):
        for layout, streams in kinds:
            used = await _server_cpu(in_layout(settings, layout), streams)
            if used is None:
                return ["append: server CPU per command not measured (the server is elsewhere)"]
            runs[layout, streams].append(used)
    least = {kind: min(values) for kind, values in runs.items()}
    lines = [
        f"append: server CPU per command, one connection (least of {SERVER_CPU_ROUNDS} "
        f"interleaved runs of {SERVER_CPU_COMMANDS:,})"
    ]
    for streams in (1, 3):
        plain, partitioned = least["plain", streams], least["partitioned", streams]
        lines += [
            f"  {streams} stream(s): plain {plain * 1e6:6.1f} us, partitioned "
            f"{partitioned * 1e6:6.1f} us",
            ratio_line(
                f"{streams} stream(s): partitioned / plain server CPU",
                partitioned / plain,
                1 / PARTITIONED_TARGET,
                higher_is_better=False,
            ),
        ]
    return lines


async def _server_cpu(settings: Settings, streams: int) -> float | None:
    """Server CPU seconds per (b) command of `streams` streams, on a pool of one connection."""
    async with fresh_database(settings, pool_size=1) as database:
        store = database.store
        pid = await database.pool.fetchval("SELECT pg_backend_pid()")
        baskets = [Basket() for _ in range(streams)]
        await store.append([e for b in baskets for e in b.collect_events()], CONTEXT)

        async def command() -> None:
            for basket in baskets:
                basket.add("RETRO-CLOCK", PRICE)
            await store.append([e for b in baskets for e in b.collect_events()], CONTEXT)

        for _ in range(WARMUP):
            await command()
        before = server_cpu_seconds(pid)
        for _ in range(SERVER_CPU_COMMANDS):
            await command()
        after = server_cpu_seconds(pid)
    if before is None or after is None:
        return None
    return (after - before) / SERVER_CPU_COMMANDS


async def _profile(settings: Settings, seconds: float) -> list[str]:
    """Where ours loses to the raw INSERT, one step at a time (`--profile`)."""
    lines = [
        "append --profile: one-event commands/s, from the raw INSERT to ours step by step "
        f"({ROUNDS} interleaved runs of {seconds / ROUNDS:g}s each)"
    ]
    rates: dict[tuple[str, int], Rate] = {}
    for concurrency in CONCURRENCIES:
        lines += await _measure(settings, PROFILE, concurrency, seconds, rates)
    lines.append("append --profile: Python side of one ours append, no database (one task)")
    lines += await _python_side()
    lines.append("append --profile: each step / raw INSERT (commands/s)")
    for concurrency in CONCURRENCIES:
        raw = rates["raw", concurrency].per_second
        for name, label in PROFILE.items():
            if name != "raw":
                value = rates[name, concurrency].per_second / raw
                lines.append(ratio_line(f"c={concurrency:2d} {label}", value, None))
    return lines


async def _measure(
    settings: Settings,
    systems: dict[str, str],
    concurrency: int,
    seconds: float,
    rates: dict[tuple[str, int], Rate],
) -> list[str]:
    """Every system at one concurrency, interleaved in rounds so drift on a shared machine
    falls on all of them alike; each run in a fresh schema."""
    runs: dict[str, list[Rate]] = {name: [] for name in systems}
    for _ in range(ROUNDS):
        for name in systems:
            runs[name].append(await RUNNERS[name](settings, concurrency, seconds / ROUNDS))
    lines = []
    for name, label in systems.items():
        rate = rates[name, concurrency] = Rate.merged(runs[name])
        lines.append(
            f"  c={concurrency:2d} {label:30} {rate.describe('cmds')}"
            f"  cpu {rate.cpu_per_operation * 1e6:4.0f} us"
        )
    return lines


async def _raw(settings: Settings, concurrency: int, seconds: float, streams: int = 1) -> Rate:
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

        return await timed_workers(concurrency, seconds, insert, WARMUP)


async def _sql_only(settings: Settings, concurrency: int, seconds: float) -> Rate:
    """The one-stream statement ours sends, with values encoded once up front."""
    row = Row()
    stream_ids = [uuid4() for _ in range(concurrency)]
    versions = [0] * concurrency
    async with fresh_database(settings, pool_size=concurrency) as database:
        pool = database.pool
        one_event = database.store.statements.one_event

        async def append(worker: int) -> int:
            versions[worker] += 1
            inserted = await pool.fetch(
                one_event,
                stream_ids[worker],
                versions[worker],
                row.topic,
                row.schema_version,
                row.state,
                row.context,
                None,  # no data subject: Basket holds no personal text
            )
            assert inserted, "the stream was not at the expected version"
            return 1

        return await timed_workers(concurrency, seconds, append, WARMUP)


async def _omni_append_only(settings: Settings, concurrency: int, seconds: float) -> Rate:
    """omni_append (keyed or several-stream commands) with one event's arrays."""
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
                b"",
                [None],
            )
            return 1

        return await timed_workers(concurrency, seconds, append, WARMUP)


async def _ours(
    settings: Settings,
    concurrency: int,
    seconds: float,
    streams: int = 1,
    notify: bool = True,
) -> Rate:
    async with fresh_database(settings, pool_size=concurrency) as database:
        store = database.store
        if not notify:  # appends still wake this process's followers, not other processes'
            store.notifier.channel = ""
        baskets = [[Basket() for _ in range(streams)] for _ in range(concurrency)]
        for mine in baskets:  # the Created events, before the clock starts
            await store.append([e for b in mine for e in b.collect_events()], CONTEXT)

        async def append(worker: int) -> int:
            for basket in baskets[worker]:
                basket.add("RETRO-CLOCK", PRICE)
            events = [e for b in baskets[worker] for e in b.collect_events()]
            await store.append(events, CONTEXT)
            return 1

        return await timed_workers(concurrency, seconds, append, WARMUP)


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
        warmed, go = threading.Barrier(concurrency + 1), threading.Barrier(concurrency + 1)
        deadline = 0.0

        def work(worker: int) -> None:
            basket = baskets[worker]
            try:
                for _ in range(WARMUP):
                    basket.add("RETRO-CLOCK", PRICE)
                    app.save(basket)
            except BaseException as error:  # noqa: BLE001 - re-raised below, in the caller
                failures.append(error)
            warmed.wait()
            go.wait()  # the deadline is set
            try:
                while not failures and time.perf_counter() < deadline:
                    started = time.perf_counter()
                    basket.add("RETRO-CLOCK", PRICE)
                    app.save(basket)
                    latencies[worker].append(time.perf_counter() - started)
            except BaseException as error:  # noqa: BLE001 - re-raised below, in the caller
                failures.append(error)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(concurrency)]
        for thread in threads:
            thread.start()
        warmed.wait()
        started, cpu = time.perf_counter(), time.process_time()
        deadline = started + seconds
        go.wait()
        for thread in threads:
            thread.join()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        app.close()
    if failures:
        raise failures[0]
    flat = [x for worker in latencies for x in worker]
    return Rate(len(flat), elapsed, flat, cpu)


async def _raw3(settings: Settings, concurrency: int, seconds: float) -> Rate:
    return await _raw(settings, concurrency, seconds, 3)


async def _ours3(settings: Settings, concurrency: int, seconds: float) -> Rate:
    return await _ours(settings, concurrency, seconds, 3)


async def _quiet(settings: Settings, concurrency: int, seconds: float) -> Rate:
    return await _ours(settings, concurrency, seconds, notify=False)


def _partitioned(
    runner: Callable[[Settings, int, float], Awaitable[Rate]],
) -> Callable[[Settings, int, float], Awaitable[Rate]]:
    """`runner` in a fresh schema of the partitioned layout."""

    async def run(settings: Settings, concurrency: int, seconds: float) -> Rate:
        return await runner(in_layout(settings, "partitioned"), concurrency, seconds)

    return run


RUNNERS: dict[str, Callable[[Settings, int, float], Awaitable[Rate]]] = {
    "raw": _raw,
    "sql": _sql_only,
    "ours": _ours,
    "es": _eventsourcing,
    "raw3": _raw3,
    "ours3": _ours3,
    "omni": _omni_append_only,
    "quiet": _quiet,
    "ours-p": _partitioned(_ours),
    "ours3-p": _partitioned(_ours3),
    "sql-p": _partitioned(_sql_only),
    "omni-p": _partitioned(_omni_append_only),
}


async def _python_side(rounds: int = 20_000) -> list[str]:
    """What ours spends in Python per one-event append, one task, no I/O: building the event
    (the aggregate method), encoding it and the context, and all of `store.append` with its
    database call stubbed out (encoding, arguments, result, the append signal's task)."""
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
        [codec.encode(e) for e in events]
        encode_context(CONTEXT)
    encode = (time.perf_counter() - started) / rounds

    store = PostgresEventStore(cast(Any, _StubPool()), layout="plain")
    started = time.perf_counter()
    for _ in range(rounds):
        await store.append(events, CONTEXT)
    for _ in range(3):  # let the append signal's tasks run: they are part of the cost
        await asyncio.sleep(0)
    append = (time.perf_counter() - started) / rounds
    return [
        f"  build the event (aggregate method)            {build * 1e6:7.1f} us",
        f"  encode the event and the context (msgspec)    {encode * 1e6:7.1f} us",
        f"  store.append, database call stubbed out       {append * 1e6:7.1f} us",
    ]


class _StubPool:
    """Answers the store's append statements without a database."""

    row: ClassVar = {"replayed": False, "transaction_id": 1, "last_position": 1, "outcome": b""}
    inserted: ClassVar = [{"transaction_id": 1, "position": 1}]

    async def fetchrow(self, *args: object) -> dict[str, object]:
        return self.row

    async def fetch(self, *args: object) -> list[dict[str, object]]:
        return self.inserted
