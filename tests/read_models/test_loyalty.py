"""The loyalty read model: given ledger facts, then each customer's balance, what they owe,
their totals and movements; and the clock rule's deadline for their oldest points."""

from __future__ import annotations

import pytest

from domain.loyalty.model import Lot, LoyaltyAccount, loyalty_account_id
from domain.values import Money
from projections.customer_timeline import CustomerTimeline
from projections.deadlines import POINTS_EXPIRY, Deadlines
from projections.loyalty import Loyalty, LoyaltyEntry, LoyaltyView, loyalty_of
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import SCHEDULER, TILL, days, t

ADA = Stream(loyalty_account_id("cust-ada"), TILL)
BOB = Stream(loyalty_account_id("cust-bob"), TILL)
WEB_ORDER, TILL_SALE = "order:web-1", "sale:till-7"


def opened(stream: Stream, customer: str) -> Fact:
    return stream.recorded(LoyaltyAccount.Opened, customer_id=customer, at=t(0))


def earned(stream: Stream, source: str, points: int, settled: int = 0, at: float = 0) -> Fact:
    return stream.recorded(
        LoyaltyAccount.Earned,
        source=source,
        points=points,
        basis=Money.of(points),
        settled=settled,
        expires_at=t(at) + days(365),
        next_expiry=t(at) + days(365) if points > settled else None,
        at=t(at),
    )


def redeemed(stream: Stream, points: int, at: float, next_expiry: float | None) -> Fact:
    return stream.recorded(
        LoyaltyAccount.Redeemed,
        source=TILL_SALE,
        points=points,
        value=Money.of(points),
        next_expiry=None if next_expiry is None else t(0) + days(next_expiry),
        at=t(at),
    )


def reversed_(stream: Stream, points: int, owed: int, at: float) -> Fact:
    return stream.recorded(
        LoyaltyAccount.Reversed,
        source=WEB_ORDER,
        points=points,
        refunded=Money.of(points),
        owed=owed,
        next_expiry=None,
        at=t(at),
    )


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(Loyalty())


async def test_earned_on_the_web_redeemed_at_a_till_reversed_on_a_refund(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(opened(ADA, "cust-ada"), earned(ADA, WEB_ORDER, 100), opened(BOB, "cust-bob"))
        .when(redeemed(ADA, 80, at=10, next_expiry=365), reversed_(ADA, 100, owed=80, at=20))
        .then(
            rows(
                "loyalty_balance",
                "customer_id balance owed earned redeemed reversed expired next_expiry",
                [
                    ("cust-ada", 0, 80, 100, 80, 100, 0, None),
                    ("cust-bob", 0, 0, 0, 0, 0, 0, None),
                ],
            ),
            answer(loyalty_of, "cust-ada").equals(
                LoyaltyView(
                    "cust-ada",
                    balance=0,
                    owed=80,
                    earned=100,
                    redeemed=80,
                    reversed=100,
                    expired=0,
                    next_expiry=None,
                    history=[
                        LoyaltyEntry("reversed", 100, -20, 80, WEB_ORDER, t(20)),
                        LoyaltyEntry("redeemed", 80, -80, 0, TILL_SALE, t(10)),
                        LoyaltyEntry("earned", 100, 100, 0, WEB_ORDER, t(0)),
                    ],
                )
            ),
        )
    )


async def test_later_earnings_settle_what_is_owed_and_expiry_takes_the_rest(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(opened(ADA, "cust-ada"), earned(ADA, WEB_ORDER, 10), reversed_(ADA, 10, 0, 5))
        .when(
            earned(ADA, "order:web-2", 4, settled=0, at=6),
            ADA.recorded(LoyaltyAccount.Expired, points=4, next_expiry=None, at=t(6) + days(365)),
        )
        .then(
            rows("loyalty_balance", "balance owed earned expired", [(0, 0, 14, 4)]),
            rows(
                "loyalty_entry",
                "kind balance_change",
                [
                    ("earned", 10),
                    ("reversed", -10),
                    ("earned", 4),
                    ("expired", -4),
                ],
            ),
        )
    )


async def test_a_customer_who_never_earned_reads_as_zero(spec: ProjectionSpec) -> None:
    await spec.given().then(
        answer(loyalty_of, "cust-nobody").equals(
            LoyaltyView("cust-nobody", 0, 0, 0, 0, 0, 0, None, [])
        )
    )


async def test_owed_points_are_settled_first(spec: ProjectionSpec) -> None:
    await (
        spec.given(
            opened(ADA, "cust-ada"),
            earned(ADA, WEB_ORDER, 10),
            redeemed(ADA, 10, at=1, next_expiry=None),
            reversed_(ADA, 10, owed=10, at=2),
        )
        .when(earned(ADA, "order:web-2", 25, settled=10, at=3))
        .then(rows("loyalty_balance", "balance owed", [(15, 0)]))
    )


async def test_the_clock_rule_waits_for_the_oldest_points_left(spec_of: SpecOf) -> None:
    spec = spec_of(Deadlines())
    await (
        spec.given(opened(ADA, "cust-ada"), earned(ADA, WEB_ORDER, 10))
        .when(earned(ADA, "order:web-2", 5, at=60))
        .then(rows("deadlines", "kind due_at", [(POINTS_EXPIRY, t(60) + days(365))]))
    )
    spec = spec_of(Deadlines())
    await (
        spec.given(opened(ADA, "cust-ada"), earned(ADA, WEB_ORDER, 10))
        .when(
            ADA.recorded(
                LoyaltyAccount.Expired,
                points=10,
                next_expiry=None,
                at=t(0) + days(365),
                context=SCHEDULER,
            )
        )
        .then(rows("deadlines", "kind", []))
    )


async def test_the_movements_are_on_the_customers_timeline(spec_of: SpecOf) -> None:
    spec = spec_of(CustomerTimeline())
    await (
        spec.given(opened(ADA, "cust-ada"), earned(ADA, WEB_ORDER, 100))
        .when(redeemed(ADA, 80, at=10, next_expiry=365), reversed_(ADA, 100, owed=80, at=20))
        .then(
            rows(
                "timeline",
                "customer_id kind summary",
                [
                    ("cust-ada", "points_earned", "Earned 100 points on an order"),
                    ("cust-ada", "points_redeemed", "Paid 80.00 EUR with 80 points on a till sale"),
                    ("cust-ada", "points_reversed", "100 points taken back for a refund (80 owed)"),
                ],
            )
        )
    )


def restored(stream: Stream, points: int, at: float, refunded: int | None = None) -> Fact:
    """Points paid on the till sale given back: its cancellation, or a refund of goods."""
    return stream.recorded(
        LoyaltyAccount.Restored,
        source=TILL_SALE,
        points=points,
        value=Money.of(points),
        refunded=None if refunded is None else Money.of(refunded),
        lots=[Lot(points, t(0) + days(365))],
        next_expiry=t(0) + days(365),
        at=t(at),
    )


async def test_points_paid_with_come_back_to_the_balance_and_the_history(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(opened(ADA, "cust-ada"), earned(ADA, WEB_ORDER, 100))
        .when(
            redeemed(ADA, 80, at=10, next_expiry=365),
            restored(ADA, 30, at=20, refunded=60),
            restored(ADA, 50, at=30),
        )
        .then(
            rows(
                "loyalty_balance",
                "balance owed earned redeemed restored next_expiry",
                [(100, 0, 100, 80, 80, t(0) + days(365))],
            ),
            answer(loyalty_of, "cust-ada").equals(
                LoyaltyView(
                    "cust-ada",
                    balance=100,
                    owed=0,
                    earned=100,
                    redeemed=80,
                    reversed=0,
                    expired=0,
                    next_expiry=t(0) + days(365),
                    history=[
                        LoyaltyEntry("restored", 50, 50, 0, TILL_SALE, t(30)),
                        LoyaltyEntry("restored", 30, 30, 0, TILL_SALE, t(20)),
                        LoyaltyEntry("redeemed", 80, -80, 0, TILL_SALE, t(10)),
                        LoyaltyEntry("earned", 100, 100, 0, WEB_ORDER, t(0)),
                    ],
                    restored=80,
                )
            ),
        )
    )


async def test_points_given_back_wait_for_the_clock_rule_again(spec_of: SpecOf) -> None:
    spec = spec_of(Deadlines())
    await (
        spec.given(opened(ADA, "cust-ada"), earned(ADA, WEB_ORDER, 10))
        .when(redeemed(ADA, 10, at=1, next_expiry=None), restored(ADA, 10, at=2))
        .then(rows("deadlines", "kind due_at", [(POINTS_EXPIRY, t(0) + days(365))]))
    )


async def test_points_given_back_are_on_the_customers_timeline(spec_of: SpecOf) -> None:
    spec = spec_of(CustomerTimeline())
    await (
        spec.given(opened(ADA, "cust-ada"), earned(ADA, WEB_ORDER, 100))
        .when(restored(ADA, 30, at=20, refunded=60), restored(ADA, 50, at=30))
        .then(
            rows(
                "timeline",
                "customer_id kind summary",
                [
                    ("cust-ada", "points_earned", "Earned 100 points on an order"),
                    (
                        "cust-ada",
                        "points_restored",
                        "30 points paid with given back on a till sale (a refund)",
                    ),
                    (
                        "cust-ada",
                        "points_restored",
                        "50 points paid with given back on a till sale (its cancellation)",
                    ),
                ],
            )
        )
    )
