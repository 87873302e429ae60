"""A simulation's business clock is one per schema: every process on it (two Database opens
here, as two processes would) reads the same time, follows a skip made by another, and never
goes back. The real clock never reads the table."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from adapters.clock import AcceleratedClock, ClockCannotGoBack, SystemClock
from adapters.postgres.business_clock import BUSINESS_CLOCK_CHANNEL, SharedBusinessClock
from adapters.postgres.database import Database
from adapters.settings import Settings
from api.server.composition import build_services, shared_clock_of

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
NOTIFIED_WITHIN_SECONDS = 10.0


class Processes:
    """Processes on one schema, each with its own database connections and clock."""

    def __init__(self, settings: Settings, schema: str, stack: AsyncExitStack) -> None:
        self.settings, self.schema, self.stack = settings, schema, stack

    async def database(self) -> Database:
        database = await Database.open(self.settings, schema=self.schema, pool_size=2)
        self.stack.push_async_callback(database.close)
        return database

    async def clock(self, start: datetime | None = None, speed: float = 60) -> SharedBusinessClock:
        settings = msgspec.structs.replace(
            self.settings, clock_start=start.isoformat() if start else None, clock_speed=speed
        )
        _, shared = await shared_clock_of(settings, await self.database())
        assert shared is not None
        self.stack.push_async_callback(shared.stop)
        return shared


@pytest.fixture
async def processes(database: Database, settings: Settings) -> AsyncIterator[Processes]:
    async with AsyncExitStack() as stack:
        yield Processes(settings, database.schema or "", stack)


async def stored(database: Database) -> dict[str, object]:
    return dict(await database.pool.fetchrow("SELECT * FROM business_clock"))


async def until(condition: Callable[[], bool]) -> bool:
    """Whether `condition` came true within NOTIFIED_WITHIN_SECONDS (polled)."""
    async with asyncio.timeout(NOTIFIED_WITHIN_SECONDS):
        while not condition():
            await asyncio.sleep(0.02)
    return True


def read_between(first: AcceleratedClock, other: AcceleratedClock) -> bool:
    """`other` reads a time between two readings of `first`: they run on one anchor."""
    before, between, after = first.now(), other.now(), first.now()
    return before <= between <= after


async def test_the_first_process_records_its_start_and_the_next_adopts_it(
    processes: Processes, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    first = await processes.clock(START, speed=60)
    with caplog.at_level(logging.WARNING, "adapters.postgres.business_clock"):
        second = await processes.clock(speed=30)  # no start of its own, another speed

    row = await stored(database)
    assert (row["business_at"], row["speed"]) == (START, 60)
    assert second.clock.speed == 60
    assert START <= second.clock.now() < START + timedelta(days=1)
    assert read_between(first.clock, second.clock)
    assert "follows the shared clock's 60" in caplog.text


async def test_a_skip_through_one_process_is_followed_by_the_other(
    processes: Processes,
) -> None:
    first, second = await processes.clock(START), await processes.clock(START)
    month_later = START + timedelta(days=31)

    assert await first.skip_to(month_later) == month_later
    assert await until(lambda: second.clock.now() >= month_later)
    assert read_between(first.clock, second.clock)


async def test_a_skip_back_is_refused_and_changes_nothing(
    processes: Processes, database: Database
) -> None:
    first, second = await processes.clock(START), await processes.clock(START)
    await first.skip_to(START + timedelta(days=2))
    before = await stored(database)

    with pytest.raises(ClockCannotGoBack):
        await second.skip_to(START + timedelta(days=1))

    assert await stored(database) == before
    assert second.clock.now() >= START + timedelta(days=2)


async def test_a_later_explicit_start_moves_the_shared_clock_ahead(
    processes: Processes, database: Database
) -> None:
    first = await processes.clock(START)
    later = START + timedelta(days=10)

    await processes.clock(later)
    again = await processes.clock(START)  # an earlier start never takes it back

    assert (await stored(database))["business_at"] == later
    assert await until(lambda: first.clock.now() >= later)
    assert again.clock.now() >= later


async def test_processes_starting_at_once_record_one_anchor(
    processes: Processes, database: Database
) -> None:
    clocks = await asyncio.gather(*(processes.clock(START) for _ in range(4)))

    assert (await stored(database))["business_at"] == START
    assert all(read_between(clocks[0].clock, other.clock) for other in clocks[1:])


async def test_the_real_clock_never_reads_the_table_nor_listens(
    database: Database, settings: Settings
) -> None:
    await database.pool.execute("DROP TABLE business_clock")  # any read would fail

    services = await build_services(settings, database.schema)
    try:
        assert isinstance(services.clock, SystemClock)
        assert services.business_clock is None
        notifier = services.database.store.notifier
        assert BUSINESS_CLOCK_CHANNEL not in notifier.subscriptions
    finally:
        await services.close()
