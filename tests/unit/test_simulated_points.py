"""The simulator's mirror of the loyalty rules (simulate/points.py) moves every customer's
points as the domain's LoyaltyAccount does, for any mix of purchases, redemptions and refunds:
the `omni simulate` check compares the server's ledger with it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.loyalty.model import LoyaltyAccount, LoyaltyRules
from domain.values import Money
from simulate.points import PointRules, Points, points_to_pay

AT = datetime(2026, 12, 6, 9, tzinfo=UTC)


def _price(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(50, 9_000)) / 100


@pytest.mark.parametrize(("per_unit", "value"), [(1, "0.01"), (3, "0.05"), (10, "0.10")])
def test_the_mirror_moves_points_as_the_ledger_does(per_unit: int, value: str) -> None:
    rules = LoyaltyRules(points_per_unit=per_unit, point_value=Decimal(value))
    points = Points(PointRules(per_unit, Decimal(value)))
    rng = random.Random(f"{per_unit}:{value}")
    for n in range(40):  # customers
        customer = f"c-{n}"
        ledger = LoyaltyAccount.open(customer, AT)
        bought: dict[str, Decimal] = {}
        for step in range(12):
            at = AT + timedelta(minutes=step)
            if bought and rng.random() < 0.35:  # a refund of part of a purchase
                source = rng.choice(sorted(bought))
                money = Decimal(rng.randint(1, 5_000)) / 100
                assert ledger.reverse(source, Money.of(money), at) == points.refunded(
                    customer, source, money
                )
                continue
            source, total = f"sale:{n}-{step}", _price(rng)
            spend = points_to_pay(points, customer, total, rng, 0.6)
            paid = total
            if spend:
                ledger.redeem(source, spend, rules.value_of(spend, "EUR"), at)
                paid = total - points.redeemed(customer, spend)
            assert ledger.earn(source, Money.of(paid), rules, at) == points.earned(
                customer, source, paid
            )
            bought[source] = total
        expected = points.of(customer)
        assert (ledger.balance, ledger.owed) == (expected.balance, expected.owed), customer
    assert points.total("redeemed") > 0 and points.total("reversed") > 0
    assert points.total("owed") > 0  # a reversal beyond the balance happened, and was mirrored


def test_points_pay_at_most_the_balance_and_the_total() -> None:
    points = Points(PointRules(1, Decimal("0.01")))
    points.earned("c", "sale:1", Decimal("25.99"))  # 25 points
    rng = random.Random(1)
    drawn = [points_to_pay(points, "c", Decimal("0.10"), rng, 1.0) for _ in range(50)]
    assert all(1 <= d <= 10 for d in drawn)  # ten points pay the whole 0.10
    assert {points_to_pay(points, "c", Decimal("99.00"), rng, 1.0) for _ in range(50)} <= set(
        range(1, 26)
    )
    assert points_to_pay(points, "c", Decimal("99.00"), rng, 0.0) == 0  # never likely
    assert points_to_pay(points, "nobody", Decimal("99.00"), rng, 1.0) == 0  # no balance


def test_a_purchase_earns_once_and_points_paid_with_earn_nothing() -> None:
    points = Points(PointRules(2, Decimal("0.01")))
    paid = Decimal("10.00")
    assert points.earned("c", "order:1", paid) == 20
    assert points.earned("c", "order:1", paid) == 0
    assert points.redeemed("c", 20) == Decimal("0.20")
    assert points.earned("c", "order:2", Decimal("0.00")) == 0
    assert points.of("c").as_read() == (0, 0, 20, 20, 0)
