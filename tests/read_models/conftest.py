"""Read-model specs on PostgreSQL, with the small shop's reference data.

They share one schema per run: every spec drops and creates its read model's tables before
each batching, and every test starts from the shop's catalog, so none sees another's rows
(a schema of its own per test cost more than the spec itself).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from adapters.postgres.catalog import upsert_catalog
from adapters.postgres.database import Database
from adapters.settings import Settings
from projections.runner import Projection
from tests.conftest import fresh_database
from tests.projection_spec import ProjectionSpec
from tests.shop import LOCATIONS, PRODUCTS

SpecOf = Callable[[Projection], ProjectionSpec]


@pytest.fixture(scope="session")
async def spec_database(settings: Settings) -> AsyncIterator[Database]:
    async with fresh_database(settings) as database:
        yield database


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Iterator[None]:
    """Keep the outcome of a test's call, for its fixtures' teardown to see."""
    report = yield
    if report.when == "call":
        item.stash[CALL_PASSED] = report.passed
    return report


CALL_PASSED = pytest.StashKey[bool]()


@pytest.fixture
async def spec_of(spec_database: Database, request: pytest.FixtureRequest) -> AsyncIterator[SpecOf]:
    """`spec_of(projection)`; a test that passes must have run every scenario it began (a
    `then` not awaited would check nothing)."""
    async with spec_database.pool.acquire() as connection, connection.transaction():
        await connection.execute("DELETE FROM products; DELETE FROM locations")
        await upsert_catalog(connection, PRODUCTS, LOCATIONS)
    specs: list[ProjectionSpec] = []

    def spec_of(projection: Projection) -> ProjectionSpec:
        specs.append(ProjectionSpec(spec_database.pool, projection))
        return specs[-1]

    yield spec_of
    never_run = sum(not s.verified for spec in specs for s in spec.scenarios)
    if request.node.stash.get(CALL_PASSED, False):
        assert not never_run, f"{never_run} scenario(s) given but never run by an awaited then"
