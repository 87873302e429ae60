"""create_app(settings) -> Litestar: the composition root."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from litestar import Litestar
from litestar.config.app import AppConfig

from adapters.clock import SystemClock
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.catalog import PostgresCatalog
from adapters.postgres.database import Database
from adapters.settings import Settings
from api.auth import TokenService
from api.demo_seed import seed_demo
from api.graphql.schema import graphql_controller
from api.metrics import Metrics
from api.rest import rest_handlers
from api.scheduler import Scheduler
from domain.service import CommerceService
from projections.catalog import all_projections
from projections.supervisor import ProjectionSupervisor

log = logging.getLogger("omnicommerce")

MAX_BODY_BYTES = 1024 * 1024


@dataclass
class Services:
    """Everything a request handler may use, built once per process."""

    settings: Settings
    database: Database
    catalog: PostgresCatalog
    service: CommerceService
    projections: ProjectionSupervisor
    tokens: TokenService
    clock: SystemClock
    metrics: Metrics


async def build_services(settings: Settings, schema: str | None = None) -> Services:
    database = await Database.open(settings, schema=schema)
    catalog = PostgresCatalog(database.pool)
    clock = SystemClock()
    service = CommerceService(
        store=database.store, catalog=catalog, payments=SimulatedPaymentGateway(), clock=clock
    )
    projections = ProjectionSupervisor(
        database.store,
        all_projections(),
        database.dsn,
        schema,
        poll_interval=settings.poll_interval,
    )
    return Services(
        settings,
        database,
        catalog,
        service,
        projections,
        TokenService(settings.secret_key),
        clock,
        Metrics(),
    )


def from_environment() -> Litestar:
    """The ASGI app for `uvicorn --factory api.app:from_environment`."""
    return create_app(Settings.from_env(os.environ))


def create_app(settings: Settings) -> Litestar:
    schema = settings.database_schema

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        services = await build_services(settings, schema)
        app.state.services = services
        await services.projections.prepare()
        if settings.seed_demo and await seed_demo(services.database.pool, services.service):
            log.info("demo catalog, stores and stock loaded")
        scheduler = Scheduler(services.database.pool, services.service, services.clock)
        if settings.run_projections:
            services.projections.start()
        if settings.run_scheduler:
            scheduler.start()
        try:
            yield
        finally:
            await scheduler.stop()
            await services.projections.stop()
            await services.database.close()

    def configure(config: AppConfig) -> AppConfig:
        config.debug = False  # errors never leak a stack trace to a client
        return config

    return Litestar(
        route_handlers=[graphql_controller(settings), *rest_handlers()],
        lifespan=[lifespan],
        request_max_body_size=MAX_BODY_BYTES,
        on_app_init=[configure],
    )
