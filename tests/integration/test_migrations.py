"""Schema migrations: applied in order, recorded once, safe to run twice and at once."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from uuid import uuid4

from adapters.postgres.database import Database
from adapters.postgres.migrate import available_migrations, migrate
from adapters.postgres.pool import connect

ROOT = Path(__file__).resolve().parents[2]


async def test_migrating_again_applies_nothing(database: Database) -> None:
    async with database.pool.acquire() as connection:
        assert await migrate(connection) == []
        ledger = await connection.fetch("SELECT version FROM schema_migrations ORDER BY version")
    assert [row["version"] for row in ledger] == [v for v, _, _ in available_migrations()]


async def test_three_processes_migrating_a_new_schema_at_once_apply_each_file_once(
    database: Database,
) -> None:
    schema = f"test_mig_{uuid4().hex[:10]}"
    env = {**os.environ, "DATABASE_URL": database.dsn, "OMNI_DATABASE_SCHEMA": schema}
    try:
        processes = [
            await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "api.cli", "migrate"),
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(3)
        ]
        outcomes = [await asyncio.wait_for(p.communicate(), 60) for p in processes]
        assert [p.returncode for p in processes] == [0, 0, 0], [err for _, err in outcomes]

        connection = await connect(database.dsn, schema=schema)
        try:
            ledger = await connection.fetch("SELECT version FROM schema_migrations")
            events_table = await connection.fetchval("SELECT to_regclass('events') IS NOT NULL")
        finally:
            await connection.close()
        assert sorted(row["version"] for row in ledger) == [v for v, _, _ in available_migrations()]
        assert events_table
    finally:
        await database.pool.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
