"""Versioned SQL migrations: applied in order, recorded, safe to run twice and concurrently."""

from __future__ import annotations

import re
from importlib import resources

import asyncpg

MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in migrations/, in version order."""
    folder = resources.files("adapters.postgres") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match[1]), match[2], entry.read_text()))
    return sorted(found)


async def migrate(connection: asyncpg.Connection) -> list[int]:
    """Apply what is missing in the connection's current schema; return the versions applied."""
    applied = []
    for version, name, sql in available_migrations():
        async with connection.transaction():
            # Serialises concurrent migrators of the same schema; released at commit.
            await connection.execute(
                "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':migrations'))"
            )
            await connection.execute(CREATE_LEDGER)
            done = await connection.fetchval(
                "SELECT 1 FROM schema_migrations WHERE version = $1", version
            )
            if done:
                continue
            await connection.execute(sql)
            await connection.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name
            )
            applied.append(version)
    return applied


async def applied_migrations(connection: asyncpg.Connection) -> list[int]:
    exists = await connection.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return []
    rows = await connection.fetch("SELECT version FROM schema_migrations ORDER BY version")
    return [row["version"] for row in rows]
