"""The partitioned layout: the rule keeps partitions ready ahead of the head, rows past them
land in the default partition and stay readable, and the global order holds across bounds."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from uuid import uuid4

import asyncpg
import pytest

from adapters.postgres.database import Database
from adapters.postgres.partitions import FIRE, partition_status
from adapters.postgres.pool import connect
from adapters.postgres.store import PostgresEventStore
from adapters.settings import Settings
from api.server.scheduler import tick
from domain.ports import Position, RecordedEvent
from domain.repository import Repository
from domain.values import Money
from tests.conftest import TEST_PARTITION_SIZE, TEST_PARTITIONS_AHEAD, fresh_database
from tests.integration.conftest import Shop
from tests.integration.test_event_store_contract import CONTEXT, Till, new_till, saved_till
from tests.integration.test_events_layouts import skip_positions
from tests.integration.test_postgres_event_store import append_in_open_transaction

SIZE, AHEAD = TEST_PARTITION_SIZE, TEST_PARTITIONS_AHEAD


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    """Partitioned, for every test here and for the shop they use."""
    async with fresh_database(settings, "partitioned") as database:
        yield database


async def everything(store: PostgresEventStore, count: int) -> list[RecordedEvent]:
    """All `count` events in global order, once no open transaction on the (maybe shared)
    server holds any of them back from readers."""
    async with asyncio.timeout(10):
        while len(recorded := await store.read_all(Position())) < count:
            await asyncio.sleep(0.05)
    return recorded


def pay(till: Till) -> None:
    till.take(Money.of("1.00"), uuid4())


async def rows_per_partition(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch(
        "SELECT tableoid::regclass::text AS name, count(*) AS n FROM events GROUP BY 1"
    )
    return {row["name"]: row["n"] for row in rows}


async def ranges(pool: asyncpg.Pool) -> list[tuple[int, int]]:
    rows = await pool.fetch(
        "SELECT from_position, to_position FROM event_partitions ORDER BY from_position"
    )
    return [(row["from_position"], row["to_position"]) for row in rows]


async def test_a_new_schema_has_its_partitions_ahead_before_the_first_append(
    database: Database,
) -> None:
    status = await partition_status(database.pool)
    assert (status.count, status.room, status.spilled) == (AHEAD, AHEAD * SIZE, False)
    assert await ranges(database.pool) == [(1 + n * SIZE, 1 + (n + 1) * SIZE) for n in range(AHEAD)]


async def test_a_tick_keeps_partitions_ahead_of_the_head_and_events_land_in_them(
    shop: Shop,
) -> None:
    store, upkeep = shop.database.store, shop.database.upkeep
    till = new_till()
    for _ in range(25):  # 2,500 events: past two partition bounds
        for _ in range(100):
            pay(till)
        await store.append(till.collect_events(), CONTEXT)
    head = (await store.committed_head()).position
    covered = (await ranges(shop.pool))[-1][1]
    assert head == 2501

    first = await tick(shop.pool, shop.service, shop.clock, upkeep)
    second = await tick(shop.pool, shop.service, shop.clock, upkeep)

    needed = -(-(head + AHEAD * SIZE + 1 - covered) // SIZE)  # partitions to pass the target
    assert (first.partitions_created, second.partitions_created) == (needed, 0)
    status = await partition_status(shop.pool)
    assert AHEAD * SIZE < status.room <= (AHEAD + 1) * SIZE and not status.spilled
    placed = await rows_per_partition(shop.pool)
    assert "events_default" not in placed and sum(placed.values()) == 2501
    assert len(placed) == -(-head // SIZE)
    health = await shop.database.health()
    assert health["event_store"]["partitions"] == {  # type: ignore[index]
        "count": AHEAD + needed,
        "room": status.room,
        "spilled": False,
    }


async def test_two_processes_firing_the_rule_at_once_create_each_partition_once(
    database: Database,
) -> None:
    await skip_positions(database.pool, 2 * SIZE + SIZE // 2)
    connections = [await connect(database.dsn, schema=database.schema) for _ in range(2)]
    try:
        created = await asyncio.gather(*(database.partitions.fire(c) for c in connections))  # type: ignore[union-attr]
    finally:
        for connection in connections:
            await connection.close()

    bounds = await ranges(database.pool)
    assert sorted(created) == [0, len(bounds) - AHEAD] and len(bounds) > AHEAD
    assert all(prev[1] == nxt[0] for prev, nxt in itertools.pairwise(bounds))


async def test_events_past_the_last_partition_land_in_the_default_one_and_stay_in_order(
    database: Database,
) -> None:
    """Nobody fired the rule while the head ran past every partition: appends still succeed,
    into the default partition. The rule then creates partitions past every position drawn,
    and every event of a stream that straddles both is read in stream and global order."""
    store, pool = database.store, database.pool
    till = await saved_till(store, payments=2)
    await skip_positions(pool, AHEAD * SIZE)
    repository = Repository(store)
    for _ in range(3):
        await pay_and_save(repository, till)
    spilled = await partition_status(pool)
    head = (await store.committed_head()).position

    created = await database.upkeep()
    first_new = (await ranges(pool))[AHEAD][0]
    await pool.execute(
        "SELECT setval(pg_get_serial_sequence('events', 'position'), $1)", first_new - 1
    )
    await pay_and_save(repository, till)

    assert spilled.spilled and spilled.room == 0
    assert created > 0 and first_new > head
    placed = await rows_per_partition(pool)
    assert placed.pop("events_default") == 3
    assert sorted(placed.values()) == [1, 3] and f"events_from_{first_new:019d}" in placed
    recorded = await everything(store, 7)
    assert [r.version for r in recorded] == [1, 2, 3, 4, 5, 6, 7]
    assert [r.position for r in recorded] == sorted(r.position for r in recorded)
    assert [e.originator_version for e in await store.read_stream(till.id)] == list(range(1, 8))


async def pay_and_save(repository: Repository, till: Till) -> None:
    loaded = await repository.get(till.id, Till)
    pay(loaded)
    await repository.save(loaded, context=CONTEXT)


async def test_a_late_commit_in_an_earlier_partition_is_read_before_a_later_one(
    database: Database,
) -> None:
    """The slow append's rows are in the first partition, the fast one's in the second: the
    reader still waits for the slow one and then reads both in commit-safe order."""
    store = database.store
    slow_till = new_till(payments=1)
    connection, slow = await append_in_open_transaction(database, slow_till)
    await skip_positions(database.pool, SIZE)
    fast_till = await saved_till(store, payments=1)

    before_slow_commit = await store.read_all(Position())
    await slow.commit()
    await connection.close()
    after = await everything(store, 4)

    assert before_slow_commit == []
    assert [r.stream_id for r in after] == [slow_till.id] * 2 + [fast_till.id] * 2
    assert len(await rows_per_partition(database.pool)) == 2


async def test_the_rule_never_holds_up_an_append_and_gives_way_to_a_reader(
    database: Database,
) -> None:
    """Attaching a partition waits for readers of the default partition, never for appends:
    an append while the rule waits goes through; with its own short lock timeout the rule
    gives up (creating nothing) and the next firing, with the reader gone, succeeds."""
    pool, rule = database.pool, database.partitions
    assert rule is not None
    await skip_positions(pool, 2 * SIZE)
    before = await ranges(pool)
    reader, firing = [await connect(database.dsn, schema=database.schema) for _ in range(2)]
    try:
        reading = reader.transaction()
        await reading.start()
        await reader.fetch("SELECT count(*) FROM events")
        assert await rule.fire(firing) == 0
        assert await ranges(pool) == before
        firing_pid = await firing.fetchval("SELECT pg_backend_pid()")
        waiting = asyncio.create_task(firing.fetchval(FIRE, SIZE, AHEAD, "60s"))
        await until_waiting_for_a_lock(pool, firing_pid)

        till = await asyncio.wait_for(saved_till(database.store, payments=1), 20)

        assert not waiting.done()
        await reading.rollback()
        created = await asyncio.wait_for(waiting, 30)
    finally:
        await reader.close()
        await firing.close()
    assert created > 0 and len(await ranges(pool)) == len(before) + created
    assert len(await database.store.read_stream(till.id)) == 2


async def until_waiting_for_a_lock(pool: asyncpg.Pool, pid: int) -> None:
    async with asyncio.timeout(10):
        while not await pool.fetchval(
            "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1", pid
        ):
            await asyncio.sleep(0.02)
