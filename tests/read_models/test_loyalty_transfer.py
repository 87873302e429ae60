"""A merge's ledger transfer on the read side: given both ledgers' facts, when the duplicate's
moves to the survivor's, then each balance and history shows it, the survivor's `me { loyalty }`
answers the combined balance, the clock rule follows the points, the timeline tells both sides,
and the manager's report counts a transfer as neither earned nor redeemed."""

from __future__ import annotations

import pytest

from domain.loyalty.model import Earning, Lot, LoyaltyAccount, loyalty_account_id
from domain.values import Money
from projections.cart_recovery import CartRecovery
from projections.copurchase import CoPurchases
from projections.customer_timeline import CustomerTimeline
from projections.deadlines import POINTS_EXPIRY, Deadlines
from projections.feedback import Feedback
from projections.fulfillment_times import FulfillmentTimes
from projections.journeys import Journeys
from projections.loyalty import Loyalty, LoyaltyEntry, LoyaltyView, loyalty_of
from projections.orders import Orders
from projections.report_queries import Loyalty as LoyaltyFigures
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import TILL, days, t
from tests.read_models.test_manager_report import (
    ADAS_POINTS,
    MONDAY,
    TUESDAY,
    points_at_centraal,
)
from tests.read_models.test_manager_report import loyalty_of as report_loyalty_of
from tests.read_models.together import Together
from tests.shop import STAFF

ADA = Stream(loyalty_account_id("cust-ada"), TILL)
OLD = Stream(loyalty_account_id("cust-ada-old"), STAFF)
SURVIVOR = Stream(loyalty_account_id("cust-ada"), STAFF)  # the merge's side of Ada's ledger
ORDER, SALE = "order:web-1", "sale:till-7"


def opened(stream: Stream, customer: str) -> Fact:
    return stream.recorded(LoyaltyAccount.Opened, customer_id=customer, at=t(0))


def earned(stream: Stream, source: str, points: int, at: float) -> Fact:
    return stream.recorded(
        LoyaltyAccount.Earned,
        source=source,
        points=points,
        basis=Money.of(points),
        settled=0,
        expires_at=t(at) + days(365),
        next_expiry=t(0) + days(365),
        at=t(at),
    )


def moved(points: int, owed: int, settled: int, at: float = 60) -> tuple[Fact, Fact]:
    """Ada-old's ledger, `points` and `owed`, moved to Ada's, which paid off `settled`."""
    return (
        OLD.recorded(
            LoyaltyAccount.TransferredOut,
            survivor_id="cust-ada",
            points=points,
            owed=owed,
            next_expiry=None,
            at=t(at),
        ),
        SURVIVOR.recorded(
            LoyaltyAccount.TransferredIn,
            duplicate_id="cust-ada-old",
            points=points,
            owed=owed,
            settled=settled,
            lots=[Lot(points, t(0) + days(365))] if points else [],
            earnings={ORDER: Earning(points, Money.of(points), Money.zero())},
            spendings={},
            next_expiry=t(0) + days(365),
            at=t(at),
        ),
    )


def owing_ten() -> list[Fact]:
    """Ada-old earned 10 points, paid with them, then a refund took the 10 back: owed."""
    return [
        opened(OLD, "cust-ada-old"),
        earned(OLD, ORDER, 10, at=0),
        OLD.recorded(
            LoyaltyAccount.Redeemed,
            source="sale:till-8",
            points=10,
            value=Money.of("0.10"),
            next_expiry=None,
            at=t(1),
        ),
        OLD.recorded(
            LoyaltyAccount.Reversed,
            source=ORDER,
            points=10,
            refunded=Money.of(10),
            owed=10,
            next_expiry=None,
            at=t(2),
        ),
    ]


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(Loyalty())


async def test_both_sides_show_the_transfer_and_the_survivor_the_combined_balance(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(
            opened(OLD, "cust-ada-old"),
            earned(OLD, ORDER, 100, at=0),
            opened(ADA, "cust-ada"),
            earned(ADA, SALE, 40, at=30),
        )
        .when(*moved(100, owed=0, settled=0))
        .then(
            rows(
                "loyalty_balance",
                "customer_id balance owed earned redeemed next_expiry",
                [
                    ("cust-ada-old", 0, 0, 100, 0, None),
                    ("cust-ada", 140, 0, 40, 0, t(0) + days(365)),
                ],
            ),
            answer(loyalty_of, "cust-ada").equals(
                LoyaltyView(
                    "cust-ada",
                    balance=140,
                    owed=0,
                    earned=40,  # what this ledger earned: a transfer counts in no total
                    redeemed=0,
                    reversed=0,
                    expired=0,
                    next_expiry=t(0) + days(365),
                    history=[
                        LoyaltyEntry("transferred_in", 100, 100, 0, None, t(60)),
                        LoyaltyEntry("earned", 40, 40, 0, SALE, t(30)),
                    ],
                )
            ),
            answer(loyalty_of, "cust-ada-old").equals(
                LoyaltyView(
                    "cust-ada-old",
                    balance=0,
                    owed=0,
                    earned=100,
                    redeemed=0,
                    reversed=0,
                    expired=0,
                    next_expiry=None,
                    history=[
                        LoyaltyEntry("transferred_out", 100, -100, 0, None, t(60)),
                        LoyaltyEntry("earned", 100, 100, 0, ORDER, t(0)),
                    ],
                )
            ),
        )
    )


async def test_points_owed_move_and_are_paid_off_by_the_survivors_balance(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(
            *owing_ten(),
            opened(ADA, "cust-ada"),
            earned(ADA, SALE, 40, 30),
        )
        .when(*moved(0, owed=10, settled=10))
        .then(
            rows(
                "loyalty_entry",
                "kind points balance_change owed_change",
                [
                    ("earned", 10, 10, 0),
                    ("redeemed", 10, -10, 0),
                    ("reversed", 10, 0, 10),
                    ("earned", 40, 40, 0),
                    ("transferred_out", 0, 0, -10),
                    ("transferred_in", 0, -10, 0),
                ],
            ),
            rows(
                "loyalty_balance",
                "customer_id balance owed",
                [
                    ("cust-ada-old", 0, 0),
                    ("cust-ada", 30, 0),
                ],
            ),
        )
    )


async def test_the_clock_rule_follows_the_points_to_the_survivor(spec_of: SpecOf) -> None:
    spec = spec_of(Deadlines())
    await (
        spec.given(opened(OLD, "cust-ada-old"), earned(OLD, ORDER, 100, at=0))
        .when(*moved(100, owed=0, settled=0))
        .then(
            rows(
                "deadlines",
                "aggregate_id kind due_at",
                [(ADA.id, POINTS_EXPIRY, t(0) + days(365))],
            )
        )
    )


async def test_the_timeline_tells_both_sides(spec_of: SpecOf) -> None:
    spec = spec_of(CustomerTimeline())
    await (
        spec.given(opened(OLD, "cust-ada-old"), earned(OLD, ORDER, 100, at=0))
        .when(opened(ADA, "cust-ada"), *moved(100, owed=0, settled=0))
        .then(
            rows(
                "timeline",
                "customer_id kind summary",
                [
                    ("cust-ada-old", "points_earned", "Earned 100 points on an order"),
                    (
                        "cust-ada-old",
                        "points_transferred_out",
                        "100 points moved to the profile this one was merged into",
                    ),
                    (
                        "cust-ada",
                        "points_transferred_in",
                        "100 points came from a profile merged into this one",
                    ),
                ],
            )
        )
    )


async def test_the_managers_report_counts_a_transfer_as_neither_earned_nor_redeemed(
    spec_of: SpecOf,
) -> None:
    spec = spec_of(
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
    bob = Stream(loyalty_account_id("cust-bob"), STAFF)
    out = ADAS_POINTS.recorded(
        LoyaltyAccount.TransferredOut,
        survivor_id="cust-bob",
        points=50,
        owed=0,
        next_expiry=None,
        at=t(24 * 60 + 10),
    )
    into = bob.recorded(
        LoyaltyAccount.TransferredIn,
        duplicate_id="cust-ada",
        points=50,
        owed=0,
        settled=0,
        lots=[Lot(50, t(0) + days(365))],
        earnings={},
        spendings={},
        next_expiry=t(0) + days(365),
        at=t(24 * 60 + 10),
    )
    await (
        spec.given(*points_at_centraal())
        .when(out, into)
        .then(
            answer(report_loyalty_of, None, MONDAY, TUESDAY).equals(
                LoyaltyFigures(100, 80, 15, 30, 20, 1)
            ),
        )
    )
