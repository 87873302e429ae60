"""LoyaltyAccount: given its past events, when a command, then the events it records or the
refusal (and nothing recorded)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.codec import EventCodec
from domain.loyalty.model import (
    InsufficientPoints,
    InvalidPoints,
    Lot,
    LoyaltyAccount,
    LoyaltyRules,
)
from domain.ports import Snapshot
from domain.register import personal_data, undeclared_texts
from domain.values import Money
from tests.gwt import GIVEN_AT, event, given

RULES = LoyaltyRules(points_per_unit=1, point_value=Decimal("0.01"), expiry_days=365)
YEAR = timedelta(days=365)
ORDER, SALE, LATER = "order:web-1", "sale:till-7", "order:web-2"
OPENED = event(LoyaltyAccount.Opened, customer_id="cust-ada", at=GIVEN_AT)
A_MONTH_LATER = GIVEN_AT + timedelta(days=30)


def earned(source: str, points: int, paid: str, settled: int = 0, at=GIVEN_AT, next_expiry=None):  # type: ignore[no-untyped-def]
    return event(
        LoyaltyAccount.Earned,
        source=source,
        points=points,
        basis=Money.of(paid),
        settled=settled,
        expires_at=at + YEAR,
        next_expiry=next_expiry if next_expiry is not None else at + YEAR,
        at=at,
    )


def second_earning():  # type: ignore[no-untyped-def]
    """20 points a month after the first 10, which still expire first."""
    return earned(LATER, 20, "20.00", at=A_MONTH_LATER, next_expiry=GIVEN_AT + YEAR)


def test_a_paid_purchase_earns_whole_points_for_its_money() -> None:
    given(OPENED).when(lambda a: a.earn(ORDER, Money.of("59.99"), RULES, GIVEN_AT)).then(
        earned(ORDER, 59, "59.99")
    )


def test_a_purchase_earns_once_however_often_it_is_told() -> None:
    given(OPENED, earned(ORDER, 59, "59.99")).when(
        lambda a: a.earn(ORDER, Money.of("59.99"), RULES, GIVEN_AT)
    ).then_nothing()


def test_a_refund_reverses_in_proportion_rounded_down_and_all_of_it_at_the_end() -> None:
    account = (
        given(OPENED, earned(ORDER, 100, "100.00"))
        .when(lambda a: a.reverse(ORDER, Money.of("25.50"), GIVEN_AT))
        .then(
            event(
                LoyaltyAccount.Reversed,
                source=ORDER,
                points=25,
                refunded=Money.of("25.50"),
                owed=0,
                next_expiry=GIVEN_AT + YEAR,
                at=GIVEN_AT,
            )
        )
    )
    assert account.balance == 75
    account.reverse(ORDER, Money.of("74.50"), GIVEN_AT)  # the rest: 100 in all, not 25 + 74
    assert account.collect_events()[-1].points == 75
    assert (account.balance, account.owed) == (0, 0)


def test_a_reversal_beyond_the_balance_is_owed_and_later_earnings_settle_it() -> None:
    spent = event(
        LoyaltyAccount.Redeemed,
        source=SALE,
        points=80,
        value=Money.of("0.80"),
        next_expiry=GIVEN_AT + YEAR,
        at=GIVEN_AT,
    )
    account = (
        given(OPENED, earned(ORDER, 100, "100.00"), spent)
        .when(lambda a: a.reverse(ORDER, Money.of("100.00"), GIVEN_AT))
        .then(
            event(
                LoyaltyAccount.Reversed,
                source=ORDER,
                points=100,
                refunded=Money.of("100.00"),
                owed=80,
                next_expiry=None,
                at=GIVEN_AT,
            )
        )
    )
    assert (account.balance, account.owed) == (0, 80)  # never below zero
    account.earn(LATER, Money.of("50.00"), RULES, GIVEN_AT)
    assert account.collect_events()[-1].settled == 50
    assert (account.balance, account.owed) == (0, 30)
    account.earn("order:web-3", Money.of("40.00"), RULES, GIVEN_AT)
    assert (account.balance, account.owed) == (10, 0)


def test_a_refund_of_a_purchase_that_earned_nothing_records_nothing() -> None:
    given(OPENED).when(lambda a: a.reverse(ORDER, Money.of("10.00"), GIVEN_AT)).then_nothing()


def test_redeeming_spends_the_oldest_points_first() -> None:
    later = GIVEN_AT + timedelta(days=30)
    account = (
        given(
            OPENED,
            earned(ORDER, 10, "10.00"),
            earned(LATER, 20, "20.00", at=later, next_expiry=GIVEN_AT + YEAR),
        )
        .when(lambda a: a.redeem(SALE, 15, Money.of("0.15"), GIVEN_AT))
        .then(
            event(
                LoyaltyAccount.Redeemed,
                source=SALE,
                points=15,
                value=Money.of("0.15"),
                next_expiry=later + YEAR,
                at=GIVEN_AT,
            )
        )
    )
    assert account.lots == (Lot(15, later + YEAR),)


def test_redeeming_more_than_the_balance_is_refused() -> None:
    given(OPENED, earned(ORDER, 10, "10.00")).when(
        lambda a: a.redeem(SALE, 11, Money.of("0.11"), GIVEN_AT)
    ).then_raises(InsufficientPoints, requested=11, balance=10)


@pytest.mark.parametrize("points", [0, -5, 10_000_001])
def test_redeeming_no_negative_or_absurd_points_is_refused(points: int) -> None:
    given(OPENED, earned(ORDER, 10, "10.00")).when(
        lambda a: a.redeem(SALE, points, Money.of("0.00"), GIVEN_AT)
    ).then_raises(InvalidPoints, points=points)


def test_points_expire_once_when_their_time_comes() -> None:
    later = GIVEN_AT + timedelta(days=30)
    history = (
        OPENED,
        earned(ORDER, 10, "10.00"),
        earned(LATER, 20, "20.00", at=later, next_expiry=GIVEN_AT + YEAR),
    )
    given(*history).when(lambda a: a.expire(GIVEN_AT + YEAR - timedelta(seconds=1))).then_nothing()
    account = (
        given(*history)
        .when(lambda a: a.expire(GIVEN_AT + YEAR))
        .then(
            event(LoyaltyAccount.Expired, points=10, next_expiry=later + YEAR, at=GIVEN_AT + YEAR)
        )
    )
    assert account.balance == 20
    assert account.expire(GIVEN_AT + YEAR) == 0  # a second tick at the same time: nothing


def test_points_earned_while_owing_expire_only_for_what_was_not_owed() -> None:
    account = (
        given(OPENED)
        .when(lambda a: a.earn(ORDER, Money.of("5.00"), RULES, GIVEN_AT))
        .then(earned(ORDER, 5, "5.00"))
    )
    assert account.expire(GIVEN_AT + YEAR) == 5
    assert account.balance == 0


def test_the_ledger_keeps_no_personal_text() -> None:
    assert not any(name.startswith("LoyaltyAccount") for name in personal_data())
    assert all(
        not undeclared_texts(cls)
        for cls in (LoyaltyAccount, LoyaltyAccount.Earned, LoyaltyAccount.Reversed)
    )


def test_the_rules_value_points_in_the_purchases_currency() -> None:
    assert RULES.value_of(250, "EUR") == Money.of("2.50")
    assert RULES.points_for(Money.of("-3.00")) == 0
    assert LoyaltyRules(points_per_unit=2).points_for(Money.of("9.99")) == 19


def redeemed(source: str, points: int, value: str, next_expiry=None):  # type: ignore[no-untyped-def]
    return event(
        LoyaltyAccount.Redeemed,
        source=source,
        points=points,
        value=Money.of(value),
        next_expiry=next_expiry,
        at=GIVEN_AT,
    )


def test_a_cancelled_purchase_gives_back_the_points_it_paid_with_their_expiry() -> None:
    later = A_MONTH_LATER + YEAR
    account = (
        given(
            OPENED,
            earned(ORDER, 10, "10.00"),
            second_earning(),
            redeemed(SALE, 15, "0.15", next_expiry=later),  # 10 of the first lot, 5 of the second
        )
        .when(lambda a: a.restore(SALE, A_MONTH_LATER))
        .then(
            event(
                LoyaltyAccount.Restored,
                source=SALE,
                points=15,
                value=Money.of("0.15"),
                refunded=None,
                lots=[Lot(5, later), Lot(10, GIVEN_AT + YEAR)],
                next_expiry=GIVEN_AT + YEAR,
                at=A_MONTH_LATER,
            )
        )
    )
    assert account.lots == (Lot(10, GIVEN_AT + YEAR), Lot(20, later))
    assert account.balance == 30


def test_points_are_given_back_once_however_often_the_cancellation_is_told() -> None:
    account = given(OPENED, earned(ORDER, 10, "10.00"), redeemed(SALE, 4, "0.04")).when(
        lambda a: a.restore(SALE, GIVEN_AT)
    )
    account.then(
        event(
            LoyaltyAccount.Restored,
            source=SALE,
            points=4,
            value=Money.of("0.04"),
            refunded=None,
            lots=[Lot(4, GIVEN_AT + YEAR)],
            next_expiry=GIVEN_AT + YEAR,
            at=GIVEN_AT,
        )
    )
    again = given(
        OPENED,
        earned(ORDER, 10, "10.00"),
        redeemed(SALE, 4, "0.04"),
        event(
            LoyaltyAccount.Restored,
            source=SALE,
            points=4,
            value=Money.of("0.04"),
            refunded=None,
            lots=[Lot(4, GIVEN_AT + YEAR)],
            next_expiry=GIVEN_AT + YEAR,
            at=GIVEN_AT,
        ),
    )
    again.when(lambda a: a.restore(SALE, GIVEN_AT)).then_nothing()


def test_a_purchase_that_paid_with_no_points_gives_nothing_back() -> None:
    given(OPENED, earned(ORDER, 10, "10.00")).when(
        lambda a: a.restore(ORDER, GIVEN_AT)
    ).then_nothing()
    account = given(OPENED, earned(ORDER, 10, "10.00")).when(lambda a: None).then_nothing()
    split = account.refund_split(ORDER, Money.of("3.00"), Money.of("10.00"))
    assert (split.money, split.points, split.value) == (Money.of("3.00"), 0, Money.zero())


def _refund(account: LoyaltyAccount, goods: str, purchase: str) -> tuple[Money, int, Money]:
    split = account.refund_split(SALE, Money.of(goods), Money.of(purchase))
    account.restore_for_refund(SALE, split, GIVEN_AT)
    assert split.money + split.value == Money.of(goods)  # never a cent lost or made
    return split.money, split.points, split.value


def test_a_refund_splits_money_and_points_as_the_purchase_was_paid() -> None:
    # 100.00 of goods: 30.00 in 3000 points, 70.00 in money
    account = (
        given(OPENED, earned(ORDER, 5000, "5000.00"), redeemed(SALE, 3000, "30.00"))
        .when(lambda a: None)
        .then_nothing()
    )
    assert _refund(account, "25.00", "100.00") == (Money.of("17.50"), 750, Money.of("7.50"))
    restored = account.collect_events()[-1]
    assert isinstance(restored, LoyaltyAccount.Restored)
    assert (restored.points, restored.refunded) == (750, Money.of("25.00"))
    assert account.balance == 2000 + 750


def test_refunds_in_thirds_lose_and_make_no_cent_and_no_point() -> None:
    # 10.00 of goods: 1.01 in 101 points, 8.99 in money; three refunds of 3.33, 3.33, 3.34
    account = (
        given(OPENED, earned(ORDER, 200, "200.00"), redeemed(SALE, 101, "1.01"))
        .when(lambda a: None)
        .then_nothing()
    )
    parts = [_refund(account, goods, "10.00") for goods in ("3.33", "3.33", "3.34")]
    assert sum((money for money, _, _ in parts), Money.zero()) == Money.of("8.99")
    assert sum(points for _, points, _ in parts) == 101
    assert [money for money, _, _ in parts] == [
        Money.of("2.99"),
        Money.of("2.99"),
        Money.of("3.01"),
    ]
    assert account.balance == 200


def test_a_point_worth_more_than_a_cent_comes_back_whole_by_the_last_refund() -> None:
    # points worth 0.05: 3 points paid 0.15 of 1.00; refunds of 0.40 and 0.60
    account = (
        given(OPENED, earned(ORDER, 10, "10.00"), redeemed(SALE, 3, "0.15"))
        .when(lambda a: None)
        .then_nothing()
    )
    first = _refund(account, "0.40", "1.00")
    assert first == (Money.of("0.34"), 1, Money.of("0.06"))  # 1.2 points: 1 now, the rest later
    assert _refund(account, "0.60", "1.00") == (Money.of("0.51"), 2, Money.of("0.09"))
    assert account.balance == 10


def test_a_purchase_paid_in_points_alone_refunds_no_money() -> None:
    account = (
        given(OPENED, earned(ORDER, 100, "100.00"), redeemed(SALE, 50, "0.50"))
        .when(lambda a: None)
        .then_nothing()
    )
    assert _refund(account, "0.20", "0.50") == (Money.zero(), 20, Money.of("0.20"))
    assert _refund(account, "0.30", "0.50") == (Money.zero(), 30, Money.of("0.30"))
    assert account.balance == 100


def test_a_cancelled_part_gives_back_points_up_to_a_total_and_the_refund_counts_the_rest() -> None:
    # 63.95 of goods: 60.00 in 6000 points; a 39.00 line cancelled, 35.05 of it in points
    account = (
        given(OPENED, earned(ORDER, 7000, "7000.00"), redeemed(SALE, 6000, "60.00"))
        .when(lambda a: a.restore_up_to(SALE, 3505, GIVEN_AT))
        .then(
            event(
                LoyaltyAccount.Restored,
                source=SALE,
                points=3505,
                value=Money.of("35.05"),
                refunded=None,
                lots=[Lot(3505, GIVEN_AT + YEAR)],
                next_expiry=GIVEN_AT + YEAR,
                at=GIVEN_AT,
            )
        )
    )
    assert account.restore_up_to(SALE, 3505, GIVEN_AT) == 0  # told again: nothing more
    # the 24.95 kept was paid with the 2495 points left: a refund of it is all points
    assert _refund(account, "24.95", "24.95") == (Money.zero(), 2495, Money.of("24.95"))
    assert account.balance == 7000
    assert account.restore(SALE, GIVEN_AT) == 0  # nothing left to give back


def test_what_purchases_paid_with_survives_a_snapshot() -> None:
    account = (
        given(OPENED, earned(ORDER, 7000, "7000.00"), redeemed(SALE, 6000, "60.00"))
        .when(lambda a: None)
        .then_nothing()
    )
    account.restore_up_to(SALE, 3505, GIVEN_AT)
    _refund(account, "10.00", "24.95")
    account.collect_events()
    codec, snapshot = EventCodec(), Snapshot.take(account)
    restored = codec.decode_snapshot(
        account.id, account.version, snapshot.topic, codec.encode_snapshot(snapshot), GIVEN_AT
    ).mutate(None)
    assert vars(restored) == vars(account)
    assert restored.paid_with_points(SALE) == (6000, Money.of("60.00"))
    assert restored.restore(SALE, GIVEN_AT) == 6000 - 3505 - 1000


def test_a_refund_all_in_money_is_still_counted_for_the_next_one() -> None:
    # 1.00 of goods: 0.01 in 1 point, 0.99 in money; refunds of 0.50, 0.01 and 0.49
    account = (
        given(OPENED, earned(ORDER, 10, "10.00"), redeemed(SALE, 1, "0.01"))
        .when(lambda a: None)
        .then_nothing()
    )
    assert _refund(account, "0.50", "1.00") == (Money.of("0.49"), 1, Money.of("0.01"))
    assert _refund(account, "0.01", "1.00") == (Money.of("0.01"), 0, Money.zero())
    restored = account.collect_events()[-1]
    assert isinstance(restored, LoyaltyAccount.Restored)  # recorded: 0 points, 0.01 of goods
    assert restored.refunded == Money.of("0.01")
    assert _refund(account, "0.49", "1.00") == (Money.of("0.49"), 0, Money.zero())
    assert account.balance == 10
