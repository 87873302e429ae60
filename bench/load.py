"""load: `Repository.get` of an aggregate after 10,000 events vs after 10.

The Repository takes a snapshot whenever a save crosses a multiple of `snapshot_every`
(default 100). Streams are written 100 events per save, so each multiple is crossed.
Figures are medians of interleaved loads (short, long, long + tail, short, ...):

- after 10 events: no snapshot yet, 10 events replayed;
- after 10,000 events: the snapshot at 10,000, nothing after it (the target's case);
- after 10,099 events: the snapshot at 10,000 plus 99 events, the most a stream ever
  replays with snapshots every 100 (informational);
- for scale, the 10,000 events replayed from the start without the snapshot.

Those loads go through a store that did not write the streams, as another process would: from
the stored snapshot. The process that saved an aggregate also remembers its latest state and
reads only the events after it; those warm loads are shown too (informational).
"""

from __future__ import annotations

import time
from typing import Any

from adapters.postgres.store import PostgresEventStore
from adapters.settings import Settings
from bench.append import CONTEXT, PRICE, Basket
from bench.common import fresh_database, median, ratio_line
from domain.repository import SNAPSHOT_EVERY, Repository

LOADS = 200
FULL_REPLAYS = 5


async def run(settings: Settings, seconds: float) -> list[str]:
    async with fresh_database(settings, pool_size=4) as database:
        writer = Repository(database.store)
        streams = {
            "after 10 events": await _written(writer, 10),
            "after 10,000 events": await _written(writer, 10_000),
            "after 10,099 events": await _written(writer, 10_099),
        }
        cold_store = PostgresEventStore(database.pool, layout=database.store.layout)
        timings = await _timed_loads(Repository(cold_store), streams)
        assert all(cold_store.recent.get(basket.id) is None for basket in streams.values())
        warm = await _timed_loads(writer, streams)
        full = [
            await _replayed_from_start(database.store, streams["after 10,000 events"])
            for _ in range(FULL_REPLAYS)
        ]
    ms = {name: median(values) * 1000 for name, values in timings.items()}
    warm_ms = {name: median(values) * 1000 for name, values in warm.items()}
    short, long, tail = ms.values()
    return [
        f"load: Repository.get from the stored snapshot, median of {LOADS} loads each "
        f"(snapshot every {SNAPSHOT_EVERY})",
        f"  after 10 events          {short:8.3f} ms  (no snapshot; 10 events replayed)",
        f"  after 10,000 events      {long:8.3f} ms  (snapshot at 10,000; 0 events after it)",
        f"  after 10,099 events      {tail:8.3f} ms  (snapshot at 10,000; 99 events after it)",
        f"  10,000 without snapshot  {median(full) * 1000:8.3f} ms  "
        f"(all events replayed, median of {FULL_REPLAYS}; for scale)",
        "  in the process that saved them (remembered state, nothing to replay): "
        + ", ".join(f"{name} {value:.3f} ms" for name, value in warm_ms.items()),
        ratio_line("after 10,000 / after 10", long / short, 2.0, higher_is_better=False),
        ratio_line("after 10,099 / after 10 (worst case)", tail / short, None),
    ]


async def _timed_loads(
    repository: Repository, streams: dict[str, Basket]
) -> dict[str, list[float]]:
    """LOADS loads of each stream, interleaved."""
    timings: dict[str, list[float]] = {name: [] for name in streams}
    for _ in range(LOADS):
        for name, basket in streams.items():
            started = time.perf_counter()
            loaded = await repository.get(basket.id, Basket)
            timings[name].append(time.perf_counter() - started)
            assert loaded.version == basket.version and loaded.items == basket.items
    return timings


async def _written(repository: Repository, events: int) -> Basket:
    basket = Basket()
    while basket.version < events:
        for _ in range(min(100, events - basket.version)):
            basket.add("RETRO-CLOCK", PRICE)
        await repository.save(basket, context=CONTEXT)
    return basket


async def _replayed_from_start(store: Any, basket: Basket) -> float:
    started = time.perf_counter()
    aggregate: Any = None
    for domain_event in await store.read_stream(basket.id):
        aggregate = domain_event.mutate(aggregate)
    elapsed = time.perf_counter() - started
    assert aggregate.version == basket.version
    return elapsed
