"""The manager's report (`omni report`) over two days at Amsterdam Centraal: click-to-collect
percentiles over every pickup of the range (not an average of days), the share ready within
the promise, the no-show rate, computed by hand; the sections with nothing in them empty, and
loyalty points moved in the range, by the store of the purchase."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.loyalty.model import LoyaltyAccount, loyalty_account_id
from domain.pickup.model import Pickup
from domain.values import Money
from projections import report_queries
from projections.cart_recovery import CartRecovery
from projections.copurchase import CoPurchases
from projections.feedback import Feedback
from projections.fulfillment_times import FulfillmentTimes
from projections.journeys import Journeys
from projections.loyalty import Loyalty
from projections.orders import Orders
from projections.report_queries import Loyalty as LoyaltyFigures
from projections.report_queries import Pickups, Recovery, Returns
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import TILL, days, order_lines, order_placed, stream, t
from tests.read_models.test_fulfillment_times import a_morning_at_centraal, collected, ready
from tests.read_models.test_fulfillment_times import requested as placed
from tests.read_models.together import Together
from tests.shop import STAFF

MONDAY, TUESDAY = date(2026, 11, 2), date(2026, 11, 3)
DAY = 24 * 60
NOW = datetime(2026, 11, 20, tzinfo=UTC)
ZONE = "Europe/Amsterdam"


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(
        Together(
            FulfillmentTimes(),
            Journeys(),
            Feedback(),
            CartRecovery(),
            Orders(),
            CoPurchases(),
            Loyalty(),
        )
    )


def tuesday_at_centraal() -> list[Fact]:
    """One ready in 30 minutes and collected 10 later; one ready in 120, never collected."""
    quick, slow = stream(21, STAFF), stream(22, STAFF)
    return [
        placed(quick, DAY), ready(quick, DAY + 30), collected(quick, DAY + 40),
        placed(slow, DAY), ready(slow, DAY + 120),
        slow.recorded(Pickup.NotCollected, at=NOW, staff_id=None),
    ]  # fmt: skip


async def pickups_of(
    pool: object, store: str | None, first: date, last: date
) -> report_queries.Pickups:
    found = await report_queries.manager_report(pool, store, first, last, ZONE, NOW)  # type: ignore[arg-type]
    return found.pickups


async def test_click_to_collect_over_two_days_is_the_hand_computed_one(
    spec: ProjectionSpec,
) -> None:
    # To ready, minutes: 10, 20, 45, 80 (Monday), 30, 120 (Tuesday): sorted 10 20 30 45 80 120,
    # p50 = (30 + 45) / 2 = 37.5, p90 at 0.9 * 5 = 4.5: 80 + 0.5 * 40 = 100. Within the
    # 60-minute promise: 4 of 6. Order to hand-over: 40, 110, 95, 40: sorted 40 40 95 110,
    # p50 = 67.5, p90 at 2.7: 95 + 0.7 * 15 = 105.5. Collected 4, one no-show: 1 of 5.
    expected = Pickups(
        pickups=8, click_to_collect_p50=37.5 * 60, click_to_collect_p90=100.0 * 60,
        order_to_hand_over_p50=67.5 * 60, order_to_hand_over_p90=105.5 * 60,
        ready_within_promise=0.667, arrivals=0, arrival_to_hand_over_p50=None,
        arrival_to_hand_over_p90=None, collected=4, no_shows=1, no_show_rate=0.2,
    )  # fmt: skip
    monday_only = Pickups(
        pickups=6, click_to_collect_p50=32.5 * 60, click_to_collect_p90=69.5 * 60,
        order_to_hand_over_p50=95.0 * 60, order_to_hand_over_p90=107.0 * 60,
        ready_within_promise=0.75, arrivals=0, arrival_to_hand_over_p50=None,
        arrival_to_hand_over_p90=None, collected=3, no_shows=0, no_show_rate=0.0,
    )  # fmt: skip
    await spec.given(*a_morning_at_centraal(), *tuesday_at_centraal()).then(
        answer(pickups_of, "AMS-CENTRAAL", MONDAY, TUESDAY).equals(expected),
        answer(pickups_of, None, MONDAY, TUESDAY).equals(expected),
        answer(pickups_of, "AMS-CENTRAAL", MONDAY, MONDAY).equals(monday_only),
        answer(pickups_of, "AMS-ZUID", MONDAY, TUESDAY).equals(
            Pickups(0, None, None, None, None, None, 0, None, None, 0, 0, None)
        ),
    )


async def report_without_pickups(pool: object) -> tuple[object, ...]:
    found = await report_queries.manager_report(pool, None, MONDAY, TUESDAY, ZONE, NOW)  # type: ignore[arg-type]
    return (
        [(s.step, s.reached) for s in found.funnel],
        found.returns,
        found.recovery,
        found.feedback.scores,
        found.loyalty,
    )


async def test_an_empty_range_reports_zeroes(
    spec: ProjectionSpec,
) -> None:
    steps = ["started", "first_line", "checked_out", "paid", "ready", "collected"]
    await spec.given(*a_morning_at_centraal()).then(
        answer(report_without_pickups).equals(
            (
                [(step, 0) for step in steps],
                Returns(0, 0, 0),
                Recovery(0, 0, Decimal("0.00"), Decimal("0.00"), None),
                [],
                LoyaltyFigures(0, 0, 0, 0, 0, 0),
            )
        )
    )


ADAS_POINTS = Stream(loyalty_account_id("cust-ada"), TILL)


def ledger(kind: type, at: float, **fields: object) -> Fact:
    next_expiry = t(at) + days(365)
    return ADAS_POINTS.recorded(kind, next_expiry=next_expiry, at=t(at), **fields)


def points_at_centraal() -> list[Fact]:
    """Ada's order for pickup at Centraal earns 100 on Monday; on Tuesday she pays 80 points at
    a till of a store the report cannot place, a refund takes back 30 of the order's, 20 of
    another purchase's expire, and 15 of the 80 come back (part of the till sale refunded)."""
    order = stream(31)
    elsewhere = "sale:00000000-0000-4000-8000-000000000007"
    return [
        order_placed(order, order.id, order_lines(RETRO_CLOCK=1), t(0)),
        ADAS_POINTS.recorded(LoyaltyAccount.Opened, customer_id="cust-ada", at=t(0)),
        ledger(LoyaltyAccount.Earned, 0, source=f"order:{order.id}", points=100,
               basis=Money.of(100), settled=0, expires_at=t(0) + days(365)),
        ledger(LoyaltyAccount.Redeemed, DAY, source=elsewhere, points=80, value=Money.of("0.80")),
        ledger(LoyaltyAccount.Reversed, DAY + 5, source=f"order:{order.id}", points=30,
               refunded=Money.of(30), owed=0),
        ledger(LoyaltyAccount.Expired, DAY + 6, points=20),
        ledger(LoyaltyAccount.Restored, DAY + 7, source=elsewhere, points=15,
               value=Money.of("0.15"), refunded=Money.of("0.15"), lots=[]),
    ]  # fmt: skip


async def loyalty_of(pool: object, store: str | None, first: date, last: date) -> object:
    found = await report_queries.manager_report(pool, store, first, last, ZONE, NOW)  # type: ignore[arg-type]
    return found.loyalty


async def test_points_count_in_the_range_at_the_store_of_their_purchase(
    spec: ProjectionSpec,
) -> None:
    await spec.given(*points_at_centraal()).then(
        answer(loyalty_of, None, MONDAY, TUESDAY).equals(LoyaltyFigures(100, 80, 15, 30, 20, 1)),
        answer(loyalty_of, None, TUESDAY, TUESDAY).equals(LoyaltyFigures(0, 80, 15, 30, 20, 1)),
        # The till sale's store is unknown here and an expiry belongs to no store.
        answer(loyalty_of, "AMS-CENTRAAL", MONDAY, TUESDAY).equals(
            LoyaltyFigures(100, 0, 0, 30, None, 0)
        ),
        answer(loyalty_of, "AMS-ZUID", MONDAY, TUESDAY).equals(LoyaltyFigures(0, 0, 0, 0, None, 0)),
    )
