"""Opening the database: embedded or DATABASE_URL, migrated, with a pool and the event store."""

from __future__ import annotations

import contextlib
import functools
from dataclasses import dataclass, field

import asyncpg

from adapters.embedded import EmbeddedPostgres
from adapters.postgres.migrate import migrate
from adapters.postgres.pool import connect, create_pool
from adapters.postgres.store import PostgresEventStore
from adapters.settings import Settings

# A transaction open this long holds back every follower of the global order.
LONG_TRANSACTION_SECONDS = 5.0


def server_for(settings: Settings) -> tuple[str, EmbeddedPostgres | None]:
    """The DATABASE_URL, or an embedded server started (or reused) in the data folder."""
    if settings.database_url is not None:
        return settings.database_url, None
    embedded = EmbeddedPostgres(settings.data_path / "postgres")
    return embedded.start(), embedded


@dataclass
class Database:
    dsn: str
    pool: asyncpg.Pool
    store: PostgresEventStore
    schema: str | None = None
    embedded: EmbeddedPostgres | None = field(default=None, repr=False)
    # How long a transaction may stay open before health() names it as holding the store back.
    long_transaction_seconds: float = LONG_TRANSACTION_SECONDS

    @classmethod
    async def open(
        cls, settings: Settings, *, schema: str | None = None, pool_size: int = 10
    ) -> Database:
        dsn, embedded = server_for(settings)
        connection = await connect(dsn, schema=schema)
        try:
            if schema is not None:
                await _create_schema(connection, schema)
            await migrate(connection)
        finally:
            await connection.close()
        pool = await create_pool(dsn, schema=schema, min_size=min(2, pool_size), max_size=pool_size)
        store = PostgresEventStore(pool)
        await store.start_listening(functools.partial(connect, dsn, schema=schema))
        return cls(dsn, pool, store, schema, embedded)

    async def close(self) -> None:
        await self.store.stop_listening()
        await self.pool.close()
        # The embedded server stays up for other processes; pgserver stops it when the last exits.

    async def health(self) -> dict[str, object]:
        head = await self.store.last_position()
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
            "event_store": {"visible_head": head.token()},
        }
        if oldest is not None and oldest["seconds"] > self.long_transaction_seconds:
            report["event_store"] = {
                "visible_head": head.token(),
                "held_back_by": {
                    "pid": oldest["pid"],
                    "state": oldest["state"],
                    "open_seconds": round(oldest["seconds"], 1),
                    "query": oldest["query"],
                },
            }
        return report


async def _create_schema(connection: asyncpg.Connection, schema: str) -> None:
    """IF NOT EXISTS is not safe against a concurrent creator: both sessions may find the
    schema missing, and the second then fails on the catalog's unique index. It exists then."""
    with contextlib.suppress(asyncpg.UniqueViolationError, asyncpg.DuplicateSchemaError):
        await connection.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
