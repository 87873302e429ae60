"""The relay's rows in PostgreSQL: its checkpoint (compare-and-set), the stock levels it keeps
with it, what it reads beside the events (creation events, thresholds), and its status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from uuid import UUID

import asyncpg
import msgspec

from adapters.outbox.mapping import DEFAULT_LOW_STOCK, StockState
from adapters.postgres.lease import lease_holder
from adapters.postgres.store import PostgresEventStore
from domain.ports import DomainEvent, Position

LEASE_KIND = "outbox"
LAG_COUNT_LIMIT = 100_000  # past this, the lag in events is "at least"


class CheckpointMoved(Exception):
    """Another relay moved the checkpoint first (one that lost its lease kept writing)."""


class OutboxStatus(msgspec.Struct, frozen=True):
    name: str
    state: str
    position: str
    lag_events: int
    lag_seconds: float
    published: int
    active: bool  # a relay holds the lease right now
    error: str | None = None


async def ensure_checkpoint(pool: asyncpg.Pool, name: str) -> None:
    await pool.execute(
        "INSERT INTO outbox_checkpoints (name) VALUES ($1) ON CONFLICT DO NOTHING", name
    )


async def load_checkpoint(pool: asyncpg.Pool, name: str) -> Position:
    row = await pool.fetchrow(
        "SELECT transaction_id, position FROM outbox_checkpoints WHERE name = $1", name
    )
    return Position(row["transaction_id"], row["position"]) if row else Position()


async def set_state(pool: asyncpg.Pool, name: str, state: str, error: str | None = None) -> None:
    await pool.execute(
        """UPDATE outbox_checkpoints SET state = $2, error = $3, updated_at = now()
           WHERE name = $1""",
        name,
        state,
        error,
    )


async def commit_batch(
    pool: asyncpg.Pool,
    name: str,
    start: Position,
    end: Position,
    stock: Mapping[UUID, StockState],
    published: int,
    *,
    caught_up: bool = False,
) -> None:
    """Move the checkpoint from `start` to `end` with the batch's stock levels, atomically;
    CheckpointMoved (and nothing written) if it is no longer at `start`."""
    async with pool.acquire() as connection, connection.transaction():
        status = await connection.execute(
            """UPDATE outbox_checkpoints
               SET transaction_id = $4, position = $5, published = published + $6,
                   state = 'running', error = NULL, updated_at = now(),
                   caught_up_at = CASE WHEN $7 THEN now() ELSE caught_up_at END
               WHERE name = $1 AND transaction_id = $2 AND position = $3""",
            name,
            start.transaction_id,
            start.position,
            end.transaction_id,
            end.position,
            published,
            caught_up,
        )
        if status != "UPDATE 1":
            raise CheckpointMoved(name)
        if stock:
            await _save_stock(connection, stock)


async def _save_stock(connection: asyncpg.Connection, stock: Mapping[UUID, StockState]) -> None:
    await connection.executemany(
        """INSERT INTO outbox_stock_levels (stream_id, location_id, sku, on_hand, reserved, band)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (stream_id) DO UPDATE SET on_hand = excluded.on_hand,
             reserved = excluded.reserved, band = excluded.band""",
        [(i, s.location_id, s.sku, s.on_hand, s.reserved, s.band) for i, s in stock.items()],
    )


async def load_stock(pool: asyncpg.Pool, stream_ids: Iterable[UUID]) -> dict[UUID, StockState]:
    rows = await pool.fetch(
        """SELECT stream_id, location_id, sku, on_hand, reserved, band
           FROM outbox_stock_levels WHERE stream_id = ANY($1::uuid[])""",
        list(stream_ids),
    )
    return {
        r["stream_id"]: StockState(
            r["location_id"], r["sku"], r["on_hand"], r["reserved"], r["band"]
        )
        for r in rows
    }


async def load_thresholds(pool: asyncpg.Pool, skus: Iterable[str]) -> dict[str, int]:
    rows = await pool.fetch(
        """SELECT sku, coalesce(low_stock_threshold, $2) AS threshold FROM products
           WHERE sku = ANY($1::text[])""",
        list(skus),
        DEFAULT_LOW_STOCK,
    )
    return {r["sku"]: r["threshold"] for r in rows}


async def load_origins(
    store: PostgresEventStore, stream_ids: Iterable[UUID]
) -> dict[UUID, DomainEvent]:
    """The first event of each stream: where a pickup or return records whose it is."""
    rows = await store.pool.fetch(
        """SELECT stream_id, topic, schema_version, state FROM events
           WHERE stream_id = ANY($1::uuid[]) AND version = 1""",
        list(stream_ids),
    )
    decode = store.codec.decode
    return {
        r["stream_id"]: decode(r["stream_id"], 1, r["topic"], r["schema_version"], r["state"])
        for r in rows
    }


STATUS = """
SELECT c.name, c.transaction_id, c.position, c.state, c.error, c.published,
       (SELECT count(*) FROM (
            SELECT 1 FROM events e
            WHERE (e.transaction_id, e.position) > (c.transaction_id::text::xid8, c.position)
              AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            LIMIT $2) AS backlog) AS lag_events,
       (SELECT extract(epoch FROM now() - min(e.recorded_at)) FROM (
            SELECT recorded_at FROM events e
            WHERE (e.transaction_id, e.position) > (c.transaction_id::text::xid8, c.position)
              AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY e.transaction_id, e.position LIMIT 1) AS e) AS lag_seconds
FROM outbox_checkpoints c WHERE c.name = $1
"""


async def outbox_status(pool: asyncpg.Pool, name: str) -> OutboxStatus:
    """Where the relay is, how far behind the visible head (events and the oldest one's age),
    and whether any process holds its lease (a 'running' row without one was killed)."""
    row = await pool.fetchrow(STATUS, name, LAG_COUNT_LIMIT)
    active = await lease_holder(pool, name, LEASE_KIND) is not None
    if row is None:
        backlog = await pool.fetchval("SELECT count(*) FROM events")
        return OutboxStatus(name, "never run", Position().token(), backlog, 0.0, 0, active)
    state = row["state"] if active or row["state"] == "failed" else "stopped"
    return OutboxStatus(
        name=name,
        state=state,
        position=Position(row["transaction_id"], row["position"]).token(),
        lag_events=row["lag_events"],
        lag_seconds=round(float(row["lag_seconds"] or 0.0), 3),
        published=row["published"],
        active=active,
        error=row["error"],
    )
