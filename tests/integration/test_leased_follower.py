"""The leased follower that projection runners and the outbox relay share, on PostgreSQL: one
holder per name, a standby that takes over when the holder's lease connection dies, stop() that
cuts every wait short, and pauses that grow with failures in a row and start over after
progress."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest

from adapters.postgres import follower as follower_module
from adapters.postgres.database import Database
from adapters.postgres.follower import Backoff, LeasedFollower
from adapters.postgres.lease import lease_holder
from domain.ports import Position, RecordedEvent
from tests.integration.test_event_store_contract import CONTEXT, new_till
from tests.integration.test_projection_runner import until
from tests.integration.till_projection import TOPIC

KIND = "tally"
NAME = "till_tally"
SCHEDULE = (0.01, 0.02, 0.03)
AN_HOUR = 3600.0  # a poll interval no test waits out: only an append's signal wakes the head


class Tally:
    """A follower's client that keeps the events of its topic and its checkpoint in memory,
    noting each state it passes through, each pause, and whether it said it was leaving."""

    def __init__(self, database: Database, schedule: tuple[float, ...] = SCHEDULE) -> None:
        self.follower = LeasedFollower(
            database.store,
            self,
            NAME,
            kind=KIND,
            topics=(TOPIC,),
            dsn=database.dsn,
            schema=database.schema,
            batch_size=7,
            poll_interval=AN_HOUR,
            on_change=self._changed,
        )
        self.schedule = schedule
        self.checkpoint = Position()
        self.seen: list[RecordedEvent] = []
        self.states: list[str] = []
        self.leads = self.leavings = 0
        self.pauses: list[float] = []
        self.refusals: list[Exception] = []  # raised by the next writes of events, in turn
        self.gate = asyncio.Event()  # before_read waits here while it is cleared
        self.gate.set()
        self.at_gate = asyncio.Event()

    @property
    def state(self) -> str:
        return self.follower.state

    def _changed(self) -> None:
        if not self.states or self.states[-1] != self.follower.state:
            self.states.append(self.follower.state)

    async def lead(self) -> None:
        self.leads += 1
        self.follower.set_state("running")
        await self.follower.follow(self.checkpoint)

    async def before_read(self) -> None:
        if not self.gate.is_set():
            self.at_gate.set()
            await self.gate.wait()

    async def write(
        self, persisted: Position, end: Position, events: list[RecordedEvent], caught_up: bool
    ) -> None:
        assert persisted == self.checkpoint
        if events and self.refusals:
            raise self.refusals.pop(0)
        self.seen.extend(events)
        self.checkpoint = end

    async def leaving(self) -> None:
        self.leavings += 1

    async def recover(self, error: Exception) -> None:
        self.pauses.append(await self.follower.pause_after(error, self.schedule))


@contextlib.asynccontextmanager
async def following(tally: Tally) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(tally.follower.run())
    try:
        yield task
    finally:
        await tally.follower.stop()


async def pay(database: Database, payments: int = 3) -> Position:
    till = new_till(payments=payments)
    return (await database.store.append(till.collect_events(), CONTEXT)).last_position


def a_race_lost() -> Exception:
    return asyncpg.exceptions.SerializationError("could not serialize access")


async def test_an_append_wakes_the_follower_at_the_head_long_before_its_poll(
    database: Database,
) -> None:
    tally = Tally(database)
    async with following(tally):
        await until(lambda: tally.state == "running", timeout=10)
        await asyncio.sleep(0.2)  # settled at the head, waiting for an append
        last = await pay(database)
        await until(lambda: tally.checkpoint >= last, timeout=10)
    assert tally.seen[-1].position == last
    assert len(tally.seen) == 4  # opened, three payments: each once


async def test_a_second_follower_stands_by_while_another_holds_the_lease(
    database: Database,
) -> None:
    one, two = Tally(database), Tally(database)
    async with following(one):
        await until(lambda: one.state == "running", timeout=10)
        async with following(two):
            await until(lambda: two.state == "standby", timeout=10)
            last = await pay(database)
            await until(lambda: one.checkpoint >= last, timeout=10)
            await asyncio.sleep(0.6)  # longer than a standby's wait between two tries
            assert two.states == ["standby"]
    assert (two.leads, two.seen, two.leavings) == (0, [], 0)
    assert one.leads == 1 and len(one.seen) == 4


async def test_the_lease_is_taken_over_when_the_holders_connection_dies(
    database: Database,
) -> None:
    one, two = Tally(database), Tally(database)
    async with following(one), following(two):
        await until(lambda: sorted([one.state, two.state]) == ["running", "standby"])
        holder, standby = (one, two) if one.state == "running" else (two, one)
        first = await pay(database)
        await until(lambda: holder.checkpoint >= first, timeout=10)
        # The holder is busy between two windows when its lease connection dies.
        holder.gate.clear()
        holder.follower.wake()
        await asyncio.wait_for(holder.at_gate.wait(), 10)
        pid = await lease_holder(database.pool, NAME, KIND)
        await database.pool.execute("SELECT pg_terminate_backend($1)", pid)

        await until(lambda: standby.state == "running", timeout=10)
        assert await lease_holder(database.pool, NAME, KIND) not in (None, pid)
        second = await pay(database)
        await until(lambda: standby.checkpoint >= second, timeout=10)
        holder.gate.set()
        # Back from its work, the old holder finds its lease gone and stands by.
        await until(lambda: holder.state == "standby", timeout=10)
        assert holder.leads == 1
    assert len(standby.seen) == 8  # both tills, from the standby's own checkpoint


async def test_stop_cuts_the_wait_at_the_head_short(database: Database) -> None:
    tally = Tally(database)
    task = asyncio.create_task(tally.follower.run())
    await until(lambda: tally.state == "running", timeout=10)
    await asyncio.sleep(0.2)  # settled at the head, waiting an hour for an append

    await tally.follower.stop(grace=10)

    assert task.done() and not task.cancelled() and task.exception() is None
    assert (tally.state, tally.leavings) == ("stopped", 1)
    await until(lambda: _no_holder(database), timeout=5)


async def test_stop_cuts_a_standbys_wait_for_the_lease_short(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(follower_module, "LEASE_RETRY_SECONDS", AN_HOUR)
    one, two = Tally(database), Tally(database)
    async with following(one):
        await until(lambda: one.state == "running", timeout=10)
        task = asyncio.create_task(two.follower.run())
        await until(lambda: two.state == "standby", timeout=10)

        await two.follower.stop(grace=10)

        assert task.done() and not task.cancelled() and task.exception() is None
        assert two.states == ["standby", "stopped"] and two.leads == 0
        assert one.state == "running"


async def test_pauses_grow_with_failures_in_a_row_and_start_over_after_progress(
    database: Database,
) -> None:
    tally = Tally(database)
    tally.refusals = [a_race_lost() for _ in range(4)]
    async with following(tally):
        first = await pay(database)
        await until(lambda: tally.checkpoint >= first, timeout=10)
        assert tally.pauses == [0.01, 0.02, 0.03, 0.03]  # the last step repeats

        tally.refusals = [a_race_lost()]
        second = await pay(database)
        await until(lambda: tally.checkpoint >= second, timeout=10)
    assert tally.pauses == [0.01, 0.02, 0.03, 0.03, 0.01]
    assert "retrying" in tally.states and tally.leads == 6
    assert len(tally.seen) == 8  # nothing lost or repeated across the pauses


def test_a_backoff_steps_through_its_schedule_and_starts_over_after_progress() -> None:
    backoff = Backoff()
    steps = [backoff.next(SCHEDULE) for _ in range(4)]
    backoff.progressed()
    assert (steps, backoff.next(SCHEDULE)) == ([0.01, 0.02, 0.03, 0.03], 0.01)


async def test_stop_cuts_a_pause_after_an_error_short(database: Database) -> None:
    tally = Tally(database, schedule=(AN_HOUR,))
    tally.refusals = [a_race_lost()]
    task = asyncio.create_task(tally.follower.run())
    await pay(database)
    await until(lambda: tally.state == "retrying", timeout=10)

    await tally.follower.stop(grace=10)

    assert task.done() and not task.cancelled() and task.exception() is None
    assert (tally.state, tally.pauses, tally.seen) == ("stopped", [AN_HOUR], [])


async def _no_holder(database: Database) -> bool:
    return await lease_holder(database.pool, NAME, KIND) is None
