"""The runner contract (DESIGN §5): exactly once across crashes and kill -9, one worker at a
time across processes, a poison event parks its stream alone (tests/integration/
test_dead_letters.py says more), rebuilds that never interrupt readers, versions that rebuild
themselves, read-your-writes.

The toy read model (tests/integration/till_projection.py) keeps one row per payment keyed by
(stream_id, version): applying an event twice fails on the primary key.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import random
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest
from eventsourcing.domain import Aggregate, event

from adapters.postgres.database import Database
from domain.ports import Position
from domain.values import Money
from projections import rebuild as rebuild_module
from projections import runner as runner_module
from projections.rebuild import Progress, rebuild, rebuild_with_progress_bar
from projections.runner import ProjectionRunner
from projections.supervisor import ProjectionSupervisor, projection_status
from projections.tracking import lease_holder, read_checkpoint, wait_for_checkpoint
from tests.integration.test_event_store_contract import CONTEXT, Till, new_till
from tests.integration.till_projection import TillTakings, table_rows

ROOT = Path(__file__).resolve().parents[2]
WORKER = ROOT / "tests/integration/projection_worker.py"


class CashDrawer(Aggregate):
    """Events of a topic the toy projection does not handle."""

    @event("Counted")
    def __init__(self, store_id: str) -> None:
        self.store_id = store_id


async def pay(database: Database, tills: int = 5, payments: int = 4) -> Position:
    last = Position()
    for _ in range(tills):
        till = new_till(payments=payments)
        last = (await database.store.append(till.collect_events(), CONTEXT)).last_position
    return last


def runner_for(database: Database, projection: TillTakings | None = None) -> ProjectionRunner:
    return ProjectionRunner(
        database.store,
        projection or TillTakings(),
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


@dataclass
class Worker:
    """A worker process running the toy projection, and the states it reported so far."""

    process: asyncio.subprocess.Process
    states: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, database: Database) -> Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER),
            database.dsn,
            database.schema or "public",
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE,
        )
        worker = cls(process)
        worker.reader = asyncio.create_task(worker._read_states())
        return worker

    async def _read_states(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.states.append(line.decode().strip().removeprefix("state "))

    @property
    def state(self) -> str:
        return self.states[-1] if self.states else ""

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()


class Flow:
    """Writers appending tills until stopped: events flow while workers come and go."""

    def __init__(self, database: Database, writers: int = 3) -> None:
        self.database = database
        self._stop = asyncio.Event()
        self._writers = [asyncio.create_task(self._write()) for _ in range(writers)]

    async def _write(self) -> Position:
        last = Position()
        while not self._stop.is_set():
            last = await pay(self.database, tills=1, payments=3)
            await asyncio.sleep(0.002)
        return last

    async def stop(self) -> Position:
        self._stop.set()
        return max(await asyncio.gather(*self._writers))


async def until(condition: Callable[[], object], timeout: float = 20) -> None:
    """Poll a condition (plain or awaitable) until it holds."""

    async def holds() -> bool:
        result = condition()
        return bool(await result if inspect.isawaitable(result) else result)

    async def poll() -> None:
        while not await holds():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def _moved_past(database: Database, before: Position) -> bool:
    return await checkpoint_of(database) > before


async def checkpoint_of(database: Database) -> Position:
    checkpoint = await read_checkpoint(database.pool, "till_takings")
    return checkpoint.position if checkpoint else Position()


async def applied_payments(database: Database) -> int:
    return await database.pool.fetchval("SELECT count(*) FROM till_payments")


async def from_the_log(database: Database) -> set[tuple]:
    """Every payment in the event log, read without any projection code: the oracle."""
    events = await database.store.read_all(Position(), limit=1_000_000)
    return {
        (r.stream_id, r.version, r.event.amount.amount)
        for r in events
        if isinstance(r.event, Till.PaymentTaken)
    }


async def assert_equals_a_fresh_rebuild(database: Database) -> None:
    live = await table_rows(database.pool)
    assert set(live[0]) == await from_the_log(database)
    await rebuild(database.store, TillTakings())
    assert await table_rows(database.pool) == live


async def test_catches_up_from_zero_then_follows_live_applying_each_event_once(
    database: Database,
) -> None:
    await pay(database)
    runner = runner_for(database)
    async with running(runner):
        last = await pay(database, tills=3)
        assert await runner.wait_for(last, timeout=10)

    payments, totals = await table_rows(database.pool)
    assert len(payments) == 8 * 4 and len(totals) == 8
    assert all(total == Money.of("10.00").amount for _, _, total in totals)
    assert set(payments) == await from_the_log(database)


async def test_cancelling_the_runner_mid_stream_neither_loses_nor_repeats(
    database: Database,
) -> None:
    flow = Flow(database)
    for _ in range(10):
        before = await checkpoint_of(database)
        task = asyncio.create_task(runner_for(database).run())
        # Each run applies something before it is cancelled, at a random moment after that:
        # waiting for it (rather than sleeping a fixed while) holds on a loaded machine too.
        await until(lambda before=before: _moved_past(database, before))
        await asyncio.sleep(random.uniform(0, 0.05))
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    last = await flow.stop()
    runner = runner_for(database)
    async with running(runner):
        assert await runner.wait_for(last, timeout=15)

    await assert_equals_a_fresh_rebuild(database)


async def test_a_worker_killed_with_sigkill_mid_stream_is_replaced_without_loss(
    database: Database,
) -> None:
    first = await Worker.start(database)
    second: Worker | None = None
    await until(lambda: first.state == "running")
    flow = Flow(database)
    try:
        await until(lambda: applied_payments(database))
        await first.kill()
        killed_at = await checkpoint_of(database)
        second = await Worker.start(database)
        await until(lambda: second.state == "running")
        last = await flow.stop()
        assert last > killed_at, "the kill must land while events flow"
        assert await wait_for_checkpoint(database.pool, "till_takings", last, timeout=20)
    finally:
        await flow.stop()
        await first.kill()
        if second is not None:
            await second.kill()
    await assert_equals_a_fresh_rebuild(database)


async def test_of_two_worker_processes_one_applies_and_the_other_takes_over_when_killed(
    database: Database,
) -> None:
    one, two = await Worker.start(database), await Worker.start(database)
    flow: Flow | None = None
    try:
        await until(lambda: sorted([one.state, two.state]) == ["running", "standby"])
        leader, follower = (one, two) if one.state == "running" else (two, one)
        holder = await lease_holder(database.pool, "till_takings")
        assert holder is not None

        flow = Flow(database)
        await until(lambda: applied_payments(database))
        assert follower.state == "standby"
        await leader.kill()
        await until(lambda: follower.state == "running")
        assert await lease_holder(database.pool, "till_takings") not in (None, holder)
        last = await flow.stop()
        assert await wait_for_checkpoint(database.pool, "till_takings", last, timeout=20)
    finally:
        if flow is not None:
            await flow.stop()
        await one.kill()
        await two.kill()
    # Every payment once: the primary key refuses a double apply, the oracle a lost one.
    await assert_equals_a_fresh_rebuild(database)


async def test_only_one_of_two_runners_in_a_process_applies_at_a_time(database: Database) -> None:
    one = runner_for(database)
    # Without a dsn the lease is held on a pooled connection: the same lock, either way.
    two = ProjectionRunner(database.store, TillTakings(), batch_size=7, poll_interval=0.05)
    async with running(one), running(two):
        await until(lambda: sorted([one.state, two.state]) == ["running", "standby"], timeout=5)
        active, standby = (one, two) if one.state == "running" else (two, one)
        await pay(database, tills=2)
        await active.stop()
        last = await pay(database, tills=2)
        assert await standby.wait_for(last, timeout=10)
        assert standby.state == "running"
    assert len((await table_rows(database.pool))[0]) == 16


async def test_stop_records_stopped_and_lets_the_next_worker_in_at_once(
    database: Database,
) -> None:
    runner = runner_for(database)
    async with running(runner):
        assert await runner.wait_for(await pay(database, tills=1), timeout=5)
    checkpoint = await read_checkpoint(database.pool, "till_takings")
    assert checkpoint is not None and checkpoint.state == "stopped"
    assert await lease_holder(database.pool, "till_takings") is None
    successor = runner_for(database)
    async with running(successor):
        await until(lambda: successor.state == "running", timeout=1)
        assert await lease_holder(database.pool, "till_takings") is not None


async def test_a_lost_lease_connection_is_won_back_and_work_goes_on(database: Database) -> None:
    runner = runner_for(database)
    async with running(runner):
        assert await runner.wait_for(await pay(database, tills=2), timeout=5)
        holder = await lease_holder(database.pool, "till_takings")
        await database.pool.execute("SELECT pg_terminate_backend($1)", holder)
        last = await pay(database, tills=2)
        assert await runner.wait_for(last, timeout=10)
        await until(lambda: _held_by_other(database, holder), timeout=5)
    await assert_equals_a_fresh_rebuild(database)


async def _held_by_other(database: Database, pid: int | None) -> bool:
    return await lease_holder(database.pool, "till_takings") not in (None, pid)


class Fussy(TillTakings):
    name = "fussy_takings"
    tables = ("fussy_payments",)
    schema = """CREATE TABLE fussy_payments{s} (stream_id uuid, version int, amount numeric,
                PRIMARY KEY (stream_id, version));"""

    async def apply(self, connection, batch, suffix):  # type: ignore[no-untyped-def]
        for r in batch:
            if isinstance(r.event, Till.PaymentTaken):
                if r.event.amount == Money.of("6.66"):
                    raise ValueError("cursed amount")
                await connection.execute(
                    f"INSERT INTO fussy_payments{suffix} VALUES ($1, $2, $3)",
                    r.stream_id,
                    r.version,
                    r.event.amount.amount,
                )


async def test_a_failing_handler_parks_only_its_stream_and_says_where(
    database: Database,
) -> None:
    supervisor = ProjectionSupervisor(
        database.store, [TillTakings(), Fussy()], database.dsn, database.schema, poll_interval=0.05
    )
    supervisor.start()
    try:
        await pay(database, tills=1)
        cursed = new_till(payments=1)
        cursed.take(Money.of("6.66"), uuid4())
        bad = await database.store.append(cursed.collect_events(), CONTEXT)
        last = await pay(database, tills=1)

        assert await supervisor.wait_for(last, timeout=10)
        statuses = {s.name: s for s in await supervisor.status()}
        parked = await database.pool.fetch("SELECT * FROM projection_dead_letters")
    finally:
        await supervisor.stop()
    assert statuses["till_takings"].parked_streams == 0
    fussy = statuses["fussy_takings"]
    assert (fussy.state, fussy.lag_events, fussy.error) == ("running", 0, None)
    assert (fussy.parked_streams, fussy.parked_events) == (1, 1)
    [letter] = parked
    assert (letter["projection"], letter["stream_id"]) == ("fussy_takings", cursed.id)
    assert Position(letter["transaction_id"], letter["position"]) == bad.last_position
    assert "ValueError: cursed amount" in letter["error"]
    # Every other payment was applied, the cursed till's first one too.
    assert await database.pool.fetchval("SELECT count(*) FROM fussy_payments") == 4 + 1 + 4


async def test_a_rebuild_swaps_in_equal_tables_while_queries_and_appends_go_on(
    database: Database,
) -> None:
    await pay(database, tills=150, payments=5)
    runner = runner_for(database)
    failures: list[BaseException] = []
    queries = 0
    stop = asyncio.Event()

    async def query_constantly() -> None:
        nonlocal queries
        while not stop.is_set():
            try:
                await database.pool.fetch("SELECT * FROM till_totals ORDER BY total LIMIT 5")
                await database.pool.fetchval("SELECT count(*) FROM till_payments")
                queries += 1
            except Exception as error:  # noqa: BLE001 - any failure is what we look for
                failures.append(error)
            await asyncio.sleep(0)

    async with running(runner):
        assert await runner.wait_for(await database.store.last_position(), timeout=15)
        reader = asyncio.create_task(query_constantly())
        writer = asyncio.create_task(pay(database, tills=40, payments=2))
        reports: list[Progress] = []
        await rebuild(database.store, TillTakings(), reports.append, batch_size=50)
        last = await writer
        assert await runner.wait_for(last, timeout=10)
        stop.set()
        await reader

    assert failures == [] and queries > 0
    assert len(reports) >= 900 // 50 and reports[-1].done >= 150 * 6
    assert all(r.rate > 0 for r in reports)
    assert len((await table_rows(database.pool))[1]) == 190
    indexes = await database.pool.fetch(
        "SELECT indexname FROM pg_indexes WHERE schemaname = $1", database.schema
    )
    assert not [r for r in indexes if "__rebuild" in r["indexname"]]
    await assert_equals_a_fresh_rebuild(database)


async def test_a_long_reader_delays_the_swap_without_stalling_other_readers(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rebuild_module, "SWAP_LOCK_TIMEOUTS", ("100ms",))
    await pay(database, tills=5)
    await rebuild(database.store, TillTakings())
    latencies: list[float] = []
    async with database.pool.acquire() as long_reader:
        reading = long_reader.transaction()
        await reading.start()
        await long_reader.fetch("SELECT * FROM till_totals")  # holds its lock until commit
        swap = asyncio.create_task(rebuild(database.store, TillTakings()))
        for _ in range(20):
            started = time.monotonic()
            query = database.pool.fetch("SELECT * FROM till_totals ORDER BY total LIMIT 5")
            await asyncio.wait_for(query, 5)
            latencies.append(time.monotonic() - started)
            await asyncio.sleep(0.02)
        assert not swap.done()
        await reading.commit()
    await asyncio.wait_for(swap, 10)
    assert max(latencies) < 0.5
    await assert_equals_a_fresh_rebuild(database)


class Flaky(TillTakings):
    """Fails like a database under strain for its first batches."""

    strains = 2

    async def apply(self, connection, batch, suffix):  # type: ignore[no-untyped-def]
        if self.strains:
            self.strains -= 1
            raise asyncpg.exceptions.DeadlockDetectedError("deadlock detected")
        await super().apply(connection, batch, suffix)


async def test_a_database_error_is_retried_not_recorded_as_a_failure(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "RETRY_SECONDS", (0.01,))
    flaky = Flaky()
    runner = runner_for(database, flaky)
    async with running(runner):
        assert await runner.wait_for(await pay(database, tills=2), timeout=5)
        assert runner.state == "running"
    assert flaky.strains == 0
    await assert_equals_a_fresh_rebuild(database)


class TillTakingsV2(TillTakings):
    version = 2


async def test_a_new_projection_version_is_rebuilt_before_it_runs(database: Database) -> None:
    runner = runner_for(database)
    async with running(runner):
        assert await runner.wait_for(await pay(database, tills=3), timeout=5)
    # The old tables lose a row: only a real rebuild brings it back.
    await database.pool.execute("DELETE FROM till_payments WHERE version = 2")

    upgraded = runner_for(database, TillTakingsV2())
    async with running(upgraded):
        assert await upgraded.wait_for(await pay(database, tills=1), timeout=10)
    checkpoint = await read_checkpoint(database.pool, "till_takings")
    assert checkpoint is not None and checkpoint.version == 2
    assert set((await table_rows(database.pool))[0]) == await from_the_log(database)

    outdated = runner_for(database)  # version 1 code must not write into version 2 tables
    async with running(outdated):
        await until(lambda: outdated.state == "outdated", timeout=5)


async def test_read_your_writes_waits_for_the_position_and_gives_up_in_time(
    database: Database,
) -> None:
    runner = runner_for(database)
    async with running(runner):
        written = await pay(database, tills=1)
        assert await runner.wait_for(written, timeout=5)
        far_future = Position(written.transaction_id + 10_000, 0)
        started = time.monotonic()
        assert not await runner.wait_for(far_future, timeout=0.3)
        assert 0.3 <= time.monotonic() - started < 1.0


async def test_an_unrelated_events_position_is_reached_as_the_checkpoint_moves_to_the_head(
    database: Database,
) -> None:
    runner = runner_for(database)
    elsewhere = runner_for(database)  # never started: answers from the checkpoint row
    async with running(runner):
        await runner.wait_for(await pay(database, tills=1), timeout=5)
        drawer = CashDrawer(store_id="ST-AMS")
        unrelated = (await database.store.append(drawer.collect_events(), CONTEXT)).last_position
        assert await runner.wait_for(unrelated, timeout=5)
        assert await elsewhere.wait_for(unrelated, timeout=5)
        [status] = await projection_status(database.pool, ["till_takings"])
    assert status.lag_events == 0 and status.lag_seconds == 0
    assert Position.parse(status.position) >= unrelated


async def test_the_progress_bar_shows_rate_and_time_left(database: Database, capsys) -> None:  # type: ignore[no-untyped-def]
    await pay(database, tills=4)
    progress = await rebuild_with_progress_bar(database.store, TillTakings())
    out = capsys.readouterr().out
    assert progress.done == progress.total == 4 * 5
    assert "100%" in out and "20/20 events" in out and "/s" in out and "left" in out
    assert "rebuilt till_takings" in out
