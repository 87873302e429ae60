"""A manager's report for one store or the chain over a range of days, every figure read from
the read models' own queries: the funnel (journeys), click-to-collect (fulfillment times),
returns, the customer's voice (feedback) and recovered carts (cart recovery).

A store's report counts the journeys checked out for that store (a cart not checked out has
no store yet) and the returns received there; cart recovery belongs to no store, so a store's
report shows the chain's. Loyalty is not recorded here yet: the report says so.
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

LOYALTY_NOT_RECORDED = "loyalty: not recorded"


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
    loyalty: str = LOYALTY_NOT_RECORDED


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
