"""Versioned SQL migrations: applied in order, recorded, safe to run twice and concurrently.

A migration may come in one file per layout of the events table (`NNNN_name.sql` for the
plain layout, `NNNN_name.<layout>.sql` for another): a schema gets the file of the layout it
is created with, recorded under the same version (adapters/postgres/layout.py)."""

from __future__ import annotations

import re
from importlib import resources

import asyncpg

MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)(?:\.([a-z]+))?\.sql$")
PLAIN = "plain"

CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def available_migrations(layout: str = PLAIN) -> list[tuple[int, str, str]]:
    """(version, name, sql) for every version in migrations/, in version order: the file of
    `layout` where a version has one, else its plain file."""
    folder = resources.files("adapters.postgres") / "migrations"
    found: dict[int, tuple[int, str, str]] = {}
    for entry in sorted(folder.iterdir(), key=lambda entry: entry.name):
        match = MIGRATION_NAME.match(entry.name)
        if match and (match[3] or PLAIN) in (PLAIN, layout):
            version = int(match[1])
            if match[3] or version not in found:
                found[version] = (version, match[2], entry.read_text())
    return sorted(found.values())


async def migrate(connection: asyncpg.Connection, layout: str = PLAIN) -> list[int]:
    """Apply what is missing in the connection's current schema, in the files of the events
    `layout`; return the versions applied."""
    applied = []
    for version, name, sql in available_migrations(layout):
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
