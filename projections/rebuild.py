"""Rebuild a projection into fresh tables while the old ones keep serving, then swap them in."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import asyncpg

from adapters.postgres.store import PostgresEventStore
from domain.ports import Position
from projections.runner import Projection, apply_batch, ensure_projection

SUFFIX = "__rebuild"
REBUILD_BATCH = 5000


@dataclass
class Progress:
    done: int
    total: int
    started: float

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def seconds_left(self) -> float:
        return (self.total - self.done) / self.rate if self.rate else 0.0


async def rebuild(
    store: PostgresEventStore,
    projection: Projection,
    on_progress: Callable[[Progress], None] = lambda _: None,
) -> Progress:
    """Replay every event into `<table>__rebuild`, then swap it in atomically."""
    pool = store.pool
    await ensure_projection(pool, projection)
    shadow = projection.name + SUFFIX
    await _prepare_shadow(pool, projection, shadow)
    total = await pool.fetchval("SELECT count(*) FROM events")
    progress = Progress(0, total, time.monotonic())
    position = Position()
    while (window := await store.read_window(position, REBUILD_BATCH, projection.topics)).end:
        await apply_batch(pool, projection, position, window.end, window.events, SUFFIX, shadow)
        position = window.end
        progress.done += window.scanned
        progress.total = max(progress.total, progress.done)
        on_progress(progress)
    await _swap(store, projection, shadow, position)
    return progress


async def _prepare_shadow(pool: asyncpg.Pool, projection: Projection, shadow: str) -> None:
    async with pool.acquire() as connection, connection.transaction():
        for table in projection.tables:
            await connection.execute(f"DROP TABLE IF EXISTS {table}{SUFFIX}")
        await projection.create_tables(connection, SUFFIX)
        await connection.execute("DELETE FROM projection_checkpoints WHERE name = $1", shadow)
        await connection.execute(
            "INSERT INTO projection_checkpoints (name, state) VALUES ($1, 'rebuilding')", shadow
        )


async def _swap(
    store: PostgresEventStore, projection: Projection, shadow: str, position: Position
) -> None:
    """Catch up the last events and rename, in one transaction: readers see old or new."""
    async with store.pool.acquire() as connection, connection.transaction():
        # Tables first, then the checkpoint: the same order the live runner takes them in.
        tables = ", ".join(projection.tables)
        await connection.execute(f"LOCK TABLE {tables} IN ACCESS EXCLUSIVE MODE")
        await connection.execute(
            "SELECT 1 FROM projection_checkpoints WHERE name = $1 FOR UPDATE", projection.name
        )
        while (tail := await store.read_window(position, REBUILD_BATCH, projection.topics)).end:
            if tail.events:
                await projection.apply(connection, tail.events, SUFFIX)
            position = tail.end
        for table in projection.tables:
            await connection.execute(f"DROP TABLE {table}")
            await connection.execute(f"ALTER TABLE {table}{SUFFIX} RENAME TO {table}")
        await _rename_shadow_indexes(connection, projection.tables)
        await connection.execute(
            """UPDATE projection_checkpoints SET transaction_id = $2, position = $3,
               version = $4, state = 'running', error = NULL, failed_at = NULL,
               updated_at = now() WHERE name = $1""",
            projection.name,
            position.transaction_id,
            position.position,
            projection.version,
        )
        await connection.execute("DELETE FROM projection_checkpoints WHERE name = $1", shadow)


async def _rename_shadow_indexes(connection: asyncpg.Connection, tables: tuple[str, ...]) -> None:
    """Indexes (primary keys too) keep their shadow names through a table rename: fix them."""
    rows = await connection.fetch(
        """SELECT indexname FROM pg_indexes
           WHERE schemaname = current_schema() AND tablename = ANY($1::text[])
             AND strpos(indexname, $2) > 0""",
        list(tables),
        SUFFIX,
    )
    for row in rows:
        name = row["indexname"]
        await connection.execute(f"ALTER INDEX {name} RENAME TO {name.replace(SUFFIX, '')}")


def print_progress_bar(progress: Progress, width: int = 40) -> None:
    share = progress.done / progress.total if progress.total else 1.0
    bar = "#" * int(share * width)
    sys.stdout.write(
        f"\r[{bar:<{width}}] {progress.done:,}/{progress.total:,} events "
        f"{progress.rate:,.0f}/s, {progress.seconds_left:,.0f} s left"
    )
    sys.stdout.flush()
