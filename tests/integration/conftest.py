"""A running shop on PostgreSQL: catalog loaded, every projection live, a manual clock."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass

import msgspec
import pytest

from adapters.clock import ManualClock
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.cart_history import PostgresCartHistory
from adapters.postgres.catalog import PostgresCatalog, upsert_catalog
from adapters.postgres.customers import PostgresCustomers, upsert_customers
from adapters.postgres.database import Database
from adapters.settings import Settings
from domain.ports import Position
from domain.service import CommerceService
from projections.catalog import all_projections
from projections.supervisor import ProjectionSupervisor
from tests.private_cluster import PrivateCluster
from tests.shop import CUSTOMERS, LOCATIONS, OPENING, PRODUCTS


@dataclass
class Shop:
    database: Database
    service: CommerceService
    clock: ManualClock
    projections: ProjectionSupervisor

    @property
    def pool(self):  # type: ignore[no-untyped-def]
        return self.database.pool

    async def settled(self, position: Position | None = None) -> None:
        """Wait until every read model has caught up with `position` (default: everything)."""
        target = position or await self.database.store.committed_head()
        assert await self.projections.wait_for(target, timeout=10), "projections lag"


@pytest.fixture
async def private_database(
    private_cluster: PrivateCluster, settings: Settings
) -> AsyncIterator[Database]:
    """A database on the test's own cluster (tests/private_cluster.py), which it may restart."""
    on_cluster = msgspec.structs.replace(settings, database_url=private_cluster.dsn)
    database = await Database.open(on_cluster, schema="shop", pool_size=20)
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def shop(database: Database) -> AsyncIterator[Shop]:
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, PRODUCTS, LOCATIONS)
        await upsert_customers(connection, CUSTOMERS)
    clock = ManualClock(OPENING)
    codes = (f"CODE{n:02d}" for n in itertools.count(1))
    service = CommerceService(
        store=database.store,
        catalog=PostgresCatalog(database.pool),
        payments=SimulatedPaymentGateway(),
        clock=clock,
        new_code=lambda: next(codes),
        customers=PostgresCustomers(database.pool),
        cart_history=PostgresCartHistory(database.pool),
    )
    supervisor = ProjectionSupervisor(
        database.store, all_projections(), database.dsn, database.schema, poll_interval=0.1
    )
    supervisor.start()
    try:
        yield Shop(database, service, clock, supervisor)
    finally:
        await supervisor.stop()
