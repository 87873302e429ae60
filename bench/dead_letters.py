"""What the sequenced dead letters cost a replay (issue 17: at least 0.95 of the rate without).

Each read model is replayed once from the stored events into fresh tables, its windows of
the runner's batch size (500: ten times the batches of a rebuild, so ten times what a cost
per batch weighs) handed in turn to three writers: the bare batch apply the runner and
rebuilds used before (projections/tracking.apply_batch), the dead-letter policy they use now
(projections/parking.py) with nothing parked, and the same policy with one stream parked
(one that never occurs, so every window is looked at event by event). Each writer's rate is
the events of its windows over the time they took (reading the window included). Taking
turns window by window, the three share whatever else the machine is doing: replays run one
after the other differed by up to 2x on this shared machine, whichever came first.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable
from uuid import uuid4

from adapters.postgres.store import PostgresEventStore
from adapters.subscription import Window
from bench.common import ratio_line
from domain.ports import Position
from projections.catalog import all_projections
from projections.parking import StreamParking
from projections.tracking import Projection, apply_batch

TARGET = 0.95
BATCH = 500  # ProjectionRunner's default batch_size
SUFFIX = "__bench"
WRITERS = ("without", "with", "parked")

Write = Callable[[Position, Window], Awaitable[None]]


async def run_comparison(store: PostgresEventStore) -> list[str]:
    lines = ["projections: replay without the dead-letter policy, with it, with a stream parked"]
    totals = {writer: [0, 0.0] for writer in WRITERS}
    for projection in all_projections():
        spent = await replay(store, projection)
        for writer, (events, seconds) in spent.items():
            totals[writer][0] += events
            totals[writer][1] += seconds
        rates = {writer: events / seconds for writer, (events, seconds) in spent.items()}
        lines.append(
            f"  {projection.name:22} "
            + "  ".join(f"{rates[w]:8,.0f}/s {w}" for w in WRITERS)
            + f"  ({rates['with'] / rates['without']:.3f})"
        )
    rate = {writer: events / seconds for writer, (events, seconds) in totals.items()}
    lines.append(
        ratio_line(
            "all read models: with dead letters / without", rate["with"] / rate["without"], TARGET
        )
    )
    lines.append(
        ratio_line(
            "all read models: a stream parked / without", rate["parked"] / rate["without"], None
        )
    )
    return lines


async def replay(store: PostgresEventStore, projection: Projection) -> dict[str, tuple[int, float]]:
    """Every stored event into fresh `<table>__bench` tables, the writers taking turns:
    (events, seconds) for each."""
    pool, name = store.pool, projection.name + SUFFIX
    await _fresh_tables(store, projection, name)
    policy, parked = (
        StreamParking(projection, name, SUFFIX),
        StreamParking(projection, name, SUFFIX),
    )
    parked.parked = {uuid4(): Position()}

    async def without(start: Position, window: Window) -> None:
        assert window.end is not None
        await apply_batch(pool, projection, start, window.end, window.events, SUFFIX, name)

    async def through(parking: StreamParking, start: Position, window: Window) -> None:
        assert window.end is not None
        await parking.write(pool, start, window.end, window.events)

    writers: dict[str, Write] = {
        "without": without,
        "with": lambda start, window: through(policy, start, window),
        "parked": lambda start, window: through(parked, start, window),
    }
    spent = {writer: (0, 0.0) for writer in WRITERS}
    position = Position()
    for turn in itertools.count():
        writer = WRITERS[turn % len(WRITERS)]
        started = time.perf_counter()
        window = await store.read_window(position, BATCH, projection.topics)
        if window.end is None:
            break
        await writers[writer](position, window)
        events, seconds = spent[writer]
        spent[writer] = (events + window.scanned, seconds + time.perf_counter() - started)
        position = window.end
    return spent


async def _fresh_tables(store: PostgresEventStore, projection: Projection, name: str) -> None:
    async with store.pool.acquire() as connection, connection.transaction():
        for table in projection.tables:
            await connection.execute(f"DROP TABLE IF EXISTS {table}{SUFFIX}")
        await projection.create_tables(connection, SUFFIX)
        await connection.execute("DELETE FROM projection_checkpoints WHERE name = $1", name)
        await connection.execute(
            "INSERT INTO projection_checkpoints (name, version) VALUES ($1, $2)",
            name,
            projection.version,
        )
