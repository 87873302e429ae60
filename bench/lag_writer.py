"""The writer side of the projection-lag benchmark, run as a process of its own.

Writers in production are API processes, not the projection worker; measured in the worker's
own process, the load generator took most of the CPU the projections needed. This process
appends one stock movement per command and prints JSON on stdout:

    python -m bench.lag_writer DSN SCHEMA ceiling SECONDS       -> {"per_second": ...}
    python -m bench.lag_writer DSN SCHEMA steady SECONDS RATE   -> {"commits": [[xid, pos, t]]}

`t` is CLOCK_MONOTONIC, which Linux keeps system-wide, so the worker process can compare it
with the moment its read model passed the position.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import time
from uuid import uuid4

import msgspec

from adapters.postgres.pool import connect, create_pool
from adapters.postgres.store import PostgresEventStore
from bench.common import timed_workers
from domain.stock.model import StockItem
from domain.values import Actor, ActorKind, Channel, Context

CONTEXT = Context(channel=Channel.STAFF, actor=Actor(ActorKind.SYSTEM, "bench"))
CEILING_WORKERS = 16


def now() -> float:
    return time.clock_gettime(time.CLOCK_MONOTONIC)


async def ceiling(store: PostgresEventStore, seconds: float) -> dict[str, float]:
    """Appends per second with CEILING_WORKERS writers, each on a stream of its own."""
    run = uuid4().hex[:6]
    items = [StockItem.create(f"CEIL-{run}-{n}", "RETRO-CLOCK") for n in range(CEILING_WORKERS)]

    async def receive(worker: int) -> int:
        items[worker].receive(1, "bench")
        await store.append(items[worker].collect_events(), CONTEXT)
        return 1

    rate = await timed_workers(CEILING_WORKERS, seconds, receive, warmup=3)
    return {"per_second": rate.per_second}


async def steady(store: PostgresEventStore, seconds: float, rate: float) -> dict[str, list]:  # type: ignore[type-arg]
    """Append at `rate` per second, on schedule, each on a new stream; note each commit."""
    run = uuid4().hex[:6]
    commits: list[tuple[int, int, float]] = []

    async def append(number: int) -> None:
        item = StockItem.create(f"STEADY-{run}-{number}", "LAVA-LAMP")
        item.receive(1, "steady")
        done = await store.append(item.collect_events(), CONTEXT)
        position = done.last_position
        commits.append((position.transaction_id, position.position, now()))

    in_flight: set[asyncio.Task[None]] = set()
    interval, started, sent = 1 / rate, now(), 0
    while now() - started < seconds:
        due = int((now() - started) / interval)
        for number in range(sent, due):
            task = asyncio.create_task(append(number))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
        sent = max(sent, due)
        await asyncio.sleep(interval / 2)
    await asyncio.gather(*in_flight)
    return {"commits": commits}


async def main(dsn: str, schema: str, mode: str, seconds: float, rate: float) -> bytes:
    pool = await create_pool(dsn, schema=schema, min_size=2, max_size=CEILING_WORKERS)
    store = await PostgresEventStore.on_pool(pool)
    await store.start_listening(functools.partial(connect, dsn, schema=schema))
    try:
        result = await (
            ceiling(store, seconds) if mode == "ceiling" else steady(store, seconds, rate)
        )
    finally:
        await store.stop_listening()
        await pool.close()
    return msgspec.json.encode(result)


if __name__ == "__main__":
    dsn, schema, mode, seconds, *rest = sys.argv[1:]
    output = asyncio.run(main(dsn, schema, mode, float(seconds), float(rest[0] if rest else 0)))
    sys.stdout.buffer.write(output)
