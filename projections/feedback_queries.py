"""Queries of the feedback read model: CSAT, CES and NPS per journey point, store, channel and
day with response rates; CSAT broken down by what happened; first-contact resolution.

- Asked: a survey whose link a mail server accepted (or that was answered, which proves it).
- Response rate: answered / asked. CSAT: the share answering 4 or 5 of 5, in percent. CES: the
  mean of 1 to 7 ("how easy", higher is easier). NPS: promoters (9-10) less detractors (0-6),
  in points of the answers (-100 to 100).
- A survey counts on the day of its point (collected, refunded, sold, resolved), in its
  store's time zone, else the zone the query names (the chain's service desk has no store).
- First-contact resolution: of the cases resolved whose 7 days after their first resolution
  have passed (or that were contacted again before), those with no second contact from their
  opening until 7 days after that resolution. A case resolved less than 7 days ago without a
  second contact is not settled yet and counts in neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import asyncpg
import msgspec

from projections.journey_queries import CROSSED

FCR_DAYS = 7
WAIT_BUCKETS = ("ready_by_promise", "late_up_to_15_min", "late_15_to_60_min", "late_over_60_min")
SWITCH_BUCKETS = ("same_channel", "switched", "no_journey")
RESOLUTION_BUCKETS = ("within_1_day", "within_3_days", "within_7_days", "over_7_days")


class Scope(msgspec.Struct, frozen=True):
    """Which days (inclusive) and stores (None: every store, and the chain's own desk)."""

    first_day: date
    last_day: date
    time_zone: str = "UTC"
    store_ids: list[str] | None = None

    @property
    def arguments(self) -> tuple[object, ...]:
        return (self.first_day, self.last_day, self.time_zone, self.store_ids)


class Scores(msgspec.Struct, frozen=True):
    question: str
    asked: int
    answered: int
    response_rate: float | None  # answered / asked
    average: float | None
    csat: float | None  # CSAT only: percent answering 4 or 5
    ces: float | None  # CES only: the mean score
    nps: float | None  # NPS only: promoters less detractors, in points


class FeedbackStats(msgspec.Struct, frozen=True):
    """One day's surveys after one point, at one store (None: the chain's desk), on one
    channel (where the customer bought; the service desk is call_centre)."""

    day: date
    store_id: str | None
    point: str
    channel: str
    scores: Scores


class FeedbackScore(msgspec.Struct, frozen=True):
    """The scope's surveys of one question, for one store, or for all of them (`all_stores`)."""

    store_id: str | None
    all_stores: bool
    scores: Scores


class CsatBucket(msgspec.Struct, frozen=True):
    bucket: str
    answered: int
    csat: float | None
    average: float | None


class FcrStats(msgspec.Struct, frozen=True):
    store_id: str | None
    all_stores: bool
    opened: int
    resolved: int
    settled: int  # resolved, and their verdict known
    first_contact_resolved: int
    rate: float | None  # first_contact_resolved / settled


class FeedbackReport(msgspec.Struct, frozen=True):
    """What `omni report` shows of the customer's voice for one store or the chain."""

    scores: list[Scores]
    csat_by_wait: list[CsatBucket]
    csat_by_channel_switch: list[CsatBucket]
    csat_by_return_resolution: list[CsatBucket]
    first_contact_resolution: FcrStats


IN_SCOPE = """
WITH f AS (
    SELECT f.*, (f.occurred_at AT TIME ZONE coalesce(l.time_zone, $3))::date AS day
    FROM feedback_request f LEFT JOIN locations l ON l.id = f.store_id
    WHERE ($4::text[] IS NULL OR f.store_id = ANY($4))
      AND f.occurred_at >= $1::date - 1 AND f.occurred_at < $2::date + 2
), scoped AS (SELECT * FROM f WHERE day BETWEEN $1 AND $2)
"""
FIGURES = """
    count(*) FILTER (WHERE sent_at IS NOT NULL OR answered_at IS NOT NULL) AS asked,
    count(score) AS answered,
    avg(score)::float8 AS average,
    count(*) FILTER (WHERE score >= CASE question WHEN 'csat' THEN 4 WHEN 'ces' THEN 5
                                                  ELSE 9 END) AS top,
    count(*) FILTER (WHERE question = 'nps' AND score <= 6) AS detractors
"""
DAILY = f"""{IN_SCOPE}
SELECT day, store_id, point, channel, question, {FIGURES} FROM scoped
GROUP BY day, store_id, point, channel, question
ORDER BY day, store_id NULLS LAST, point, channel, question"""
BY_STORE = f"""{IN_SCOPE}
SELECT store_id, grouping(store_id) = 1 AS all_stores, question, {FIGURES} FROM scoped
GROUP BY GROUPING SETS ((store_id, question), (question))
ORDER BY all_stores, store_id NULLS LAST, question"""
CSAT_BY = f"""{IN_SCOPE}, bucketed AS (SELECT {{bucket}} AS bucket, score FROM scoped {{joins}}
    WHERE question = 'csat' AND score IS NOT NULL {{only}})
SELECT bucket, count(*) AS answered, avg(score)::float8 AS average,
       count(*) FILTER (WHERE score >= 4) AS top
FROM bucketed WHERE bucket IS NOT NULL GROUP BY bucket"""
WAIT = """CASE WHEN ready_at IS NULL OR promised_ready_at IS NULL THEN NULL
    WHEN ready_at <= promised_ready_at THEN 'ready_by_promise'
    WHEN ready_at <= promised_ready_at + interval '15 minutes' THEN 'late_up_to_15_min'
    WHEN ready_at <= promised_ready_at + interval '60 minutes' THEN 'late_15_to_60_min'
    ELSE 'late_over_60_min' END"""
SWITCHED = f"""CASE
    WHEN scoped.point = 'pickup_collected' AND j.cart_id IS NOT NULL
        THEN CASE WHEN {CROSSED} THEN 'switched' ELSE 'same_channel' END
    WHEN scoped.point = 'return_refunded' AND r.return_id IS NOT NULL
        THEN CASE WHEN r.cross_channel THEN 'switched' ELSE 'same_channel' END
    ELSE 'no_journey' END"""
SWITCH_JOINS = """LEFT JOIN journey j ON j.cart_id = scoped.cart_id
    LEFT JOIN journey_return r ON r.return_id = scoped.subject_id"""
RESOLUTION = """CASE WHEN return_requested_at IS NULL THEN NULL
    WHEN occurred_at - return_requested_at <= interval '1 day' THEN 'within_1_day'
    WHEN occurred_at - return_requested_at <= interval '3 days' THEN 'within_3_days'
    WHEN occurred_at - return_requested_at <= interval '7 days' THEN 'within_7_days'
    ELSE 'over_7_days' END"""
FCR = """
WITH c AS (
    SELECT c.*, (c.opened_at AT TIME ZONE coalesce(l.time_zone, $3))::date AS day,
           c.first_resolved_at + make_interval(days => $5) AS window_ends
    FROM feedback_case c LEFT JOIN locations l ON l.id = c.store_id
    WHERE ($4::text[] IS NULL OR c.store_id = ANY($4))
      AND c.opened_at >= $1::date - 1 AND c.opened_at < $2::date + 2
)
SELECT store_id, grouping(store_id) = 1 AS all_stores, count(*) AS opened,
       count(first_resolved_at) AS resolved,
       count(*) FILTER (WHERE first_resolved_at IS NOT NULL
           AND (second_contact_at <= window_ends OR window_ends <= $6)) AS settled,
       count(*) FILTER (WHERE first_resolved_at IS NOT NULL AND window_ends <= $6
           AND (second_contact_at IS NULL OR second_contact_at > window_ends)) AS fcr
FROM c WHERE day BETWEEN $1 AND $2
GROUP BY GROUPING SETS ((store_id), ())
ORDER BY all_stores, store_id NULLS LAST"""


async def feedback_stats(pool: asyncpg.Pool, scope: Scope) -> list[FeedbackStats]:
    """Per day, store, point, channel and question, in that order."""
    rows = await pool.fetch(DAILY, *scope.arguments)
    return [
        FeedbackStats(row["day"], row["store_id"], row["point"], row["channel"], _scores(row))
        for row in rows
    ]


async def feedback_scores(pool: asyncpg.Pool, scope: Scope) -> list[FeedbackScore]:
    """Per store and question, then per question for every store in the scope together."""
    rows = await pool.fetch(BY_STORE, *scope.arguments)
    return [FeedbackScore(row["store_id"], row["all_stores"], _scores(row)) for row in rows]


async def csat_by_wait(pool: asyncpg.Pool, scope: Scope) -> list[CsatBucket]:
    """CSAT after pickups by when they were ready against the promise."""
    query = CSAT_BY.format(bucket=WAIT, joins="", only="AND point = 'pickup_collected'")
    return _buckets(await pool.fetch(query, *scope.arguments), WAIT_BUCKETS)


async def csat_by_channel_switch(pool: asyncpg.Pool, scope: Scope) -> list[CsatBucket]:
    """CSAT by whether the journey crossed channels, as the journeys read model judges it
    (pickups: started and checked out on different known channels or devices, or returned in
    a store; returns: bought online returned in store, or the reverse); till sales and cases
    have no journey."""
    query = CSAT_BY.format(bucket=SWITCHED, joins=SWITCH_JOINS, only="")
    return _buckets(await pool.fetch(query, *scope.arguments), SWITCH_BUCKETS)


async def csat_by_return_resolution(pool: asyncpg.Pool, scope: Scope) -> list[CsatBucket]:
    """CSAT after refunds by the time from the return's request to its refund."""
    query = CSAT_BY.format(bucket=RESOLUTION, joins="", only="AND point = 'return_refunded'")
    return _buckets(await pool.fetch(query, *scope.arguments), RESOLUTION_BUCKETS)


async def first_contact_resolution(
    pool: asyncpg.Pool, scope: Scope, now: datetime
) -> list[FcrStats]:
    """Cases opened in the scope's days, per store (the desk's), then all together."""
    rows = await pool.fetch(FCR, *scope.arguments, FCR_DAYS, now)
    return [
        FcrStats(row["store_id"], row["all_stores"], row["opened"], row["resolved"],
                 row["settled"], row["fcr"], _share(row["fcr"], row["settled"]))
        for row in rows
    ]  # fmt: skip


async def feedback_report(
    pool: asyncpg.Pool, store_id: str | None, first_day: date, last_day: date, now: datetime,
    time_zone: str = "UTC",
) -> FeedbackReport:  # fmt: skip
    """One store's figures (or the chain's, without a store) over a range of days."""
    scope = Scope(first_day, last_day, time_zone, [store_id] if store_id else None)
    totals = [s.scores for s in await feedback_scores(pool, scope) if s.all_stores]
    fcr = [f for f in await first_contact_resolution(pool, scope, now) if f.all_stores]
    return FeedbackReport(
        scores=totals,
        csat_by_wait=await csat_by_wait(pool, scope),
        csat_by_channel_switch=await csat_by_channel_switch(pool, scope),
        csat_by_return_resolution=await csat_by_return_resolution(pool, scope),
        first_contact_resolution=fcr[0],
    )


def _scores(row: asyncpg.Record) -> Scores:
    question, answered, top = row["question"], row["answered"], row["top"]
    share = _share(top, answered)
    nps = _share(top - row["detractors"], answered)
    return Scores(
        question=question,
        asked=row["asked"],
        answered=answered,
        response_rate=_share(answered, row["asked"]),
        average=_round(row["average"]),
        csat=round(share * 100, 2) if question == "csat" and share is not None else None,
        ces=_round(row["average"]) if question == "ces" else None,
        nps=round(nps * 100, 2) if question == "nps" and nps is not None else None,
    )


def _buckets(rows: Sequence[asyncpg.Record], order: Sequence[str]) -> list[CsatBucket]:
    """Every bucket in its order, empty ones too (a chart's axis does not move)."""
    found = {row["bucket"]: row for row in rows}
    buckets = []
    for bucket in order:
        row = found.get(bucket)
        answered = row["answered"] if row else 0
        share = _share(row["top"], answered) if row else None
        csat = round(share * 100, 2) if share is not None else None
        buckets.append(CsatBucket(bucket, answered, csat, _round(row["average"] if row else None)))
    return buckets


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None
