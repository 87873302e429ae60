"""Sequenced dead letters (DESIGN §10) on the toy read model: a poison event parks its own
stream and nothing else, later events of that stream wait behind it in order, a crash at any
point neither loses nor repeats one, transient errors still pause the whole runner, a rebuild
parks the same way, and operators' retries and skips are performed by the lease holder.

`Picky` refuses payments of amounts it is told to refuse, until told otherwise: the "fix".
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar
from uuid import UUID, uuid4

import asyncpg
import pytest

from adapters.postgres.database import Database
from adapters.subscription import Window
from domain.ports import Position, RecordedEvent
from domain.values import Money
from projections import parking as parking_module
from projections import runner as runner_module
from projections.dead_letter_actions import action, request
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from projections.supervisor import ProjectionSupervisor, projection_status
from tests.integration.test_event_store_contract import CONTEXT, Till, new_till
from tests.integration.test_projection_runner import until
from tests.integration.till_projection import TOPIC

CURSED = Money.of("6.66")


class Picky:
    """Mixin state: the amounts refused, shared by every instance (the worker's 'code')."""

    refused: ClassVar[set[Decimal]] = set()


class PickyTakings(runner_module.Projection):
    name = "picky_takings"
    topics = (TOPIC,)
    tables = ("picky_payments",)
    schema = """CREATE TABLE picky_payments{s} (stream_id uuid, version int, amount numeric,
                PRIMARY KEY (stream_id, version));"""

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        for r in batch:
            if not isinstance(r.event, Till.PaymentTaken):
                continue
            if r.event.amount.amount in Picky.refused:
                raise ValueError(f"cannot take {r.event.amount.amount}")
            await connection.execute(
                f"INSERT INTO picky_payments{suffix} VALUES ($1, $2, $3)",
                r.stream_id,
                r.version,
                r.event.amount.amount,
            )


class PickyTakingsV2(PickyTakings):
    version = 2


@pytest.fixture(autouse=True)
def refuse_the_cursed_amount() -> None:
    Picky.refused = {CURSED.amount}


def runner_for(database: Database, projection: PickyTakings | None = None) -> ProjectionRunner:
    return ProjectionRunner(
        database.store,
        projection or PickyTakings(),
        database.dsn,
        database.schema,
        batch_size=7,
        poll_interval=0.05,
    )


@contextlib.asynccontextmanager
async def running(runner: ProjectionRunner):  # type: ignore[no-untyped-def]
    task = asyncio.create_task(runner.run())
    try:
        yield task
    finally:
        await runner.stop()


async def append(database: Database, till: Till) -> Position:
    return (await database.store.append(till.collect_events(), CONTEXT)).last_position


def till_taking(*amounts: str) -> Till:
    till = new_till()
    for amount in amounts:
        till.take(Money.of(amount), uuid4())
    return till


async def parked(database: Database, name: str = "picky_takings") -> list[tuple]:
    rows = await database.pool.fetch(
        """SELECT stream_id, version, error FROM projection_dead_letters WHERE projection = $1
           ORDER BY transaction_id, position""",
        name,
    )
    return [(r["stream_id"], r["version"], r["error"]) for r in rows]


async def applied(database: Database) -> set[tuple[UUID, int]]:
    rows = await database.pool.fetch("SELECT stream_id, version FROM picky_payments")
    return {(r["stream_id"], r["version"]) for r in rows}


async def from_the_log(database: Database) -> tuple[set[tuple[UUID, int]], list[tuple[UUID, int]]]:
    """The oracle, without projection code: the payments that must be applied, and the events
    that must be parked (from a stream's first refused payment on), in global order."""
    events = await database.store.read_all(Position(), limit=1_000_000, topics=[TOPIC])
    must_apply, must_park, poisoned = set(), [], set()
    for r in events:
        refused = isinstance(r.event, Till.PaymentTaken) and r.event.amount.amount in Picky.refused
        if r.stream_id in poisoned or refused:
            poisoned.add(r.stream_id)
            must_park.append((r.stream_id, r.version))
        elif isinstance(r.event, Till.PaymentTaken):
            must_apply.add((r.stream_id, r.version))
    return must_apply, must_park


async def assert_as_the_log_says(database: Database) -> None:
    must_apply, must_park = await from_the_log(database)
    assert await applied(database) == must_apply
    assert [(s, v) for s, v, _ in await parked(database)] == must_park


async def test_later_events_of_a_parked_stream_are_parked_behind_it_in_order(
    database: Database,
) -> None:
    cursed = till_taking("2.50", "6.66", "3.00", "4.00")
    runner = runner_for(database)
    async with running(runner):
        await append(database, till_taking("1.00", "2.00"))
        await append(database, cursed)
        last = await append(database, till_taking("5.00"))
        assert await runner.wait_for(last, timeout=10)
        first_parked = await parked(database)
        # Later events of the parked stream, in a batch of their own: parked, not applied.
        cursed.take(Money.of("7.00"), uuid4())
        cursed.take(Money.of("8.00"), uuid4())
        await append(database, cursed)
        last = await append(database, till_taking("9.00"))
        assert await runner.wait_for(last, timeout=10)
        assert runner.state == "running"
    assert [(v, e is not None) for _, v, e in first_parked] == [(3, True), (4, False), (5, False)]
    rows = await parked(database)
    assert [(s, v) for s, v, _ in rows] == [(cursed.id, v) for v in (3, 4, 5, 6, 7)]
    assert "ValueError: cannot take 6.66" in (rows[0][2] or "")
    assert [e for _, _, e in rows[1:]] == [None] * 4
    assert {v for s, v in await applied(database) if s == cursed.id} == {2}
    await assert_as_the_log_says(database)
    [status] = await projection_status(database.pool, ["picky_takings"])
    assert (status.lag_events, status.parked_streams, status.parked_events) == (0, 1, 5)


class CursedFlow:
    """Writers appending tills until stopped; every third till meets the cursed amount."""

    def __init__(self, database: Database, writers: int = 3) -> None:
        self.database = database
        self._stop = asyncio.Event()
        self._writers = [asyncio.create_task(self._write(n)) for n in range(writers)]

    async def _write(self, writer: int) -> Position:
        last, count = Position(), 0
        while not self._stop.is_set():
            count += 1
            amounts = ("2.50", "6.66", "2.50") if (count + writer) % 3 == 0 else ("2.50",) * 3
            last = await append(self.database, till_taking(*amounts))
            await asyncio.sleep(0.002)
        return last

    async def stop(self) -> Position:
        self._stop.set()
        return max(await asyncio.gather(*self._writers))


async def test_cancelling_the_runner_while_it_parks_neither_loses_nor_repeats(
    database: Database,
) -> None:
    flow = CursedFlow(database)
    for _ in range(10):
        task = asyncio.create_task(runner_for(database).run())
        await asyncio.sleep(random.uniform(0.02, 0.15))
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    last = await flow.stop()
    runner = runner_for(database)
    async with running(runner):
        assert await runner.wait_for(last, timeout=20)
    assert len(await parked(database)) >= 6, "the flow should have parked several tills"
    await assert_as_the_log_says(database)


async def test_a_crash_between_parking_and_the_checkpoint_repeats_nothing(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection dies just before the parking transaction's checkpoint move: it all
    rolls back, the runner pauses, starts over from its checkpoint and parks once."""
    monkeypatch.setattr(runner_module, "RETRY_SECONDS", (0.01,))
    crashes = []
    move = parking_module.move_checkpoint

    async def crash_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        if not crashes:
            crashes.append(1)
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection lost")
        await move(*args, **kwargs)

    monkeypatch.setattr(parking_module, "move_checkpoint", crash_once)
    await append(database, till_taking("1.00"))
    await append(database, till_taking("2.00", "6.66", "3.00"))
    last = await append(database, till_taking("4.00"))
    runner = runner_for(database)
    async with running(runner):
        assert await runner.wait_for(last, timeout=10)
    assert crashes == [1]
    assert len(await parked(database)) == 2
    await assert_as_the_log_says(database)


class Strained(PickyTakings):
    """Meets a transient database error on its first attempts at one amount."""

    strains = 3

    async def apply(self, connection, batch, suffix):  # type: ignore[no-untyped-def]
        payments = [r.event for r in batch if isinstance(r.event, Till.PaymentTaken)]
        if self.strains and any(payment.amount == CURSED for payment in payments):
            self.strains -= 1
            raise asyncpg.exceptions.SerializationError("could not serialize access")
        await super().apply(connection, batch, suffix)


async def test_a_transient_error_pauses_the_whole_runner_and_parks_nothing(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "RETRY_SECONDS", (0.2,))
    Picky.refused = set()
    projection = Strained()
    runner = runner_for(database, projection)
    states = []
    async with running(runner):
        await append(database, till_taking("1.00"))
        strained = await append(database, till_taking("6.66"))
        other = await append(database, till_taking("2.00"))
        await until(lambda: runner.state == "retrying", timeout=10)
        states.append(runner.state)
        # Paused as a whole: not even the other till, after the strained one, is applied.
        assert runner.position < strained
        assert not await runner.wait_for(other, timeout=0.1)
        assert await runner.wait_for(other, timeout=10)
    assert projection.strains == 0 and states == ["retrying"]
    assert await parked(database) == []
    assert len(await applied(database)) == 3


async def test_a_rebuild_parks_the_same_streams_and_swaps_its_dead_letters_in(
    database: Database,
) -> None:
    cursed = till_taking("2.50", "6.66", "3.00")
    runner = runner_for(database)
    async with running(runner):
        await append(database, cursed)
        assert await runner.wait_for(await append(database, till_taking("1.00")), timeout=10)
    live = await parked(database)
    await rebuild(database.store, PickyTakings(), batch_size=3)
    assert await parked(database) == live
    assert await parked(database, "picky_takings__rebuild") == []
    await assert_as_the_log_says(database)

    Picky.refused = set()  # version 2 of the code takes any amount
    await rebuild(database.store, PickyTakingsV2())
    assert await parked(database) == []
    await assert_as_the_log_says(database)


async def test_a_retry_by_the_lease_holder_applies_the_stream_in_order_once_fixed(
    database: Database,
) -> None:
    Picky.refused = {CURSED.amount, Decimal("7.77")}
    supervisor = ProjectionSupervisor(
        database.store, [PickyTakings()], database.dsn, database.schema, poll_interval=30
    )
    await supervisor.follow_other_processes()  # the requests' notifications wake the runner
    supervisor.start()
    try:
        cursed = till_taking("2.50", "6.66", "7.77", "3.00")
        await append(database, cursed)
        assert await supervisor.wait_for(await append(database, till_taking("1.00")), 10)
        assert supervisor.parked.head("picky_takings", cursed.id) is not None

        Picky.refused = {Decimal("7.77")}  # half a fix
        first = await perform(database, cursed.id, "retry", "ops-ada")
        assert (first.outcome, first.detail) == ("still parked", "ValueError: cannot take 7.77")
        assert [(v, e is not None) for _, v, e in await parked(database)] == [(4, True), (5, False)]

        Picky.refused = set()
        second = await perform(database, cursed.id, "retry", "ops-ada")
        assert second.outcome == "applied"
        assert await parked(database) == []
        await until(lambda: supervisor.parked.head("picky_takings", cursed.id) is None, 5)
    finally:
        await supervisor.stop()
    assert {v for s, v in await applied(database) if s == cursed.id} == {2, 3, 4, 5}


async def test_a_skip_drops_the_head_for_good_records_who_and_applies_the_rest(
    database: Database,
) -> None:
    runner = runner_for(database)
    async with running(runner):
        cursed = till_taking("2.50", "6.66", "3.00")
        await append(database, cursed)
        assert await runner.wait_for(await append(database, till_taking("1.00")), timeout=10)
        [(_, _, error), _] = await parked(database)
        done = await perform(database, cursed.id, "skip", "ops-bo")
        assert done.outcome == "skipped"
    assert await parked(database) == []
    assert {v for s, v in await applied(database) if s == cursed.id} == {2, 4}
    row = await database.pool.fetchrow("SELECT * FROM projection_dead_letter_actions")
    assert (row["action"], row["requested_by"], row["outcome"]) == ("skip", "ops-bo", "skipped")
    assert (row["skipped_version"], row["skipped_error"]) == (3, error)
    assert row["skipped_topic"].endswith("Till.PaymentTaken") and row["done_at"] is not None


async def perform(database: Database, stream_id: UUID, verb: str, by: str):  # type: ignore[no-untyped-def]
    """Ask, as the command does, and wait for the runner holding the lease to do it."""
    number = await request(database.pool, "picky_takings", stream_id, verb, by)

    async def done() -> bool:
        found = await action(database.pool, number)
        return found is not None and found.outcome is not None

    await until(done, timeout=10)
    return await action(database.pool, number)


async def test_a_rebuild_parks_in_the_swaps_own_transaction_too(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Events that arrive while a rebuild swaps are applied under its locks: a poison one
    among them parks there. (The replay's own reads, of 3 events, are made to see nothing,
    so every event reaches the swap's tail.)"""
    await append(database, till_taking("1.00"))
    await append(database, till_taking("2.50", "6.66", "3.00"))
    store = database.store
    read_window = store.read_window

    async def only_the_swap_reads(after, limit, topics):  # type: ignore[no-untyped-def]
        return Window([], None, 0) if limit == 3 else await read_window(after, limit, topics)

    monkeypatch.setattr(store, "read_window", only_the_swap_reads)
    await rebuild(store, PickyTakings(), batch_size=3)
    assert len(await parked(database)) == 2
    await assert_as_the_log_says(database)
