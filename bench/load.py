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

Then the same in the partitioned layout of the events table (OMNI_EVENTS_LAYOUT=partitioned),
in partitions of 1,000 events (bench/common.py), so that these streams span about 20 of them
as a store of 200 M events would span 20 of 10 M: a stream load looks in every partition
(they are by position, not stream). The two layouts' loads are interleaved; the ratios
partitioned / plain close the report (informational).
"""

from __future__ import annotations

import time
from typing import Any

from adapters.postgres.store import PostgresEventStore
from adapters.settings import Settings
from bench.append import CONTEXT, PRICE, Basket
from bench.common import BENCH_PARTITION_SIZE, fresh_database, in_layout, median, ratio_line
from domain.repository import SNAPSHOT_EVERY, Repository

LOADS = 200
FULL_REPLAYS = 5


async def run(settings: Settings, seconds: float) -> list[str]:
    async with (
        fresh_database(in_layout(settings, "plain"), pool_size=4) as database,
        fresh_database(in_layout(settings, "partitioned"), pool_size=4) as other,
    ):
        writers = (Repository(database.store), Repository(other.store))
        streams = [
            {
                "after 10 events": await _written(writer, 10),
                "after 10,000 events": await _written(writer, 10_000),
                "after 10,099 events": await _written(writer, 10_099),
            }
            for writer in writers
        ]
        # Only saves remember a state; the same keys, as another process would have.
        cold = [
            PostgresEventStore(d.pool, keys=d.store.keys, layout=d.store.layout)
            for d in (database, other)
        ]
        both = await _timed_loads_in_turn([Repository(store) for store in cold], streams)
        assert all(cold[0].recent.get(basket.id) is None for basket in streams[0].values())
        warm = await _timed_loads(writers[0], streams[0])
        full = [
            await _replayed_from_start(database.store, streams[0]["after 10,000 events"])
            for _ in range(FULL_REPLAYS)
        ]
        partitions = await other.pool.fetchval("SELECT count(*) FROM event_partitions")
    return _report(both[0], warm, full) + _layouts(both, partitions)


def _report(
    timings: dict[str, list[float]], warm: dict[str, list[float]], full: list[float]
) -> list[str]:
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


def _layouts(both: list[dict[str, list[float]]], partitions: int) -> list[str]:
    plain, partitioned = ({k: median(v) * 1000 for k, v in t.items()} for t in both)
    lines = [
        f"load: the same loads in the partitioned layout ({partitions} partitions of "
        f"{BENCH_PARTITION_SIZE:,} events; median of {LOADS}, interleaved with the above)",
        *(f"  {name:24} {value:8.3f} ms" for name, value in partitioned.items()),
    ]
    lines += [
        ratio_line(f"partitioned / plain, {k}", partitioned[k] / plain[k], None) for k in plain
    ]
    return lines


async def _timed_loads_in_turn(
    repositories: list[Repository], streams: list[dict[str, Basket]]
) -> list[dict[str, list[float]]]:
    """LOADS loads of each stream through each repository, in turn: drift falls on both."""
    timings: list[dict[str, list[float]]] = [{name: [] for name in s} for s in streams]
    for _ in range(LOADS):
        for repository, mine, times in zip(repositories, streams, timings, strict=True):
            for name, basket in mine.items():
                started = time.perf_counter()
                loaded = await repository.get(basket.id, Basket)
                times[name].append(time.perf_counter() - started)
                assert loaded.version == basket.version and loaded.items == basket.items
    return timings


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
