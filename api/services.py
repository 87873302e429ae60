"""Everything a request handler may use, built once per process by the composition root."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adapters.postgres.business_clock import SharedBusinessClock
from adapters.postgres.catalog import CachedCatalog
from adapters.postgres.customers import PostgresCustomers
from adapters.postgres.database import Database
from adapters.postgres.erased_customers import ErasedCustomers
from adapters.settings import Settings
from api.auth import TokenService
from api.metrics import Metrics
from domain.ports import Clock
from domain.service import CommerceService
from projections.customer_data import customer_data
from projections.read_routes import ReadRoutes
from projections.supervisor import ProjectionSupervisor

# Where the export finds a customer's business (their subjects): caught up before it reads.
EXPORT_VIEWS = ("customer_timeline",)


@dataclass
class Services:
    settings: Settings
    database: Database
    catalog: CachedCatalog
    customers: PostgresCustomers
    service: CommerceService
    projections: ProjectionSupervisor
    tokens: TokenService
    clock: Clock
    metrics: Metrics
    # Where queries read: the primary, or streaming replicas (OMNI_READ_DATABASE_URL).
    reads: ReadRoutes
    # A simulation's clock as every process on the schema shares it (None on the real clock).
    business_clock: SharedBusinessClock | None = None
    # The customers erased, whose tokens `tokens` refuses (None: none are refused).
    erased: ErasedCustomers | None = None

    async def close(self) -> None:
        if self.business_clock is not None:
            await self.business_clock.stop()
        if self.erased is not None:
            await self.erased.stop()
        await self.reads.close()
        await self.database.close()

    async def customer_data(self, customer_id: str) -> dict[str, Any]:
        """Everything held about the customer (projections/customer_data.py), once the
        timeline has reached every write committed so far (bounded: then as it stands)."""
        head = await self.database.store.committed_head()
        await self.projections.wait_for(head, self.settings.consistency_wait, EXPORT_VIEWS)
        return await customer_data(self.database.store, customer_id, self.clock.now())
