"""The runner contract: exactly once across crashes, one worker at a time, failures isolated,
rebuilds that never interrupt readers, read-your-writes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path
from uuid import uuid4

from adapters.postgres.database import Database
from domain.ports import Position
from domain.values import Money
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from projections.supervisor import ProjectionSupervisor, projection_status
from tests.integration.test_event_store_contract import CONTEXT, new_till
from tests.integration.till_projection import TillTakings, table_rows

ROOT = Path(__file__).resolve().parents[2]


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


async def expected_rows(database: Database) -> tuple[list, list]:
    """What a from-scratch rebuild produces, computed into the shadow tables."""
    await rebuild(database.store, TillTakings())
    return await table_rows(database.pool)


async def test_catches_up_then_follows_live_applying_each_event_once(database: Database) -> None:
    await pay(database)
    runner = runner_for(database)
    task = asyncio.create_task(runner.run())
    last = await pay(database, tills=3)
    assert await runner.wait_for(last, timeout=10)
    task.cancel()

    payments, totals = await table_rows(database.pool)
    assert len(payments) == 8 * 4 and len(totals) == 8
    assert all(total == Money.of("10.00").amount for _, _, total in totals)


async def test_cancelling_mid_stream_neither_loses_nor_repeats(database: Database) -> None:
    writer = asyncio.create_task(pay(database, tills=40, payments=3))
    for _ in range(6):
        task = asyncio.create_task(runner_for(database).run())
        await asyncio.sleep(0.05)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    last = await writer
    runner = runner_for(database)
    task = asyncio.create_task(runner.run())
    assert await runner.wait_for(last, timeout=15)
    task.cancel()

    live = await table_rows(database.pool)
    assert len(live[0]) == 120
    assert live == await expected_rows(database)


async def start_worker(database: Database) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "tests/integration/projection_worker.py"),
        database.dsn,
        database.schema or "public",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    assert await asyncio.wait_for(process.stdout.readline(), 30) == b"started\n"
    return process


async def wait_for_checkpoint(database: Database, position: Position, timeout: float) -> None:
    async def reached() -> None:
        while True:
            [status] = await projection_status(database.pool, ["till_takings"])
            if Position.parse(status.position) >= position:
                return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(reached(), timeout)


async def test_a_killed_worker_is_replaced_without_gaps_or_double_applies(
    database: Database,
) -> None:
    first, second = await start_worker(database), await start_worker(database)
    writer = asyncio.create_task(pay(database, tills=60, payments=3))
    await asyncio.sleep(0.3)
    first.send_signal(signal.SIGKILL)  # whichever holds the lease; the other must carry on
    await first.wait()
    last = await writer
    await wait_for_checkpoint(database, last, timeout=30)
    second.kill()
    await second.wait()

    live = await table_rows(database.pool)
    assert len(live[0]) == 180  # the primary key would have refused a double apply
    assert live == await expected_rows(database)


async def test_only_one_of_two_runners_applies_at_a_time(database: Database) -> None:
    one, two = runner_for(database), runner_for(database)
    tasks = [asyncio.create_task(one.run()), asyncio.create_task(two.run())]
    await asyncio.sleep(0.5)
    assert sorted([one.state, two.state]) == ["running", "standby"]
    active = tasks[0] if one.state == "running" else tasks[1]
    standby = two if one.state == "running" else one
    last = await pay(database, tills=2)
    active.cancel()
    last = await pay(database, tills=2)
    assert await standby.wait_for(last, timeout=10)
    for task in tasks:
        task.cancel()
    assert len((await table_rows(database.pool))[0]) == 16


async def test_a_failing_handler_stops_only_its_projection(database: Database) -> None:
    class Fussy(TillTakings):
        name = "fussy_takings"
        tables = ("fussy_payments",)
        schema = """CREATE TABLE fussy_payments{s} (stream_id uuid, version int, amount numeric,
                    PRIMARY KEY (stream_id, version));"""
        fail_on_amount = "6.66"

        async def apply(self, connection, batch, suffix):  # type: ignore[no-untyped-def]
            for r in batch:
                if r.topic.endswith(".PaymentTaken"):
                    if str(r.event.amount.amount) == self.fail_on_amount:
                        raise ValueError("cursed amount")
                    await connection.execute(
                        f"INSERT INTO fussy_payments{suffix} VALUES ($1, $2, $3)",
                        r.stream_id,
                        r.version,
                        r.event.amount.amount,
                    )

    supervisor = ProjectionSupervisor(
        database.store, [TillTakings(), Fussy()], database.dsn, database.schema, poll_interval=0.05
    )
    supervisor.start()
    await pay(database, tills=1)
    cursed = new_till(payments=1)
    cursed.take(Money.of("6.66"), uuid4())
    bad = await database.store.append(cursed.collect_events(), CONTEXT)
    last = await pay(database, tills=1)

    assert await supervisor.wait_for(last, timeout=10, names=["till_takings"])
    assert not await supervisor.wait_for(last, timeout=0.5, names=["fussy_takings"])
    statuses = {s.name: s for s in await supervisor.status()}
    await supervisor.stop()
    assert statuses["till_takings"].state == "running"
    assert statuses["fussy_takings"].state == "failed"
    assert statuses["fussy_takings"].failed_at == bad.last_position.token()
    assert "cursed amount" in (statuses["fussy_takings"].error or "")
    assert statuses["fussy_takings"].lag_events > 0
    # Everything before the cursed event was applied and kept.
    assert await database.pool.fetchval("SELECT count(*) FROM fussy_payments") == 5


async def test_a_rebuild_swaps_in_equal_tables_while_queries_keep_working(
    database: Database,
) -> None:
    await pay(database, tills=30, payments=5)
    runner = runner_for(database)
    task = asyncio.create_task(runner.run())
    assert await runner.wait_for(await database.store.last_position(), timeout=15)
    before = await table_rows(database.pool)
    failures: list[BaseException] = []
    stop = asyncio.Event()

    async def query_constantly() -> int:
        count = 0
        while not stop.is_set():
            try:
                await database.pool.fetch("SELECT * FROM till_totals ORDER BY total LIMIT 5")
                count += 1
            except Exception as error:  # noqa: BLE001 - any failure is what we look for
                failures.append(error)
            await asyncio.sleep(0)
        return count

    reader = asyncio.create_task(query_constantly())
    progress = await rebuild(database.store, TillTakings())
    last = await pay(database, tills=1)
    assert await runner.wait_for(last, timeout=10)
    stop.set()
    queries = await reader
    task.cancel()

    assert failures == [] and queries > 0
    assert progress.done == progress.total == 30 * 6
    after = await table_rows(database.pool)
    assert set(before[0]) <= set(after[0])
    assert len(after[1]) == 31
    assert after == await expected_rows(database)


async def test_read_your_writes_waits_for_the_position_and_gives_up_in_time(
    database: Database,
) -> None:
    runner = runner_for(database)
    task = asyncio.create_task(runner.run())
    written = await pay(database, tills=1)
    assert await runner.wait_for(written, timeout=5)
    far_future = Position(written.transaction_id + 10_000, 0)
    assert not await runner.wait_for(far_future, timeout=0.3)
    task.cancel()
