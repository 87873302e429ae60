"""The composition root: the one place that builds, from settings, the services a request
handler uses and the jobs that run beside requests (projection runners, the scheduler, the
outbox relay). The app (app.py), the worker processes (workers.py, projection_worker.py) and
the command line (api/cli/) all build through here; nothing here imports them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from adapters.clock import AcceleratedClock, SystemClock
from adapters.keys.master import MasterKeys
from adapters.outbox.relay import OutboxRelay, RelayConfig
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.business_clock import SharedBusinessClock
from adapters.postgres.cart_history import PostgresCartHistory
from adapters.postgres.catalog import CATALOG_CHANNEL, CachedCatalog, PostgresCatalog
from adapters.postgres.customers import PostgresCustomers
from adapters.postgres.database import Database
from adapters.postgres.erased_customers import erased_customers
from adapters.postgres.erasure import PostgresEraser
from adapters.postgres.replicas import ReplicaSet
from adapters.settings import Settings, SettingsError
from api.auth import TokenService
from api.metrics import Metrics
from api.server.demo_seed import seed_demo
from api.server.scheduler import Scheduler
from api.services import Services
from domain.loyalty.model import LoyaltyRules
from domain.ports import Clock
from domain.service import CommerceService
from projections.catalog import all_projections
from projections.read_routes import ReadRoutes
from projections.supervisor import ProjectionSupervisor

log = logging.getLogger("omnicommerce")
DEMO_CATCH_UP_SECONDS = 60.0  # the read models over the demo's history: a few seconds


async def build_services(settings: Settings, schema: str | None = None) -> Services:
    tokens = TokenService.for_deployment(settings.secret_keys, settings.production)
    database = await Database.open(settings, schema=schema, pool_size=settings.pool_size)
    catalog = CachedCatalog(PostgresCatalog(database.pool))
    await database.store.notifier.subscribe(CATALOG_CHANNEL, catalog.invalidate)
    # An erased customer's tokens are refused in every process, without a query per request.
    tokens.erased = erased = await erased_customers(
        database.pool, database.store.notifier.subscribe
    )
    clock, business_clock = await shared_clock_of(settings, database)
    service = CommerceService(
        store=database.store,
        catalog=catalog,
        payments=SimulatedPaymentGateway(),
        clock=clock,
        customers=PostgresCustomers(database.pool),
        cart_history=PostgresCartHistory(database.pool),
        eraser=PostgresEraser(database.store, all_projections(), erased=erased),
        erasure_waiting_days=settings.erasure_waiting_days,
        loyalty_rules=loyalty_rules(settings),
    )
    projections = projection_supervisor(database, settings)
    reads = await read_routes(database, projections, settings)
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
        reads=reads,
        business_clock=business_clock,
        erased=erased,
    )


async def read_routes(
    database: Database, projections: ProjectionSupervisor, settings: Settings
) -> ReadRoutes:
    """Queries on the replicas of OMNI_READ_DATABASE_URL, or on the primary without any."""
    replicas = None
    if settings.replica_urls:
        replicas = await ReplicaSet.open(
            database.pool,
            settings.replica_urls,
            schema=database.schema,
            pool_size=settings.pool_size,
            max_lag=settings.replica_max_lag,
        )
    return ReadRoutes(
        database.pool,
        projections,
        replicas,
        fallback=settings.read_fallback,
        replica_wait=settings.replica_wait,
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
    return AcceleratedClock(explicit_start(settings) or datetime.now(UTC), settings.clock_speed)


def explicit_start(settings: Settings) -> datetime | None:
    return datetime.fromisoformat(settings.clock_start) if settings.clock_start else None


async def shared_clock_of(
    settings: Settings, database: Database
) -> tuple[Clock, SharedBusinessClock | None]:
    """`clock_of`, and for a simulation the schema's shared business clock it follows: every
    process on the schema runs on it (adapters/postgres/business_clock.py). The real clock
    touches no table and listens to nothing."""
    clock = clock_of(settings)
    if not isinstance(clock, AcceleratedClock):
        return clock, None
    shared = SharedBusinessClock(database.pool, clock)
    await shared.start(explicit_start(settings), database.store.notifier.subscribe)
    return clock, shared


def loyalty_rules(settings: Settings) -> LoyaltyRules:
    return LoyaltyRules(
        points_per_unit=settings.loyalty_points_per_unit,
        point_value=settings.loyalty_point_value,
        expiry_days=settings.loyalty_expiry_days,
    )


def check_settings(settings: Settings) -> None:
    """Refuse a weak signing key in production, and a simulated clock there, before anything
    starts, not at the first request."""
    TokenService.for_deployment(settings.secret_keys, settings.production)
    MasterKeys.for_deployment(settings.master_keys, settings.production)
    clock_of(settings)


def projection_supervisor(database: Database, settings: Settings) -> ProjectionSupervisor:
    """Every read model, on the database's schema."""
    return ProjectionSupervisor(
        database.store,
        all_projections(),
        database.dsn,
        database.schema,
        poll_interval=settings.poll_interval,
    )


def relay_config(settings: Settings) -> RelayConfig:
    return RelayConfig(
        stream=settings.outbox_stream,
        subject_prefix=settings.outbox_subject_prefix,
        duplicate_window=settings.outbox_duplicate_window,
        replicas=settings.outbox_replicas,
        batch_size=settings.outbox_batch_size,
        poll_interval=settings.poll_interval,
    )


def outbox_relay(database: Database, settings: Settings) -> OutboxRelay | None:
    """The relay for this database, or None when NATS_URL is not set."""
    if not settings.nats_url:
        return None
    config = relay_config(settings)
    return OutboxRelay(database.store, settings.nats_url, config, database.dsn, database.schema)


async def seed_if_asked(services: Services, settings: Settings) -> bool:
    """Whether the demo was loaded now (into an empty database)."""
    if not settings.seed_demo:
        return False
    days = settings.demo_history_days
    if not await seed_demo(services.database.pool, services.service, days):
        return False
    log.info("demo catalog, stores and stock loaded, with %s days of pickups", days)
    return True


@asynccontextmanager
async def jobs_beside_requests(services: Services, settings: Settings) -> AsyncIterator[None]:
    """The read models' tables ready and the demo loaded; then, as the settings say, the
    projection runners, the scheduler and the outbox relay running until the block ends."""
    await services.projections.prepare()
    await services.projections.follow_other_processes()
    seeded = await seed_if_asked(services, settings)
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
        if seeded and settings.demo_history_days:  # the first page shows all of the history
            head = await services.database.store.committed_head()
            await services.projections.wait_for(head, DEMO_CATCH_UP_SECONDS)
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


async def prepare_database(settings: Settings) -> str:
    """Migrate, create the read models' tables and seed the demo, once, before any worker;
    returns the database's address. (The supervisor stays a user of an embedded server for
    as long as its children run, so pgserver keeps it up.)"""
    services = await build_services(settings, settings.database_schema)
    try:
        await services.projections.prepare()
        await seed_if_asked(services, settings)
        return services.database.dsn
    finally:
        await services.close()
