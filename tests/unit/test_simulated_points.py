"""The simulator's mirror of the loyalty rules (simulate/points.py) moves every customer's
points as the domain's LoyaltyAccount does, for any mix of purchases, redemptions and refunds:
the `omni simulate` check compares the server's ledger with it."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from domain.loyalty.model import LoyaltyAccount, LoyaltyRules, RefundSplit
from domain.order.model import Order
from domain.values import Money
from simulate.points import PointRules, Points, points_to_pay

AT = datetime(2026, 12, 6, 9, tzinfo=UTC)


def _price(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(50, 9_000)) / 100


class _Purchase:
    """One purchase of the walk: what it sold, paid with points, and what is left of it."""

    def __init__(self, kind: str, total: Decimal, points: int, value: Decimal) -> None:
        self.kind, self.total, self.points, self.value = kind, total, points, value
        self.due_back = Decimal("0.00")  # cancelled lines (an order's amount_due_back)
        self.handed_over = kind == "sale"  # a till sale is paid when recorded
        self.cancelled = False
        self.refunded = Decimal("0.00")

    @property
    def goods(self) -> Decimal:
        return self.total - self.due_back

    def points_cancelled(self) -> int:
        """The domain's own rule (Order.points_cancelled) on this order's figures."""
        order = SimpleNamespace(
            points_tendered=self.points,
            paid_in_points=Money.of(self.value),
            amount_due_back=Money.of(self.due_back),
            amount_payable=Money.of(self.total - self.value),
        )
        return Order.points_cancelled(order)  # type: ignore[arg-type]


def _walk(per_unit: int, value: str, seed: str, customers: int, steps: int) -> Points:
    """Random purchases (orders and till sales, some paid with points), lines cancelled, whole
    cancellations (a no-show), hand-overs and refunds, on both the ledger and the mirror:
    every answer and, after every step, balance and owed must be equal."""
    rules = LoyaltyRules(points_per_unit=per_unit, point_value=Decimal(value))
    points = Points(PointRules(per_unit, Decimal(value)))
    rng = random.Random(seed)
    for n in range(customers):
        customer = f"c-{n}"
        ledger = LoyaltyAccount.open(customer, AT)
        restored = 0
        bought: dict[str, _Purchase] = {}
        for step in range(steps):
            at = AT + timedelta(minutes=step)
            open_orders = sorted(
                s for s, p in bought.items() if not p.handed_over and not p.cancelled
            )
            refundable = sorted(
                s for s, p in bought.items() if p.handed_over and p.refunded < p.goods
            )
            draw = rng.random()
            if open_orders and draw < 0.15:  # lines short at the pick: cancelled in part
                source = rng.choice(open_orders)
                purchase = bought[source]
                price = min(Decimal(rng.randint(1, 6_000)) / 100, purchase.goods)
                purchase.due_back += price
                back = ledger.restore_up_to(source, purchase.points_cancelled(), at)
                assert back == points.lines_cancelled(customer, source, price)
                restored += back
            elif open_orders and draw < 0.3:  # cancelled in whole: a no-show, cancelOrder
                source = rng.choice(open_orders)
                bought[source].cancelled = True
                back = ledger.restore(source, at)
                assert back == points.cancelled(customer, source)
                restored += back
            elif open_orders and draw < 0.5:  # handed over: the money captured earns
                source = rng.choice(open_orders)
                purchase = bought[source]
                purchase.handed_over = True
                paid = max(purchase.total - purchase.value - purchase.due_back, Decimal("0"))
                assert ledger.earn(source, Money.of(paid), rules, at) == points.earned(
                    customer, source, paid
                )
            elif refundable and draw < 0.75:  # a refund of part of what was sold
                source = rng.choice(refundable)
                purchase = bought[source]
                left = purchase.goods - purchase.refunded
                goods = min(Decimal(rng.randint(1, 5_000)) / 100, left)
                if rng.random() < 0.3:
                    goods = left  # the rest of it
                purchase.refunded += goods
                if ledger.paid_with_points(source) is not None:
                    split = ledger.refund_split(source, Money.of(goods), Money.of(purchase.goods))
                else:
                    split = RefundSplit(
                        Money.of(goods), Money.of(goods), 0, Money.zero(Money.of(goods).currency)
                    )
                ledger.restore_for_refund(source, split, at)
                reversed_ = ledger.reverse(source, split.money, at)
                restored += split.points
                assert (split.money.amount, split.points, reversed_) == points.refunded(
                    customer, source, goods
                )
            else:  # a purchase: an order (earns at hand-over) or a till sale
                kind = "order" if rng.random() < 0.5 else "sale"
                source, total = f"{kind}:{n}-{step}", _price(rng)
                spend = points_to_pay(points, customer, total, rng, 0.6)
                worth = Decimal("0.00")
                if spend:
                    ledger.redeem(source, spend, rules.value_of(spend, "EUR"), at)
                    worth = points.redeemed(customer, spend, kind, source, total)
                purchase = _Purchase(kind, total, spend, worth)
                bought[source] = purchase
                if kind == "sale":
                    paid = total - worth
                    assert ledger.earn(source, Money.of(paid), rules, at) == points.earned(
                        customer, source, paid
                    )
            expected = points.of(customer)
            assert (ledger.balance, ledger.owed) == (expected.balance, expected.owed), customer
        assert restored == points.of(customer).restored, customer
        for source, mirrored in points.of(customer).spendings.items():
            real = ledger.spendings[source]
            zero = Money.zero("EUR")
            assert (
                real.restored,
                real.cancelled,
                (real.restored_value or zero).amount,
                (real.cancelled_value or zero).amount,
                (real.refunded or zero).amount,
            ) == (
                mirrored.restored,
                mirrored.cancelled,
                mirrored.restored_value,
                mirrored.cancelled_value,
                mirrored.refunded,
            ), source
    return points


@pytest.mark.parametrize(("per_unit", "value"), [(1, "0.01"), (3, "0.05"), (10, "0.10")])
def test_the_mirror_moves_points_as_the_ledger_does(per_unit: int, value: str) -> None:
    points = _walk(per_unit, value, f"{per_unit}:{value}", customers=60, steps=24)
    for total in ("redeemed", "reversed", "owed", "restored"):
        assert points.total(total) > 0, total  # each rule was played, and mirrored
    cancelled = sum(s.cancelled > 0 for a in points.accounts.values() for s in a.spendings.values())
    refunded_in_points = sum(
        s.restored > s.cancelled for a in points.accounts.values() for s in a.spendings.values()
    )
    assert cancelled > 0 and refunded_in_points > 0


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
    assert points.redeemed("c", 20, "order", "order:3", Decimal("0.20")) == Decimal("0.20")
    assert points.earned("c", "order:2", Decimal("0.00")) == 0
    assert points.of("c").as_read() == (0, 0, 20, 20, 0, 0)


def test_a_refund_of_a_purchase_paid_with_points_splits_as_the_decision_says() -> None:
    """docs/decisions/2026-12-06-loyalty-points-back.md: 78.00 paid 1.00 in 100 points and
    77.00 by card; each of two 39.00 lamps returned gives back 38.50 and 50 points, and
    reverses 38 then 39 of the 77 points the card's money earned."""
    points = Points(PointRules(1, Decimal("0.01")))
    points.earned("c", "sale:0", Decimal("100.00"))  # 100 points to pay with
    points.redeemed("c", 100, "sale", "sale:1", Decimal("78.00"))
    points.earned("c", "sale:1", Decimal("77.00"))
    assert points.refunded("c", "sale:1", Decimal("39.00")) == (Decimal("38.50"), 50, 38)
    assert points.refunded("c", "sale:1", Decimal("39.00")) == (Decimal("38.50"), 50, 39)
    assert points.of("c").as_read() == (100, 0, 177, 100, 77, 100)


def test_a_no_show_gives_back_every_point_once_and_a_short_line_what_money_cannot_cover() -> None:
    """63.95 paid 60.00 in 6,000 points: the 39.00 lamp short gives back 3,505 points, the
    pickup not collected the other 2,495; a second cancellation gives nothing."""
    points = Points(PointRules(100, Decimal("0.01")))
    points.earned("c", "sale:0", Decimal("60.00"))  # 6,000 points
    points.redeemed("c", 6_000, "order", "order:1", Decimal("63.95"))
    assert points.lines_cancelled("c", "order:1", Decimal("39.00")) == 3_505
    assert points.cancelled("c", "order:1") == 2_495
    assert points.cancelled("c", "order:1") == 0
    assert points.of("c").as_read() == (6_000, 0, 6_000, 6_000, 0, 6_000)
    assert points.cancelled("c", "order:2") == 0  # paid with no points: nothing back
