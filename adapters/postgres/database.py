"""Opening the database: embedded or DATABASE_URL, migrated, with a pool and the event store."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from dataclasses import dataclass, field

import asyncpg
import msgspec

from adapters.embedded import EmbeddedPostgres
from adapters.keys.master import MasterKeys
from adapters.keys.postgres import PostgresKeyStore
from adapters.postgres.first_connection import first_connection
from adapters.postgres.layout import migrate_in_layout
from adapters.postgres.migrate import applied_migrations, available_migrations
from adapters.postgres.outage import Outage, describe
from adapters.postgres.partitions import PartitionRule, partition_status
from adapters.postgres.pool import connect, create_pool
from adapters.postgres.store import PostgresEventStore
from adapters.settings import Settings

# A transaction open this long holds back every follower of the global order.
LONG_TRANSACTION_SECONDS = 5.0
# A readiness probe answers within this, whatever the database does.
READY_TIMEOUT_SECONDS = 2.0


def server_for(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """The DATABASE_URL, or an embedded server started (or reused) in the data folder."""
    if settings.database_url is not None:
        return settings.database_url, None
    embedded = EmbeddedPostgres(settings.data_path / "postgres")
    return embedded.start(), embedded


def source_of(settings: Settings) -> str:
    """Whom to blame when the database cannot be used, in the words an operator set."""
    if settings.database_url is not None:
        return "DATABASE_URL"
    return f"the embedded PostgreSQL in {settings.data_path / 'postgres'}"


async def require_usable(settings: Settings) -> None:
    """Connect once, so that a wrong DATABASE_URL is one sentence before a server starts."""
    dsn, _ = server_for(settings)
    connection = await first_connection(dsn, source_of(settings))
    await connection.close()


@dataclass
class Database:
    dsn: str
    pool: asyncpg.Pool
    store: PostgresEventStore
    schema: str | None = None
    embedded: EmbeddedPostgres | None = field(default=None, repr=False)
    # The partitioned layout's rule, fired by the scheduler (None in the plain layout).
    partitions: PartitionRule | None = None
    # How long a transaction may stay open before health() names it as holding the store back.
    long_transaction_seconds: float = LONG_TRANSACTION_SECONDS

    @classmethod
    async def open(
        cls, settings: Settings, *, schema: str | None = None, pool_size: int = 10
    ) -> Database:
        dsn, embedded = server_for(settings)
        layout = settings.events_layout
        partitions = None
        if layout == "partitioned":
            partitions = PartitionRule(
                settings.events_partition_size, settings.events_partitions_ahead
            )
        connection = await first_connection(dsn, source_of(settings), schema=schema)
        try:
            if schema is not None:
                await _create_schema(connection, schema)
            await migrate_in_layout(connection, layout)
            if partitions is not None:  # before the first append, and whether or not it ticks
                await partitions.fire(connection)
        finally:
            await connection.close()
        master = MasterKeys.for_deployment(settings.master_keys, settings.production)
        pool = await create_pool(dsn, schema=schema, min_size=min(2, pool_size), max_size=pool_size)
        store = PostgresEventStore(pool, keys=PostgresKeyStore(pool, master), layout=layout)
        await store.start_listening(functools.partial(connect, dsn, schema=schema))
        return cls(dsn, pool, store, schema, embedded, partitions=partitions)

    async def upkeep(self) -> int:
        """What the scheduler fires on every tick beside the business rules: the partition
        rule in the partitioned layout. Returns the partitions created."""
        if self.partitions is None:
            return 0
        return await self.partitions.fire(self.pool)

    @property
    def outage(self) -> Outage:
        return self.store.outage

    async def readiness(self, timeout: float = READY_TIMEOUT_SECONDS) -> dict[str, object]:
        """Can this process serve requests? Not while the database is unreachable or its
        schema lacks migrations this code expects (a database restored from an old backup,
        a failover to an empty server). The report says which."""
        try:
            async with asyncio.timeout(timeout), self.pool.acquire() as connection:
                applied = set(await applied_migrations(connection))
        except Exception as error:  # noqa: BLE001 - a probe answers, whatever failed
            self.outage.observe(error, "checking readiness")
            return {
                "status": "not_ready",
                "database": "unreachable",
                "error": describe(error),
            }
        expected = available_migrations(self.store.layout)
        pending = [version for version, _, _ in expected if version not in applied]
        return {
            "status": "not_ready" if pending else "ready",
            "database": "ok",
            "pending_migrations": pending,
        }

    async def close(self) -> None:
        await self.store.stop_listening()
        await self.pool.close()
        # The embedded server stays up for other processes; pgserver stops it when the last exits.

    async def health(self) -> dict[str, object]:
        """The head followers see, and the newest committed event: a gap between the two is
        what an open transaction somewhere on the server holds back (named once it is long)."""
        head = await self.store.last_position()
        committed = await self.store.committed_head()
        oldest = await self.pool.fetchrow(
            """
            SELECT pid, state, extract(epoch FROM now() - xact_start)::float AS seconds,
                   left(query, 120) AS query
            FROM pg_stat_activity
            WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
              AND (backend_xid IS NOT NULL OR backend_xmin IS NOT NULL)
            ORDER BY xact_start LIMIT 1
            """
        )
        report: dict[str, object] = {
            "database": "ok",
            "event_store": {"visible_head": head.token(), "committed_head": committed.token()},
        }
        if oldest is not None and oldest["seconds"] > self.long_transaction_seconds:
            report["event_store"] = {
                "visible_head": head.token(),
                "committed_head": committed.token(),
                "held_back_by": {
                    "pid": oldest["pid"],
                    "state": oldest["state"],
                    "open_seconds": round(oldest["seconds"], 1),
                    "query": oldest["query"],
                },
            }
        if self.partitions is not None:
            status = await partition_status(self.pool)
            event_store = report["event_store"]
            assert isinstance(event_store, dict)
            event_store["partitions"] = msgspec.structs.asdict(status)
        return report


async def _create_schema(connection: asyncpg.Connection, schema: str) -> None:
    """IF NOT EXISTS is not safe against a concurrent creator: both sessions may find the
    schema missing, and the second then fails on the catalog's unique index. It exists then."""
    with contextlib.suppress(asyncpg.UniqueViolationError, asyncpg.DuplicateSchemaError):
        await connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
