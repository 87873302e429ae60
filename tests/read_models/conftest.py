"""Read-model specs: each on a database of its own, with the small shop's reference data."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from adapters.postgres.catalog import upsert_catalog
from adapters.postgres.database import Database
from projections.runner import Projection
from tests.projection_spec import ProjectionSpec
from tests.shop import LOCATIONS, PRODUCTS

SpecOf = Callable[[Projection], ProjectionSpec]


@pytest.fixture
async def spec_of(database: Database) -> AsyncIterator[SpecOf]:
    """`spec_of(projection)`; afterwards, every scenario a test began must have been run."""
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, PRODUCTS, LOCATIONS)
    specs: list[ProjectionSpec] = []

    def spec_of(projection: Projection) -> ProjectionSpec:
        specs.append(ProjectionSpec(database.pool, projection))
        return specs[-1]

    yield spec_of
    never_run = [s for spec in specs for s in spec.scenarios if not s.verified]
    assert not never_run, f"given without an awaited then: {never_run}"
