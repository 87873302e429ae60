"""create_app(settings) -> Litestar: the composition root."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import sys
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from litestar import Litestar
from litestar.config.app import AppConfig

from adapters.clock import AcceleratedClock, SystemClock
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.cart_history import PostgresCartHistory
from adapters.postgres.catalog import CATALOG_CHANNEL, CachedCatalog, PostgresCatalog
from adapters.postgres.customers import PostgresCustomers
from adapters.postgres.database import Database, require_usable
from adapters.settings import Settings, SettingsError, StartupError
from api.auth import TokenService
from api.demo_seed import seed_demo
from api.graphql.endpoint import graphql_handlers
from api.http_errors import internal_error
from api.logs import configure_console
from api.metrics import Metrics
from api.outbox_cli import outbox_relay
from api.pos_sync import pos_sync
from api.request_ids import RequestIdMiddleware
from api.rest import rest_handlers
from api.scheduler import Scheduler
from api.services import Services
from api.staff import staff_handlers
from domain.ports import Clock
from domain.service import CommerceService
from projections.catalog import all_projections
from projections.supervisor import ProjectionSupervisor

if TYPE_CHECKING:
    from api.telemetry import Tracing

log = logging.getLogger("omnicommerce")

MAX_BODY_BYTES = 1024 * 1024

# Every GraphQL request leaves objects in reference cycles inside graphql-core, strawberry,
# Litestar and uvicorn, which only the cyclic collector frees. With CPython's defaults and the
# start-up heap rescanned by every full collection, the server spent ~14% of its CPU in GC
# and single pauses reached 110 ms under 32 clients, stalling every request in flight. So:
# freeze what start-up built (modules, the schema: never garbage) out of the collector's
# reach. Pauses then scale with the thresholds: (50,000, 20, 100) paused 54-76 ms per young
# collection; (10,000, 10, 10) keeps both young and middle passes short (add-to-cart p99 at
# 32 clients 35-54 ms against 62-95 ms, three interleaved runs), for the same total.
GC_THRESHOLDS = (10_000, 10, 10)
STARTUP_FAILURE = 3


async def build_services(settings: Settings, schema: str | None = None) -> Services:
    tokens = TokenService.for_deployment(settings.secret_keys, settings.production)
    database = await Database.open(settings, schema=schema, pool_size=settings.pool_size)
    catalog = CachedCatalog(PostgresCatalog(database.pool))
    await database.store.notifier.subscribe(CATALOG_CHANNEL, catalog.invalidate)
    clock = clock_of(settings)
    service = CommerceService(
        store=database.store,
        catalog=catalog,
        payments=SimulatedPaymentGateway(),
        clock=clock,
        customers=PostgresCustomers(database.pool),
        cart_history=PostgresCartHistory(database.pool),
    )
    projections = projection_supervisor(database, settings)
    return Services(
        settings=settings,
        database=database,
        catalog=catalog,
        customers=PostgresCustomers(database.pool),
        service=service,
        projections=projections,
        tokens=tokens,
        clock=clock,
        metrics=Metrics(),
    )


def clock_of(settings: Settings) -> Clock:
    """The real clock; or, for simulations, one that starts where told and runs faster."""
    if not settings.simulated_clock:
        return SystemClock()
    if settings.production:
        raise SettingsError(
            "OMNI_CLOCK_START and OMNI_CLOCK_SPEED are for simulations, and OMNI_ENVIRONMENT "
            "is production: unset them."
        )
    start = datetime.fromisoformat(settings.clock_start) if settings.clock_start else None
    return AcceleratedClock(start or datetime.now(UTC), settings.clock_speed)


def projection_supervisor(database: Database, settings: Settings) -> ProjectionSupervisor:
    """Every read model, on the database's schema."""
    return ProjectionSupervisor(
        database.store,
        all_projections(),
        database.dsn,
        database.schema,
        poll_interval=settings.poll_interval,
    )


def tune_garbage_collector() -> None:
    """For a server process, once its app is built (not for tests, which build many)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def from_environment() -> Litestar:
    """The ASGI app for `uvicorn --factory api.app:from_environment`. A setting or a database
    that cannot be used ends the process with one sentence before uvicorn serves: in the
    lifespan, uvicorn would print the whole traceback."""
    try:
        settings = Settings.from_env(os.environ)
        check_settings(settings)
        _run_apart(require_usable(settings))
    except StartupError as refusal:
        print(refusal, file=sys.stderr)
        # uvicorn's status for a failed start: its `--workers` supervisor then stops instead
        # of restarting workers that would fail the same way.
        raise SystemExit(STARTUP_FAILURE) from None
    configure_console(settings.log_format)
    app = create_app(settings)
    tune_garbage_collector()
    return app


def _run_apart(work: Coroutine[object, object, None]) -> None:
    """uvicorn calls its factory inside its running event loop, which cannot wait for a
    coroutine here: this one runs to its end on a loop of its own, in a thread."""
    with ThreadPoolExecutor(max_workers=1) as apart:
        apart.submit(asyncio.run, work).result()


def check_settings(settings: Settings) -> None:
    """Refuse a weak signing key in production, and a simulated clock there, before anything
    starts, not at the first request."""
    TokenService.for_deployment(settings.secret_keys, settings.production)
    clock_of(settings)


def create_app(settings: Settings) -> Litestar:
    check_settings(settings)
    schema = settings.database_schema
    tracing = install_tracing(settings) if settings.otlp_endpoint else None
    tracer = tracing.tracer if tracing is not None else None

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        services = await build_services(settings, schema)
        app.state.services = services
        await services.projections.prepare()
        await services.projections.follow_other_processes()
        if settings.seed_demo and await seed_demo(services.database.pool, services.service):
            log.info("demo catalog, stores and stock loaded")
        scheduler = Scheduler(
            services.database.pool,
            services.service,
            services.clock,
            interval=settings.scheduler_interval,
            outage=services.database.outage,
            upkeep=services.database.upkeep,
        )
        if settings.run_projections:
            services.projections.start()
        if settings.run_scheduler:
            scheduler.start()
        # The outbox relay (when NATS_URL is set) runs as a task of its own: NATS being down
        # or the relay failing never reaches a request.
        relay = outbox_relay(services.database, settings) if settings.run_outbox else None
        if relay is not None:
            relay.start()
        try:
            yield
        finally:
            if relay is not None:
                await relay.stop()
            await scheduler.stop()
            await services.projections.stop()
            await services.database.close()
            if tracing is not None:
                tracing.shutdown()

    def configure(config: AppConfig) -> AppConfig:
        config.debug = False  # errors never leak a stack trace to a client
        return config

    app = Litestar(
        route_handlers=[
            *graphql_handlers(settings, tracer),
            *rest_handlers(),
            pos_sync,
            *staff_handlers(),
        ],
        lifespan=[lifespan],
        request_max_body_size=MAX_BODY_BYTES,
        # Any exception that is not an HTTPException is a bug: logged with its traceback and
        # answered as INTERNAL_ERROR with the request id (Litestar's own logs nothing here).
        exception_handlers={500: internal_error},
        on_app_init=[configure],
        # Logging is the process's (api/logs.py): Litestar would install a format of its own.
        logging_config=None,
    )
    # Around everything Litestar does for a request, as plain ASGI (request_ids.py says why).
    app.asgi_handler = RequestIdMiddleware(app.asgi_handler, tracer)
    return app


def install_tracing(settings: Settings) -> Tracing:
    """OpenTelemetry's SDK is imported here, only when traces are to be exported."""
    from api.telemetry import install_tracing as install

    return install(settings)
