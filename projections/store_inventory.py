"""Store inventory: on hand, reserved and available per location and SKU; who can serve a
pickup near me; what is running low.

A batch is folded in memory per stock item and each touched row written once, so a replay
costs one read and one write per item per batch, not per event.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from domain.ports import RecordedEvent
from domain.stock.model import StockItem
from projections.runner import Projection

DEFAULT_LOW_STOCK = 3


@dataclass
class _Row:
    location_id: str
    sku: str
    on_hand: int = 0
    reserved: int = 0
    discrepancy: int = 0
    version: int = 0
    updated_at: datetime | None = None


class StoreInventory(Projection):
    name = "store_inventory"
    # v2: oversold (reserved units with no stock behind them) and stream versions; v3: the
    # discrepancy, a running total of shortfalls with no bound, in a bigint (on hand, reserved
    # and counts are bounded by the write side to what an integer holds: domain/bounds.py)
    version = 3
    topics = ("domain.stock.model:StockItem.",)
    tables = ("stock_view",)
    schema = """
    CREATE TABLE stock_view{s} (
        stream_id    uuid PRIMARY KEY,
        location_id  text NOT NULL,
        sku          text NOT NULL,
        on_hand      integer NOT NULL,
        reserved     integer NOT NULL,
        available    integer GENERATED ALWAYS AS (on_hand - reserved) STORED,
        oversold     integer GENERATED ALWAYS AS (greatest(reserved - on_hand, 0)) STORED,
        discrepancy  bigint NOT NULL,
        version      integer NOT NULL,
        updated_at   timestamptz NOT NULL
    );
    CREATE UNIQUE INDEX stock_view_location_sku{s} ON stock_view{s} (location_id, sku);
    CREATE INDEX stock_view_sku_available{s} ON stock_view{s} (sku, available);
    """

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        rows = await self._load(connection, {r.stream_id for r in batch}, suffix)
        for recorded in batch:
            _fold(rows, recorded)
        await connection.executemany(
            f"""INSERT INTO stock_view{suffix} AS v
                  (stream_id, location_id, sku, on_hand, reserved, discrepancy, version,
                   updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (stream_id) DO UPDATE SET on_hand = excluded.on_hand,
                  reserved = excluded.reserved, discrepancy = excluded.discrepancy,
                  version = excluded.version, updated_at = excluded.updated_at""",
            [
                (
                    stream_id,
                    row.location_id,
                    row.sku,
                    row.on_hand,
                    row.reserved,
                    row.discrepancy,
                    row.version,
                    row.updated_at,
                )
                for stream_id, row in rows.items()
                if row.updated_at is not None
            ],
        )

    async def _load(
        self, connection: asyncpg.Connection, stream_ids: set[UUID], suffix: str
    ) -> dict[UUID, _Row]:
        found = await connection.fetch(
            f"""SELECT stream_id, location_id, sku, on_hand, reserved, discrepancy
                FROM stock_view{suffix} WHERE stream_id = ANY($1::uuid[])""",
            list(stream_ids),
        )
        return {
            r["stream_id"]: _Row(
                r["location_id"], r["sku"], r["on_hand"], r["reserved"], r["discrepancy"]
            )
            for r in found
        }


def _fold(rows: dict[UUID, _Row], recorded: RecordedEvent) -> None:
    e = recorded.event
    if isinstance(e, StockItem.Created):
        rows[recorded.stream_id] = _Row(e.location_id, e.sku)
    row = rows[recorded.stream_id]
    row.updated_at, row.version = recorded.recorded_at, recorded.version
    match e:
        case StockItem.Received() | StockItem.Restocked():
            row.on_hand += e.quantity
        case StockItem.Adjusted():
            row.on_hand = e.counted
        case StockItem.Reserved():
            row.reserved += e.quantity
        case StockItem.ReservationReleased():
            row.reserved -= e.quantity
        case StockItem.ReservationConsumed():
            row.reserved -= e.quantity
            row.on_hand -= e.quantity - e.shortfall
            row.discrepancy += e.shortfall
        case StockItem.SoldAtPos():
            row.on_hand = max(row.on_hand - e.quantity, 0)
            row.discrepancy += e.shortfall


class StockLevel(msgspec.Struct, frozen=True):
    """`oversold`: reserved units with no stock behind them (a count or a till sale took
    them); `version`: the stock item's stream version, for a checkout's expected versions."""

    location_id: str
    sku: str
    on_hand: int
    reserved: int
    available: int
    oversold: int
    discrepancy: int
    version: int
    updated_at: datetime


class StoreAvailability(msgspec.Struct, frozen=True):
    """A store that could serve a pickup of a SKU now, and how soon it promises it."""

    location_id: str
    name: str
    available: int
    distance_km: float
    pickup_service_minutes: int


STOCK_COLUMNS = (
    "location_id, sku, on_hand, reserved, available, oversold, discrepancy, version, updated_at"
)


async def stock_at(
    pool: asyncpg.Pool,
    location_id: str,
    skus: Sequence[str] | None = None,
    limit: int | None = None,
    after_sku: str | None = None,
) -> list[StockLevel]:
    """By SKU; `after_sku` and `limit` page through a large store."""
    rows = await pool.fetch(
        f"""SELECT {STOCK_COLUMNS} FROM stock_view WHERE location_id = $1
            AND ($2::text[] IS NULL OR sku = ANY($2::text[]))
            AND ($3::text IS NULL OR sku > $3) ORDER BY sku LIMIT $4""",
        location_id,
        list(skus) if skus is not None else None,
        after_sku,
        limit,
    )
    return [StockLevel(**dict(row)) for row in rows]


async def stores_with(
    pool: asyncpg.Pool,
    sku: str,
    quantity: int,
    latitude: float,
    longitude: float,
    limit: int = 10,
    after: tuple[float, str] | None = None,
) -> list[StoreAvailability]:
    """Stores that have `quantity` of a SKU available now, nearest first (then by id);
    `after` is the last row's (distance_km, location_id)."""
    distance, location_id = after if after is not None else (None, None)
    rows = await pool.fetch(
        """SELECT * FROM (
             SELECT l.id AS location_id, l.name, v.available, l.pickup_service_minutes,
                    round((2 * 6371 * asin(sqrt(
                      power(sin(radians(l.latitude - $3) / 2), 2) +
                      cos(radians($3)) * cos(radians(l.latitude)) *
                      power(sin(radians(l.longitude - $4) / 2), 2))))::numeric, 2)::float8
                      AS distance_km
             FROM stock_view v JOIN locations l ON l.id = v.location_id
             WHERE v.sku = $1 AND v.available >= $2 AND l.kind = 'store') AS near
           WHERE $6::float8 IS NULL OR (distance_km, location_id) > ($6, $7::text)
           ORDER BY distance_km, location_id LIMIT $5""",
        sku,
        quantity,
        latitude,
        longitude,
        limit,
        distance,
        location_id,
    )
    return [StoreAvailability(**dict(r)) for r in rows]


LowStockCursor = tuple[int, int, str]


def low_stock_cursor(level: StockLevel) -> LowStockCursor:
    return level.oversold, level.available, level.sku


async def low_stock(
    pool: asyncpg.Pool,
    location_id: str,
    default_threshold: int = DEFAULT_LOW_STOCK,
    limit: int | None = None,
    after: LowStockCursor | None = None,
) -> list[StockLevel]:
    """Items at or under their product's threshold (or the default), oversold ones first
    (those have promised units the shelf does not hold), then emptiest first; `after` is the
    last row's `low_stock_cursor`. A discontinued product is not reordered: never low."""
    oversold, available, sku = after if after is not None else (None, None, None)
    rows = await pool.fetch(
        f"""SELECT {", ".join("v." + c for c in STOCK_COLUMNS.split(", "))}
            FROM stock_view v LEFT JOIN products p ON p.sku = v.sku
            WHERE v.location_id = $1 AND NOT coalesce(p.discontinued, false)
              AND v.available <= coalesce(p.low_stock_threshold, $2)
              AND ($3::int IS NULL OR (-v.oversold, v.available, v.sku) > (-$3, $4::int, $5::text))
            ORDER BY v.oversold DESC, v.available, v.sku LIMIT $6""",
        location_id,
        default_threshold,
        oversold,
        available,
        sku,
        limit,
    )
    return [StockLevel(**dict(row)) for row in rows]
