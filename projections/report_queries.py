"""A manager's report for one store or the chain over a range of days, every figure read from
the read models' own queries: the funnel (journeys), click-to-collect (fulfillment times),
returns, the customer's voice (feedback), loyalty points (the ledger's movements) and recovered
carts (cart recovery).

A store's report counts the journeys checked out for that store (a cart not checked out has
no store yet) and the returns received there; cart recovery belongs to no store, so a store's
report shows the chain's. Points count at the store of the purchase that earned, paid with or
gave back points (an order's pickup store, a till sale's store); an expiry belongs to no
purchase, so only the chain's report counts it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import asyncpg
import msgspec

from projections import cart_recovery, feedback_queries, fulfillment_stats, journey_queries
from projections.feedback_queries import FeedbackReport
from projections.fulfillment_stats import FulfillmentStats
from projections.journey_queries import STEPS

# The ledger's movements of the range, by kind. `source` is `order:<id>` or `sale:<id>` (none
# for an expiry); the purchase's store is its order's, or its till sale's as copurchase keeps it.
LOYALTY_MOVED = """
WITH moved AS (
    SELECT e.kind, e.points, e.account_id, e.at, coalesce(o.location_id, b.location_id) AS store
    FROM loyalty_entry e
    LEFT JOIN order_view o ON e.source = 'order:' || o.order_id
    LEFT JOIN copurchase_basket b ON e.source = 'sale:' || b.basket_id
)
SELECT m.kind, sum(m.points)::bigint AS points, count(DISTINCT m.account_id) AS customers
FROM moved m LEFT JOIN locations l ON l.id = m.store
WHERE (m.at AT TIME ZONE coalesce(l.time_zone, $3))::date BETWEEN $1 AND $2
  AND ($4::text IS NULL OR m.store = $4)
GROUP BY m.kind
"""


class FunnelStep(msgspec.Struct, frozen=True):
    step: str
    reached: int
    share_of_started: float | None


class Returns(msgspec.Struct, frozen=True):
    requested: int
    refunded: int
    cross_channel: int


class Recovery(msgspec.Struct, frozen=True):
    abandoned: int
    recovered: int
    value_abandoned: Decimal
    value_recovered: Decimal
    recovered_share: float | None


class Pickups(msgspec.Struct, frozen=True):
    """Seconds; shares of the pickups made ready (on time) or ready (no-shows)."""

    pickups: int
    click_to_collect_p50: float | None  # order placed -> ready
    click_to_collect_p90: float | None
    order_to_hand_over_p50: float | None
    order_to_hand_over_p90: float | None
    ready_within_promise: float | None
    arrivals: int
    arrival_to_hand_over_p50: float | None  # where the customer said "I'm here"
    arrival_to_hand_over_p90: float | None
    collected: int
    no_shows: int
    no_show_rate: float | None  # of those collected or not collected in time


class Loyalty(msgspec.Struct, frozen=True):
    """Points moved in the range, and how many customers paid with points. `redeemed` is what
    was paid with; `restored` what came back of it (a cancellation, a refund's points part):
    points spent are their difference."""

    earned: int
    redeemed: int
    restored: int
    reversed: int
    expired: int | None  # None in a store's report: an expiry belongs to no store
    customers_redeeming: int


class ManagerReport(msgspec.Struct, frozen=True):
    store_id: str | None  # None: the chain
    first_day: date
    last_day: date
    time_zone: str
    funnel: list[FunnelStep]
    pickups: Pickups
    returns: Returns
    feedback: FeedbackReport
    recovery: Recovery
    loyalty: Loyalty


async def manager_report(
    pool: asyncpg.Pool, store_id: str | None, first_day: date, last_day: date,
    time_zone: str, now: datetime,
) -> ManagerReport:  # fmt: skip
    chain = store_id is None
    journeys = await journey_queries.journey_stats(
        pool, first_day, last_day, time_zone, store_id, chain_wide=chain
    )
    returns = await journey_queries.return_stats(
        pool, first_day, last_day, time_zone, store_id, chain_wide=chain
    )
    recovery = await cart_recovery.recovery_stats(pool, first_day, last_day, time_zone)
    timed = await fulfillment_stats.fulfillment_over_days(pool, store_id, first_day, last_day)
    return ManagerReport(
        store_id=store_id,
        first_day=first_day,
        last_day=last_day,
        time_zone=time_zone,
        funnel=_funnel(journeys),
        pickups=_pickups(timed),
        returns=Returns(
            requested=sum(r.requested for r in returns),
            refunded=sum(r.refunded for r in returns),
            cross_channel=sum(r.cross_channel for r in returns),
        ),
        feedback=await feedback_queries.feedback_report(
            pool, store_id, first_day, last_day, now, time_zone
        ),
        recovery=_recovery(recovery),
        loyalty=await _loyalty(pool, store_id, first_day, last_day, time_zone),
    )


async def _loyalty(
    pool: asyncpg.Pool, store_id: str | None, first_day: date, last_day: date, time_zone: str
) -> Loyalty:
    rows = await pool.fetch(LOYALTY_MOVED, first_day, last_day, time_zone, store_id)
    points = {row["kind"]: row["points"] for row in rows}
    redeeming = next((row["customers"] for row in rows if row["kind"] == "redeemed"), 0)
    return Loyalty(
        earned=points.get("earned", 0),
        redeemed=points.get("redeemed", 0),
        restored=points.get("restored", 0),
        reversed=points.get("reversed", 0),
        expired=points.get("expired", 0) if store_id is None else None,
        customers_redeeming=redeeming,
    )


def _funnel(journeys: list[journey_queries.JourneyStats]) -> list[FunnelStep]:
    reached = {step: 0 for step in STEPS}
    for row in journeys:
        for step in row.funnel:
            reached[step.step] += step.reached
    started = reached[STEPS[0]]
    return [FunnelStep(s, n, _share(n, started)) for s, n in reached.items()]


def _pickups(stats: FulfillmentStats) -> Pickups:
    collected, no_shows = stats.collected or 0, stats.no_shows or 0
    return Pickups(
        pickups=stats.pickups,
        click_to_collect_p50=stats.placed_to_ready.p50,
        click_to_collect_p90=stats.placed_to_ready.p90,
        order_to_hand_over_p50=stats.placed_to_collected.p50,
        order_to_hand_over_p90=stats.placed_to_collected.p90,
        ready_within_promise=stats.ready_within_promise,
        arrivals=stats.arrivals or 0,
        arrival_to_hand_over_p50=stats.arrival_to_collected.p50,
        arrival_to_hand_over_p90=stats.arrival_to_collected.p90,
        collected=collected,
        no_shows=no_shows,
        no_show_rate=_share(no_shows, collected + no_shows),
    )


def _recovery(rows: list[cart_recovery.RecoveryStats]) -> Recovery:
    abandoned, recovered = sum(r.abandoned for r in rows), sum(r.recovered for r in rows)
    return Recovery(
        abandoned=abandoned,
        recovered=recovered,
        value_abandoned=sum((r.value for r in rows), Decimal("0.00")),
        value_recovered=sum((r.value_recovered for r in rows), Decimal("0.00")),
        recovered_share=_share(recovered, abandoned),
    )


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
