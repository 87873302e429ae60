"""Shared fixtures: one PostgreSQL per test session (embedded unless DATABASE_URL is set),
a fresh schema per test, and the event store contract run against every implementation."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import msgspec
import pytest

from adapters.memory import InMemoryEventStore
from adapters.postgres.database import Database
from adapters.settings import Settings
from domain.ports import EventStore
from tests import machine_tools
from tests.private_cluster import PrivateCluster, Standby, replicated_cluster

ROOT = Path(__file__).resolve().parent.parent
# Both layouts of the events table (adapters/postgres/layout.py). In the partitioned one, tests
# use partitions of 1,000 positions, 4 kept ahead: the contract's appends cross their bounds,
# and past 4,000 events (nobody ticks the rule) land in the default partition.
LAYOUTS = ("plain", "partitioned")
TEST_PARTITION_SIZE, TEST_PARTITIONS_AHEAD = 1000, 4


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    machine_tools.set_aside(config, items)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test marked read_your_writes runs twice: its app reading from the primary, and reading
    from a streaming replica of it (the `reads` fixture)."""
    if metafunc.definition.get_closest_marker("read_your_writes") is None:
        return
    assert "reads" in metafunc.fixturenames, f"{metafunc.definition.nodeid} uses no `reads`"
    metafunc.parametrize("reads", ["primary", "replica"], indirect=True)


def pytest_runtest_setup(item: pytest.Item) -> None:
    machine_tools.fail_if_missing(item)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Programs set aside for lack of a program (tests/machine_tools.py), and how many
    operations the plans' differential check saw (tests/plan_shadow.py), when a test of this
    run loaded it."""
    for line in machine_tools.summary_lines(config):
        terminalreporter.write_line(line, yellow=True)
    shadow = sys.modules.get("tests.plan_shadow")
    line = shadow.summary(shadow.SEEN_IN_THIS_RUN) if shadow is not None else None
    if line is not None:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def settings() -> Settings:
    from_env = Settings.from_env(os.environ)
    return msgspec.structs.replace(
        from_env,
        data_dir=str(ROOT / ".omni" / "test"),
        environment="test",
        seed_demo=False,
        demo_history_days=0,  # a test that wants the demo's history asks for it
        poll_interval=0.5,
        nats_url=None,  # the outbox only where a test turns it on (tests/outbox/)
    )


def in_layout(settings: Settings, layout: str) -> Settings:
    """`settings` for a schema created in `layout` (small partitions in the partitioned one)."""
    return msgspec.structs.replace(
        settings,
        events_layout=layout,
        events_partition_size=TEST_PARTITION_SIZE,
        events_partitions_ahead=TEST_PARTITIONS_AHEAD,
    )


@asynccontextmanager
async def fresh_database(settings: Settings, layout: str | None = None) -> AsyncIterator[Database]:
    """A database in a schema of its own (in `layout`, else the settings'), dropped afterwards."""
    if layout is not None:
        settings = in_layout(settings, layout)
    schema = f"test_{uuid4().hex[:12]}"
    database = await Database.open(settings, schema=schema, pool_size=40)
    try:
        yield database
    finally:
        await database.pool.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await database.close()


@pytest.fixture
async def database(settings: Settings) -> AsyncIterator[Database]:
    async with fresh_database(settings) as database:
        yield database


@pytest.fixture(scope="session")
def replicated() -> Iterator[tuple[PrivateCluster, Standby]]:
    """A primary and a streaming replica made by pg_basebackup, shared by the session's tests
    (each works in a schema of its own); started on first use."""
    with replicated_cluster() as (primary, standby):
        yield primary, standby


@pytest.fixture
def reads(request: pytest.FixtureRequest) -> str:
    """Where the app under test reads: "primary", or "replica" in the second run of a test
    marked read_your_writes."""
    return getattr(request, "param", "primary")


def reading_from(settings: Settings, reads: str, request: pytest.FixtureRequest) -> Settings:
    """The settings as they are, or on the replicated cluster with queries on its replica."""
    if reads == "primary":
        return settings
    primary, standby = request.getfixturevalue("replicated")
    return msgspec.structs.replace(
        settings, database_url=primary.dsn, read_database_url=standby.dsn
    )


@pytest.fixture
async def private_cluster() -> AsyncIterator[PrivateCluster]:
    """A PostgreSQL of the test's own, for tests that restart or stop it."""
    cluster = PrivateCluster()
    await asyncio.to_thread(cluster.start)
    try:
        yield cluster
    finally:
        await asyncio.to_thread(cluster.remove)


@pytest.fixture(params=["memory", *(f"postgres-{layout}" for layout in LAYOUTS)])
async def store(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[EventStore]:
    """The same contract, proven against every implementation, PostgreSQL in both layouts."""
    if request.param == "memory":
        yield InMemoryEventStore()
        return
    async with fresh_database(settings, request.param.removeprefix("postgres-")) as database:
        yield database.store
