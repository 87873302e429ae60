"""Everything a request handler may use, built once per process by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from adapters.postgres.catalog import CachedCatalog
from adapters.postgres.customers import PostgresCustomers
from adapters.postgres.database import Database
from adapters.settings import Settings
from api.auth import TokenService
from api.metrics import Metrics
from domain.ports import Clock
from domain.service import CommerceService
from projections.read_routes import ReadRoutes
from projections.supervisor import ProjectionSupervisor


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

    async def close(self) -> None:
        await self.reads.close()
        await self.database.close()
