"""Queries of the fulfillment times read model: click-to-collect per store (or the chain) and
day. A pickup counts on the day it was placed, in its store's time zone. Click-to-collect has
two waits: order to ready (the store's), and arrival to hand-over (the curbside customer's)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import asyncpg
import msgspec


class TimeStats(msgspec.Struct, frozen=True):
    p50: float | None
    p90: float | None
    max: float | None


class FulfillmentStats(msgspec.Struct, frozen=True):
    """Click-to-collect times of pickups placed on one day (store-local), in seconds."""

    store_id: str | None
    day: date
    pickups: int
    placed_to_ready: TimeStats
    ready_to_collected: TimeStats
    placed_to_collected: TimeStats
    made_ready: int
    ready_within_promise: float | None  # a share of made_ready
    collected: int
    no_shows: int
    short_picked_units: int
    arrivals: int = 0  # pickups whose customer said "I'm here"
    arrival_to_collected: TimeStats = TimeStats(None, None, None)  # of those handed over


StoreDay = tuple[str, date]

# $1 the stores (NULL: all), $2..$3 the days, $4..$5 the (store, day) to start after, $6 the
# page size (NULL: all). placed_at is bounded two days wider than the days so the index on
# (store_id, placed_at) serves whatever the store's and the session's time zones.
TIMED = """
WITH timed AS (
    SELECT {store} AS store_id,
           (v.placed_at AT TIME ZONE l.time_zone)::date AS day,
           extract(epoch FROM v.ready_at - v.placed_at) AS to_ready,
           CASE WHEN v.status = 'collected'
                THEN extract(epoch FROM v.finished_at - v.ready_at) END AS to_collected,
           CASE WHEN v.status = 'collected'
                THEN extract(epoch FROM v.finished_at - v.placed_at) END AS to_hand_over,
           CASE WHEN v.status = 'collected' AND v.arrived_at IS NOT NULL
                THEN extract(epoch FROM v.finished_at - v.arrived_at) END AS after_arrival,
           (v.arrived_at IS NOT NULL)::int AS arrived,
           CASE WHEN v.ready_at IS NOT NULL
                THEN (v.ready_at <= v.promised_ready_at)::int END AS on_time,
           (v.status = 'collected')::int AS collected,
           (v.status = 'not_collected')::int AS no_show,
           (SELECT coalesce(sum((s->>'quantity')::int), 0)
              FROM jsonb_array_elements(v.shorts) AS s) AS short_units
    FROM pickup_view v JOIN locations l ON l.id = v.store_id
    WHERE ($1::text[] IS NULL OR v.store_id = ANY($1))
      AND v.placed_at >= ($2::date - 2)::timestamptz
      AND v.placed_at < ($3::date + 3)::timestamptz
)"""
FIGURES = """
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_ready) AS ready_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_ready) AS ready_p90,
       max(to_ready) AS ready_max,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_collected) AS collected_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_collected) AS collected_p90,
       max(to_collected) AS collected_max,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_hand_over) AS handed_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_hand_over) AS handed_p90,
       max(to_hand_over) AS handed_max,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY after_arrival) AS arrival_p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY after_arrival) AS arrival_p90,
       max(after_arrival) AS arrival_max, sum(arrived) AS arrivals,
       count(on_time) AS made_ready, avg(on_time) AS on_time_share,
       sum(collected) AS collected, sum(no_show) AS no_shows, sum(short_units) AS short_units
FROM timed"""
STATS = (
    TIMED
    + "\nSELECT store_id, day, count(*) AS pickups,"
    + FIGURES
    + """
WHERE day BETWEEN $2 AND $3 AND ($4::text IS NULL OR (store_id, day) > ($4, $5::date))
GROUP BY store_id, day ORDER BY store_id, day
LIMIT $6
"""
)
# Every pickup placed on the days together (the store's or the chain's): percentiles over
# the range, not per day; `day` is the first day.
OVER_DAYS = (
    TIMED
    + "\nSELECT NULL::text AS store_id, $2::date AS day, count(*) AS pickups,"
    + FIGURES
    + "\nWHERE day BETWEEN $2 AND $3\n"
)


async def fulfillment_stats(
    pool: asyncpg.Pool, store_id: str | None, first_day: date, last_day: date
) -> list[FulfillmentStats]:
    """Per day, for one store; with no store, the whole chain per day."""
    if store_id is None:
        return await _query(pool, "NULL::text", None, first_day, last_day, None, None)
    return await _query(pool, "v.store_id", [store_id], first_day, last_day, None, None)


async def fulfillment_stats_by_store(
    pool: asyncpg.Pool,
    store_ids: Sequence[str] | None,
    first_day: date,
    last_day: date,
    limit: int,
    after: StoreDay | None = None,
) -> list[FulfillmentStats]:
    """Per store and day, by store then day, for the stores given (None: every store): one
    query where a comparison of stores would otherwise send one per store."""
    stores = list(store_ids) if store_ids is not None else None
    return await _query(pool, "v.store_id", stores, first_day, last_day, after, limit)


async def fulfillment_over_days(
    pool: asyncpg.Pool, store_id: str | None, first_day: date, last_day: date
) -> FulfillmentStats:
    """Every pickup placed on the days, at one store (None: every store) together."""
    stores = [store_id] if store_id is not None else None
    row = await pool.fetchrow(OVER_DAYS.format(store="NULL::text"), stores, first_day, last_day)
    return _row(row)


def store_day(stats: FulfillmentStats) -> StoreDay:
    """The key `fulfillment_stats_by_store` pages by."""
    assert stats.store_id is not None  # rows per store always name it
    return stats.store_id, stats.day


async def _query(
    pool: asyncpg.Pool,
    store: str,
    store_ids: list[str] | None,
    first_day: date,
    last_day: date,
    after: StoreDay | None,
    limit: int | None,
) -> list[FulfillmentStats]:
    after_store, after_day = after if after is not None else (None, None)
    rows = await pool.fetch(
        STATS.format(store=store), store_ids, first_day, last_day, after_store, after_day, limit
    )
    return [_row(row) for row in rows]


def _row(row: asyncpg.Record) -> FulfillmentStats:
    return FulfillmentStats(
        store_id=row["store_id"],
        day=row["day"],
        pickups=row["pickups"],
        placed_to_ready=_stats(row, "ready"),
        ready_to_collected=_stats(row, "collected"),
        placed_to_collected=_stats(row, "handed"),
        made_ready=row["made_ready"],
        ready_within_promise=_float(row["on_time_share"]),
        collected=row["collected"],
        no_shows=row["no_shows"],
        short_picked_units=row["short_units"],
        arrivals=row["arrivals"],
        arrival_to_collected=_stats(row, "arrival"),
    )


def _stats(row: asyncpg.Record, prefix: str) -> TimeStats:
    return TimeStats(*(_float(row[f"{prefix}_{k}"]) for k in ("p50", "p90", "max")))


def _float(value: object) -> float | None:
    return round(float(value), 3) if value is not None else None  # type: ignore[arg-type]
