"""A runner never ends quietly: an error the database raised under a batch is retried (not
recorded as the handler's failure), an unexpected error outside the handlers starts the run
over, and a runner task that ends with an error anyway is started again by the supervisor."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import asyncpg
import pytest
from asyncpg.exceptions import _base as asyncpg_base

from adapters.postgres.database import Database
from domain.ports import RecordedEvent
from projections import runner as runner_module
from projections import supervisor as supervisor_module
from projections.supervisor import ProjectionSupervisor
from tests.integration.test_projection_runner import (
    assert_equals_a_fresh_rebuild,
    pay,
    runner_for,
    running,
)
from tests.integration.till_projection import TillTakings

# What a pooled connection raised when the server's shutdown message had arrived on it while
# it sat idle: the error that used to end runner tasks for good during restarts.
CUT_CONNECTION = "cannot switch to state 12; another operation (2) is in progress"


class CutOnce(TillTakings):
    """Its first batch meets a connection the database cut."""

    cuts = 1

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        if self.cuts:
            self.cuts -= 1
            raise asyncpg_base.InternalClientError(CUT_CONNECTION)
        await super().apply(connection, batch, suffix)


async def test_a_connection_cut_under_a_batch_is_retried_not_recorded_as_a_failure(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner_module, "RETRY_SECONDS", (0.01,))
    projection = CutOnce()
    runner = runner_for(database, projection)
    async with running(runner):
        assert await runner.wait_for(await pay(database, tills=2), timeout=10)
        assert runner.state == "running"
    assert projection.cuts == 0
    await assert_equals_a_fresh_rebuild(database)


async def test_an_unexpected_error_outside_the_handlers_starts_the_run_over(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(runner_module, "UNEXPECTED_RETRY_SECONDS", (0.01,))
    read_window = database.store.read_window
    surprises = [RuntimeError("a bug outside the handlers")]

    async def surprising_read(*args):  # type: ignore[no-untyped-def]
        if surprises:
            raise surprises.pop()
        return await read_window(*args)

    monkeypatch.setattr(database.store, "read_window", surprising_read)
    runner = runner_for(database)
    with caplog.at_level(logging.ERROR, logger="projections.runner"):
        async with running(runner) as task:
            assert await runner.wait_for(await pay(database), timeout=10)
            assert not task.done()
            assert runner.state == "running"
    assert not surprises
    assert any("unexpected error, starting over" in r.getMessage() for r in caplog.records)
    await assert_equals_a_fresh_rebuild(database)


async def test_the_supervisor_starts_again_a_runner_whose_task_ended_with_an_error(
    database: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(supervisor_module, "RELAUNCH_SECONDS", 0.01)
    supervisor = ProjectionSupervisor(
        database.store, [TillTakings()], database.dsn, database.schema, poll_interval=0.05
    )
    runner = supervisor.runners["till_takings"]
    real_run, runs = runner.run, []

    async def run_that_dies_first() -> None:
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("ended by surprise")
        await real_run()

    monkeypatch.setattr(runner, "run", run_that_dies_first)
    with caplog.at_level(logging.ERROR, logger="projections.supervisor"):
        supervisor.start()
        try:
            assert await supervisor.wait_for(await pay(database), timeout=10)
        finally:
            await supervisor.stop()
    assert len(runs) == 2
    assert any("ended unexpectedly" in r.getMessage() for r in caplog.records)
