"""Queries of the journeys read model: the funnel with drop-off, cross-channel journeys and
no-shows per day, store and channel; return resolution times.

A journey crossed channels when both ends are known and differ: a channel or device that was
not declared (`unknown`, no device id) is never a switch. A journey counts at the furthest
step it reached and at every step before it, so the funnel never grows from one step to the
next: a pickup made ready before it was paid (to be paid at
the counter) counts as paid. Shipped orders end at "paid" in the funnel, whose ready and
collected steps (and the no-show and notified figures read from them) are a pickup's; `shipped`
counts those whose parcel left the warehouse.
"""

from __future__ import annotations

import enum
from datetime import date

import asyncpg
import msgspec


class JourneyStep(enum.StrEnum):
    """The funnel's steps, in order."""

    STARTED = "started"
    FIRST_LINE = "first_line"
    CHECKED_OUT = "checked_out"
    PAID = "paid"
    READY = "ready"
    COLLECTED = "collected"


STEPS = tuple(step.value for step in JourneyStep)

# A row's place in the order: (day, store, channel), stores first and the chain (None) last.
StatsKey = tuple[date, str | None, str]

# Rows of a grouped query `g` in key order, after a key ($5 day, $6 store, $7 channel).
PAGED = """
SELECT * FROM ({grouped}) AS g
WHERE $5::date IS NULL
   OR (g.day, g.store_id IS NULL, coalesce(g.store_id, ''), g.channel)
      > ($5, $6::text IS NULL, coalesce($6::text, ''), $7::text)
ORDER BY g.day, g.store_id IS NULL, coalesce(g.store_id, ''), g.channel
LIMIT $8
"""

# Whether a journey (a row `j` of `journey`) crossed channels; the feedback figures ask too.
CROSSED = """j.checkout_at IS NOT NULL AND (j.returned_in_store
    OR coalesce(nullif(j.checkout_channel, 'unknown') <> nullif(j.channel, 'unknown'), false)
    OR coalesce(nullif(j.checkout_device, '') <> nullif(j.device_id, ''), false))"""

JOURNEYS = """
WITH j AS (
    SELECT (j.started_at AT TIME ZONE coalesce(l.time_zone, $3))::date AS day,
           {store} AS store_id, j.channel,
           CASE WHEN j.collected_at IS NOT NULL THEN 6 WHEN j.ready_at IS NOT NULL THEN 5
                WHEN j.paid_at IS NOT NULL THEN 4 WHEN j.checkout_at IS NOT NULL THEN 3
                WHEN j.first_line_at IS NOT NULL THEN 2 ELSE 1 END AS furthest,
           {crossed} AS crossed,
           j.no_show_at IS NOT NULL AS no_show,
           j.sale_id IS NOT NULL AS bought_in_store,
           j.shipped_at IS NOT NULL AS shipped,
           j.ready_at IS NOT NULL AND j.notified_at IS NOT NULL AS notified
    FROM journey j LEFT JOIN locations l ON l.id = j.store_id
    WHERE j.merged_into IS NULL AND ($4::text IS NULL OR j.store_id = $4)
      AND j.started_at >= $1::date - 1 AND j.started_at < $2::date + 2
)
SELECT day, store_id, channel,
       count(*) AS reached_1,
       count(*) FILTER (WHERE furthest >= 2) AS reached_2,
       count(*) FILTER (WHERE furthest >= 3) AS reached_3,
       count(*) FILTER (WHERE furthest >= 4) AS reached_4,
       count(*) FILTER (WHERE furthest >= 5) AS reached_5,
       count(*) FILTER (WHERE furthest >= 6) AS reached_6,
       count(*) FILTER (WHERE crossed) AS cross_channel,
       count(*) FILTER (WHERE no_show) AS no_shows,
       count(*) FILTER (WHERE bought_in_store) AS bought_in_store,
       count(*) FILTER (WHERE shipped) AS shipped,
       count(*) FILTER (WHERE notified) AS notified
FROM j WHERE day BETWEEN $1 AND $2
GROUP BY day, store_id, channel
"""

RETURNS = """
SELECT day, store_id, channel, count(*) AS requested, count(refunded_at) AS refunded,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90,
       count(*) FILTER (WHERE cross_channel) AS cross_channel
FROM (SELECT r.refunded_at, r.channel, r.cross_channel, {store} AS store_id,
             (r.requested_at AT TIME ZONE coalesce(l.time_zone, $3))::date AS day,
             extract(epoch FROM r.refunded_at - r.requested_at) AS seconds
      FROM journey_return r LEFT JOIN locations l ON l.id = r.store_id
      WHERE ($4::text IS NULL OR r.store_id = $4)
        AND r.requested_at >= $1::date - 1 AND r.requested_at < $2::date + 2) AS x
WHERE day BETWEEN $1 AND $2
GROUP BY day, store_id, channel
"""


class FunnelStep(msgspec.Struct, frozen=True):
    """Journeys that reached a step, and how many of them went no further (`dropped`)."""

    step: str
    reached: int
    dropped: int
    drop_off: float | None  # dropped / reached


class JourneyStats(msgspec.Struct, frozen=True):
    """Journeys started on one day (the store's) on one channel, for one store (None: not
    checked out, or the whole chain)."""

    day: date
    store_id: str | None
    channel: str
    funnel: list[FunnelStep]
    cross_channel: int
    cross_channel_share: float | None  # of the journeys checked out
    no_shows: int
    no_show_rate: float | None  # of the pickups that were ready: not collected in time
    notified: int  # ready pickups whose customer was told (a notice accepted, or staff)
    notified_share: float | None  # of the pickups that were ready
    bought_in_store: int = 0  # rung up at a till: from the web, a web -> store journey
    shipped: int = 0  # shipped orders whose parcel left (the funnel keeps them at "paid")


class ReturnStats(msgspec.Struct, frozen=True):
    """Returns requested on one day through one channel (store, mail, web), by the store
    that received them (None: not yet received, or the whole chain)."""

    day: date
    store_id: str | None
    channel: str
    requested: int
    refunded: int
    seconds_to_refund_p50: float | None
    seconds_to_refund_p90: float | None
    cross_channel: int  # bought online returned in store, or bought in store sent back


async def journey_stats(
    pool: asyncpg.Pool,
    first_day: date,
    last_day: date,
    time_zone: str = "UTC",
    store_id: str | None = None,
    chain_wide: bool = False,
    *,
    after: StatsKey | None = None,
    limit: int | None = None,
) -> list[JourneyStats]:
    """Per day, store and channel (per day and channel with `chain_wide`); `time_zone` is
    the day of journeys without a store. `limit` rows after the key `after`."""
    store = "NULL::text" if chain_wide else "j.store_id"
    query = PAGED.format(grouped=JOURNEYS.format(store=store, crossed=CROSSED))
    rows = await pool.fetch(
        query, first_day, last_day, time_zone, store_id, *(after or (None, None, None)), limit
    )
    return [_journey_stats(row) for row in rows]


def stats_key(stats: JourneyStats | ReturnStats) -> StatsKey:
    return (stats.day, stats.store_id, stats.channel)


def _journey_stats(row: asyncpg.Record) -> JourneyStats:
    reached = [row[f"reached_{n}"] for n in range(1, len(STEPS) + 1)]
    funnel = []
    for index, step in enumerate(STEPS):
        going_on = reached[index + 1] if index + 1 < len(STEPS) else reached[index]
        dropped = reached[index] - going_on
        funnel.append(FunnelStep(step, reached[index], dropped, _share(dropped, reached[index])))
    # A cart bought in store reached every step at the till, but it was never a pickup.
    in_store = row["bought_in_store"]
    ready_pickups = reached[STEPS.index("ready")] - in_store
    ready_ones = reached[STEPS.index("collected")] - in_store + row["no_shows"]
    return JourneyStats(
        day=row["day"],
        store_id=row["store_id"],
        channel=row["channel"],
        funnel=funnel,
        cross_channel=row["cross_channel"],
        cross_channel_share=_share(row["cross_channel"], reached[STEPS.index("checked_out")]),
        no_shows=row["no_shows"],
        no_show_rate=_share(row["no_shows"], ready_ones),
        notified=row["notified"],
        notified_share=_share(row["notified"], ready_pickups),
        bought_in_store=in_store,
        shipped=row["shipped"],
    )


async def return_stats(
    pool: asyncpg.Pool,
    first_day: date,
    last_day: date,
    time_zone: str = "UTC",
    store_id: str | None = None,
    chain_wide: bool = False,
    *,
    after: StatsKey | None = None,
    limit: int | None = None,
) -> list[ReturnStats]:
    """Time to resolve a return (requested -> refunded), p50 and p90, per day of request;
    `limit` rows after the key `after`."""
    store = "NULL::text" if chain_wide else "r.store_id"
    query = PAGED.format(grouped=RETURNS.format(store=store))
    rows = await pool.fetch(
        query, first_day, last_day, time_zone, store_id, *(after or (None, None, None)), limit
    )
    return [
        ReturnStats(
            day=row["day"],
            store_id=row["store_id"],
            channel=row["channel"],
            requested=row["requested"],
            refunded=row["refunded"],
            seconds_to_refund_p50=_seconds(row["p50"]),
            seconds_to_refund_p90=_seconds(row["p90"]),
            cross_channel=row["cross_channel"],
        )
        for row in rows
    ]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _seconds(value: object) -> float | None:
    return round(float(value), 3) if value is not None else None  # type: ignore[arg-type]
