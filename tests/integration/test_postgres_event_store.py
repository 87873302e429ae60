"""What only the PostgreSQL store can show: late commits, separate processes, damaged rows;
in both layouts of the events table."""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import uuid4

import pytest

from adapters.postgres.database import Database
from adapters.postgres.pool import connect, create_pool
from adapters.postgres.store import PostgresEventStore
from adapters.settings import Settings
from domain.errors import ConcurrencyError, EventDecodingError
from domain.ports import Position
from domain.repository import Repository
from domain.values import Money
from tests.conftest import LAYOUTS, fresh_database
from tests.integration.test_event_store_contract import CONTEXT, Till, new_till, saved_till

APPEND_ONE = "SELECT * FROM omni_append($1, $2, $3, $4, $5, $6, NULL, ''::bytea, ''::bytea)"


@pytest.fixture(params=LAYOUTS)
async def database(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[Database]:
    """Every test here runs against both layouts of the events table."""
    async with fresh_database(settings, request.param) as database:
        yield database


async def append_in_open_transaction(database: Database, till: Till):  # type: ignore[no-untyped-def]
    """Start an append and leave its transaction open; returns the connection and transaction."""
    encoded = [database.store.codec.encode(e) for e in till.collect_events()]
    connection = await connect(database.dsn, schema=database.schema)
    transaction = connection.transaction()
    await transaction.start()
    await connection.fetchrow(
        APPEND_ONE,
        [e.stream_id for e in encoded],
        [e.version for e in encoded],
        [e.topic for e in encoded],
        [e.schema_version for e in encoded],
        [e.state for e in encoded],
        [b'{"channel":"web"}'] * len(encoded),
    )
    return connection, transaction


async def test_a_reader_waits_for_an_earlier_transaction_that_commits_late(
    database: Database,
) -> None:
    store = database.store
    slow_till = new_till(payments=1)
    connection, slow = await append_in_open_transaction(database, slow_till)
    fast_till = await saved_till(store, payments=1)

    before_slow_commit = await store.read_all(Position())
    await slow.commit()
    await connection.close()
    after = await store.read_all(Position())

    assert before_slow_commit == []  # the fast commit is held back, not skipped later
    assert [r.stream_id for r in after] == [slow_till.id] * 2 + [fast_till.id] * 2


async def test_rolled_back_appends_leave_no_trace_and_no_skip(database: Database) -> None:
    store = database.store
    doomed = new_till(payments=2)
    connection, transaction = await append_in_open_transaction(database, doomed)
    kept = await saved_till(store)
    await transaction.rollback()
    await connection.close()

    assert [r.stream_id for r in await store.read_all(Position())] == [kept.id]


@asynccontextmanager
async def another_process(
    database: Database, listening: bool = True
) -> AsyncIterator[PostgresEventStore]:
    """A second store on its own pool (and listener): what another process would have."""
    pool = await create_pool(database.dsn, schema=database.schema)
    store = PostgresEventStore(pool, layout=database.store.layout)
    if listening:
        await store.start_listening(
            functools.partial(connect, database.dsn, schema=database.schema)
        )
    try:
        yield store
    finally:
        await store.stop_listening()
        await pool.close()


async def assert_woken_by_the_next_append(database: Database, follower: PostgresEventStore) -> None:
    """With polling set to a minute, only a notification wakes the follower in time."""
    stream = follower.follow(Position(), poll_interval=60)
    waiting = asyncio.create_task(anext(stream))
    await asyncio.sleep(0.1)
    till = await saved_till(database.store, payments=1)
    woken = await asyncio.wait_for(waiting, timeout=5)
    assert {r.stream_id for r in woken} == {till.id}


async def test_a_follower_in_another_process_is_woken_by_notify(database: Database) -> None:
    async with another_process(database) as other:
        await assert_woken_by_the_next_append(database, other)


async def test_a_follower_is_woken_by_notify_after_its_listening_connection_was_killed(
    database: Database,
) -> None:
    """A database restart or failover closes the listener: it reconnects, and followers in
    other processes are woken by notifications again, not left to the poll interval."""
    async with another_process(database) as other:
        listener_pid = other.notifier.listener_pid
        await database.pool.execute("SELECT pg_terminate_backend($1)", listener_pid)
        async with asyncio.timeout(5):
            while other.notifier.listener_pid in (0, listener_pid):
                await asyncio.sleep(0.05)
        await assert_woken_by_the_next_append(database, other)


@pytest.mark.slow
async def test_jittery_multi_event_transactions_are_never_skipped(database: Database) -> None:
    """Writers hold their transactions open for random times while a reader tails the log."""
    store, stop = database.store, asyncio.Event()
    committed: set[Position] = set()
    seen: list[Position] = []

    async def writer(seed: int) -> None:
        rng = random.Random(seed)
        while not stop.is_set():
            till = new_till(payments=rng.randint(0, 4))
            connection, transaction = await append_in_open_transaction(database, till)
            await asyncio.sleep(rng.random() / 50)
            if rng.random() < 0.1:
                await transaction.rollback()
            else:
                await transaction.commit()
                rows = await connection.fetch(
                    "SELECT transaction_id::text::bigint AS t, position FROM events "
                    "WHERE stream_id = $1",
                    till.id,
                )
                committed.update(Position(r["t"], r["position"]) for r in rows)
            await connection.close()

    async def reader() -> None:
        async for batch in store.follow(Position(), poll_interval=0.01):
            seen.extend(r.position for r in batch)

    tailing = asyncio.create_task(reader())
    writers = [asyncio.create_task(writer(seed)) for seed in range(12)]
    await asyncio.sleep(3)
    stop.set()
    await asyncio.gather(*writers)
    final = len(await store.read_all(Position(), limit=1_000_000))
    while len(seen) < final:
        await asyncio.sleep(0.05)
    tailing.cancel()

    assert len(committed) > 200
    assert len(seen) == len(set(seen)) == final
    assert set(seen) == committed
    assert seen == sorted(seen)


async def test_an_unknown_topic_is_reported_with_its_stream_and_version(
    database: Database,
) -> None:
    till = await saved_till(database.store, payments=1)
    await database.pool.execute(
        "UPDATE events SET topic = 'gone.module:Vanished' WHERE stream_id = $1 AND version = 2",
        till.id,
    )
    with pytest.raises(EventDecodingError, match="unknown event topic") as failure:
        await database.store.read_stream(till.id)
    assert (failure.value.stream_id, failure.value.version) == (till.id, 2)


async def test_a_corrupt_payload_is_reported_with_its_stream_and_version(
    database: Database,
) -> None:
    till = await saved_till(database.store, payments=1)
    await database.pool.execute(
        """UPDATE events SET state = jsonb_set(state, '{amount,amount}', '"lots"')
           WHERE stream_id = $1 AND version = 2""",
        till.id,
    )
    with pytest.raises(EventDecodingError) as failure:
        await database.store.read_all(Position())
    assert (failure.value.stream_id, failure.value.version) == (till.id, 2)
    assert "amount" in str(failure.value)


@pytest.mark.parametrize("keyed", [False, True], ids=["one-stream INSERT", "omni_append"])
async def test_both_append_paths_let_one_of_32_rivals_win_and_refuse_a_gap(
    database: Database, keyed: bool
) -> None:
    """Single-stream commands without a key take a one-INSERT path; keyed ones (and several
    streams) take omni_append. Both must refuse a stale or skipping version alike."""
    store = database.store
    till = await saved_till(store, payments=1)
    rivals = []
    for _ in range(32):
        rival = await Repository(store).get(till.id, Till)
        rival.take(Money.of("1.00"), uuid4())
        rival.take(Money.of("2.00"), uuid4())  # two events: the multi-event form of each path
        rivals.append(rival.collect_events())

    outcomes = await asyncio.gather(
        *(
            store.append(events, CONTEXT, idempotency_key=str(uuid4()) if keyed else None)
            for events in rivals
        ),
        return_exceptions=True,
    )
    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert len(outcomes) - len(failures) == 1
    assert all(isinstance(f, ConcurrencyError) and f.stream_id == till.id for f in failures)

    ahead = await Repository(store).get(till.id, Till)
    ahead.take(Money.of("3.00"), uuid4())
    taken = ahead.collect_events()[0]
    skip = {"originator_version": taken.originator_version + 1}
    skipping = type(taken)(**{**taken.__dict__, **skip})
    before = await store.read_all(Position())
    with pytest.raises(ConcurrencyError):
        await store.append([skipping], CONTEXT, idempotency_key=str(uuid4()) if keyed else None)
    assert await store.read_all(Position()) == before
    assert [e.originator_version for e in await store.read_stream(till.id)] == [1, 2, 3, 4]


async def test_a_remembered_state_never_hides_what_another_process_appended(
    database: Database,
) -> None:
    """This process remembers the till's state after its save; another process then takes two
    payments. Loading here must start from the remembered state and add both."""
    here = Repository(database.store)
    till = new_till(payments=1)
    await here.save(till, context=CONTEXT)
    assert database.store.recent.get(till.id) is not None

    async with another_process(database, listening=False) as other:
        elsewhere = Repository(other)
        theirs = await elsewhere.get(till.id, Till)
        theirs.take(Money.of("10.00"), uuid4())
        theirs.take(Money.of("5.00"), uuid4())
        await elsewhere.save(theirs, context=CONTEXT)
        from_the_database = await elsewhere.get(till.id, Till)

    loaded_here = await here.get(till.id, Till)
    assert loaded_here.version == 4
    assert loaded_here.taken == Money.of("17.50")
    assert loaded_here.__dict__ == from_the_database.__dict__


async def test_appends_to_the_same_streams_in_opposite_orders_conflict_and_never_deadlock(
    database: Database,
) -> None:
    """A sign-in writes the guest cart, the customer's cart and the customer's cart list in
    one append; another device writes the same streams in another order. Each pair must end
    with one winner and one ConcurrencyError (retried by the use case), never a deadlock."""
    store = database.store
    for _ in range(30):
        first, second = await saved_till(store, payments=1), await saved_till(store, payments=1)
        forwards, backwards = [], []
        for till, other in ((first, second), (second, first)):
            a = await Repository(store).get(till.id, Till)
            b = await Repository(store).get(other.id, Till)
            for _ in range(100):  # long enough for the two inserts to overlap
                a.take(Money.of("1.00"), uuid4())
                b.take(Money.of("1.00"), uuid4())
            (forwards if till is first else backwards).extend(
                [*a.collect_events(), *b.collect_events()]
            )

        outcomes = await asyncio.gather(
            store.append(forwards, CONTEXT),
            store.append(backwards, CONTEXT),
            return_exceptions=True,
        )

        failures = [o for o in outcomes if isinstance(o, Exception)]
        assert len(failures) == 1, outcomes
        assert isinstance(failures[0], ConcurrencyError), failures[0]


# How an API process of the version before migration 0017 appends with a key.
PREVIOUS_VERSION_APPEND = "SELECT * FROM omni_append($1, $2, $3, $4, $5, $6, $7, $8)"


async def test_a_key_from_a_process_of_the_previous_version_is_kept_and_honoured(
    database: Database,
) -> None:
    """During a rolling restart the old omni_append still records keys, without a
    fingerprint; the new one replays such a key whatever fingerprint it is sent with."""
    store, till = database.store, new_till(payments=1)
    encoded = [store.codec.encode(e) for e in till.collect_events()]
    old = await database.pool.fetchrow(
        PREVIOUS_VERSION_APPEND,
        [e.stream_id for e in encoded],
        [e.version for e in encoded],
        [e.topic for e in encoded],
        [e.schema_version for e in encoded],
        [e.state for e in encoded],
        [b'{"channel":"web"}'] * len(encoded),
        "order-from-before",
        b"first",
    )
    retry = new_till(payments=1)

    again = await store.append(
        retry.collect_events(), CONTEXT, "order-from-before", b"second", fingerprint=b"request"
    )

    assert not old["replayed"]
    assert (again.replayed, again.outcome, again.fingerprint) == (True, b"first", b"")
    assert again.last_position.position == old["last_position"]
    assert await store.read_stream(retry.id) == []
