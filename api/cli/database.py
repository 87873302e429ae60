"""`omni migrate`, `omni db url|status|rewrap-keys` and `omni tick`."""

from __future__ import annotations

from adapters.keys.postgres import PostgresKeyStore, rewrap
from adapters.postgres.database import Database
from adapters.postgres.migrate import applied_migrations, available_migrations
from adapters.settings import Settings
from api.server.composition import build_services
from api.server.scheduler import tick as fire_due_rules


async def migrate(settings: Settings) -> None:
    database = await Database.open(settings, schema=settings.database_schema)  # opening migrates
    async with database.pool.acquire() as connection:
        print(f"schema at version {max(await applied_migrations(connection), default=0)}")
    await database.close()


async def db_url(settings: Settings) -> None:
    database = await Database.open(settings, schema=settings.database_schema)
    print(database.dsn)
    await database.close()


async def db_status(settings: Settings) -> None:
    database = await Database.open(settings, schema=settings.database_schema)
    async with database.pool.acquire() as connection:
        applied = await applied_migrations(connection)
    print(f"database: {database.dsn}")
    print(f"migrations applied: {applied} of {[v for v, _, _ in available_migrations()]}")
    print(f"health: {await database.health()}")
    await database.close()


async def rewrap_keys(settings: Settings) -> None:
    """Every data key wrapped by a previous master key, wrapped again by the current one; safe
    to interrupt and run again. Then the previous master key may be retired."""
    database = await Database.open(settings, schema=settings.database_schema)
    keys = database.store.keys
    assert isinstance(keys, PostgresKeyStore)
    done = await rewrap(database.pool, keys.master)
    print(f"data keys rewrapped with master key {keys.master.key_id}: {done}")
    await database.close()


async def tick(settings: Settings) -> None:
    services = await build_services(settings, settings.database_schema)
    # The rules read the deadlines read model: on a database no worker has served yet (a
    # deployment's timer may fire first) its table must exist, even if it is still empty.
    await services.projections.prepare()
    database = services.database
    report = await fire_due_rules(database.pool, services.service, services.clock, database.upkeep)
    created = f", event partitions created {report.partitions_created}"
    partitions = created if database.partitions else ""
    erased = f", customers erased {report.erased}" if report.erased else ""
    print(f"fired {report.fired}, refused {report.refused}{erased}{partitions}")
    await services.close()
