"""A merged profile's ledger moves to the survivor's: given each ledger's past events, when the
duplicate's is transferred, then the events both record (or the refusal, and nothing recorded)
and the survivor answers a later refund or cancellation as the duplicate would have."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from adapters.codec import EventCodec
from domain.customer.profile import SameCustomer
from domain.loyalty.model import Earning, LedgerMoved, Lot, LoyaltyAccount, LoyaltyRules, Spending
from domain.register import personal_data, undeclared_texts
from domain.values import Money
from tests.gwt import GIVEN_AT, EventSpec, domain_fields, event, given

RULES = LoyaltyRules()
YEAR = timedelta(days=365)
LATER = GIVEN_AT + timedelta(days=30)
MERGED_AT = GIVEN_AT + timedelta(days=60)
ORDER, SALE, OWN = "order:web-1", "sale:till-7", "sale:till-9"
SURVIVOR_STREAM = LoyaltyAccount.open("cust-ada", GIVEN_AT).id


def opened(customer_id: str) -> EventSpec:
    return event(LoyaltyAccount.Opened, customer_id=customer_id, at=GIVEN_AT)


def earned(source: str, points: int, at=GIVEN_AT, settled: int = 0, next_expiry=None):  # type: ignore[no-untyped-def]
    return event(
        LoyaltyAccount.Earned,
        source=source,
        points=points,
        basis=Money.of(points),
        settled=settled,
        expires_at=at + YEAR,
        next_expiry=next_expiry or at + YEAR,
        at=at,
    )


def redeemed(source: str, points: int, next_expiry=None):  # type: ignore[no-untyped-def]
    return event(
        LoyaltyAccount.Redeemed,
        source=source,
        points=points,
        value=Money.of(points / 100),
        next_expiry=next_expiry,
        at=GIVEN_AT,
    )


def survivor(*history: EventSpec) -> LoyaltyAccount:
    return given(opened("cust-ada"), *history, stream_id=SURVIVOR_STREAM).aggregate  # type: ignore[return-value]


def new_events(account: LoyaltyAccount) -> list[tuple[type, dict[str, Any]]]:
    return [(type(e), domain_fields(e)) for e in account.collect_events()]


# Ada-old earned 100 points on an order, then 20 more on another a month later, and paid with
# 30 of them (from the oldest lot) at a till.
OLD_LEDGER = (
    opened("cust-ada-old"),
    earned(ORDER, 100),
    earned("order:web-2", 20, at=LATER, next_expiry=GIVEN_AT + YEAR),
    redeemed(SALE, 30, next_expiry=GIVEN_AT + YEAR),
)


def test_the_lots_move_with_their_expiry_and_each_purchases_record_comes_along() -> None:
    ada = survivor(earned(OWN, 50, at=LATER + timedelta(days=1)))

    given(*OLD_LEDGER).when(lambda old: old.transfer_to(ada, MERGED_AT)).then(
        event(
            LoyaltyAccount.TransferredOut,
            survivor_id="cust-ada",
            points=90,
            owed=0,
            next_expiry=None,
            at=MERGED_AT,
        )
    )

    assert new_events(ada) == [
        (
            LoyaltyAccount.TransferredIn,
            {
                "duplicate_id": "cust-ada-old",
                "points": 90,
                "owed": 0,
                "settled": 0,
                "lots": [Lot(70, GIVEN_AT + YEAR), Lot(20, LATER + YEAR)],
                "earnings": {
                    ORDER: Earning(100, Money.of(100), Money.zero()),
                    "order:web-2": Earning(20, Money.of(20), Money.zero()),
                },
                "spendings": {SALE: Spending(30, Money.of("0.30"), (Lot(30, GIVEN_AT + YEAR),))},
                "next_expiry": GIVEN_AT + YEAR,
                "at": MERGED_AT,
            },
        )
    ]
    assert ada.balance == 50 + 90
    assert ada.lots == (
        Lot(70, GIVEN_AT + YEAR),
        Lot(20, LATER + YEAR),
        Lot(50, LATER + timedelta(days=1) + YEAR),
    )


def test_a_refund_after_the_merge_reverses_on_the_survivor_as_on_the_duplicate() -> None:
    ada, before = survivor(), given(*OLD_LEDGER).aggregate
    before.reverse(ORDER, Money.of(40), MERGED_AT)
    old = given(*OLD_LEDGER).when(lambda old: old.transfer_to(ada, MERGED_AT)).aggregate
    ada.collect_events()

    assert ada.reverse(ORDER, Money.of(40), MERGED_AT) == 40
    assert (ada.balance, ada.owed, ada.lots) == (before.balance, before.owed, before.lots)
    assert old.balance == 0


def test_points_paid_with_come_back_on_the_survivor_with_the_expiry_they_were_spent_with() -> None:
    ada = survivor(earned(OWN, 50, at=LATER))
    given(*OLD_LEDGER).when(lambda old: old.transfer_to(ada, MERGED_AT))
    ada.collect_events()

    assert ada.restore(SALE, MERGED_AT) == 30
    restored = ada.collect_events()[-1]
    assert (restored.points, restored.lots) == (30, [Lot(30, GIVEN_AT + YEAR)])
    assert ada.balance == 50 + 90 + 30


def test_what_the_duplicate_owes_is_paid_off_by_the_survivors_points_at_once() -> None:
    owing = (
        opened("cust-ada-old"),
        earned(ORDER, 10),
        redeemed(SALE, 10),
        event(
            LoyaltyAccount.Reversed,
            source=ORDER,
            points=10,
            refunded=Money.of(10),
            owed=10,
            next_expiry=None,
            at=LATER,
        ),
    )
    ada = survivor(earned(OWN, 100, at=LATER))

    given(*owing).when(lambda old: old.transfer_to(ada, MERGED_AT)).then(
        event(
            LoyaltyAccount.TransferredOut,
            survivor_id="cust-ada",
            points=0,
            owed=10,
            next_expiry=None,
            at=MERGED_AT,
        )
    )

    moved_in = ada.collect_events()[-1]
    assert (moved_in.points, moved_in.owed, moved_in.settled) == (0, 10, 10)
    assert (ada.balance, ada.owed) == (90, 0)


def test_owed_points_nothing_can_pay_off_stay_owed_and_the_next_earning_settles_them() -> None:
    owing = (
        opened("cust-ada-old"),
        earned(ORDER, 10),
        redeemed(SALE, 10),
        event(
            LoyaltyAccount.Reversed,
            source=ORDER,
            points=10,
            refunded=Money.of(10),
            owed=10,
            next_expiry=None,
            at=LATER,
        ),
    )
    ada = survivor()
    given(*owing).when(lambda old: old.transfer_to(ada, MERGED_AT))

    assert (ada.balance, ada.owed, ada.next_expiry) == (0, 10, None)
    ada.earn(OWN, Money.of(25), RULES, MERGED_AT)
    assert (ada.balance, ada.owed) == (15, 0)


def test_moving_again_to_the_same_survivor_records_nothing() -> None:
    ada = survivor()
    old = given(*OLD_LEDGER).when(lambda old: old.transfer_to(ada, MERGED_AT)).aggregate
    ada.collect_events()

    assert old.transfer_to(ada, MERGED_AT) == 0
    assert (old.collect_events(), ada.collect_events()) == ([], [])
    assert ada.balance == 90


def test_a_moved_ledger_takes_nothing_more() -> None:
    moved = (
        *OLD_LEDGER,
        event(
            LoyaltyAccount.TransferredOut,
            survivor_id="cust-ada",
            points=90,
            owed=0,
            next_expiry=None,
            at=MERGED_AT,
        ),
    )
    for command in (
        lambda old: old.earn("order:web-3", Money.of(10), RULES, MERGED_AT),
        lambda old: old.redeem("sale:till-8", 1, Money.of("0.01"), MERGED_AT),
        lambda old: old.reverse(ORDER, Money.of(10), MERGED_AT),
        lambda old: old.restore(SALE, MERGED_AT),
    ):
        given(*moved).when(command).then_raises(
            LedgerMoved, customer_id="cust-ada-old", survivor_id="cust-ada"
        )
    bob = LoyaltyAccount.open("cust-bob", GIVEN_AT)
    given(*moved).when(lambda old: old.transfer_to(bob, MERGED_AT)).then_raises(LedgerMoved)
    given(*moved).when(lambda old: old.expire(MERGED_AT + YEAR)).then_nothing()  # a late tick


def test_a_ledger_is_not_moved_onto_itself_nor_onto_one_moved_away() -> None:
    given(*OLD_LEDGER).when(lambda old: old.transfer_to(old, MERGED_AT)).then_raises(SameCustomer)
    gone = given(
        opened("cust-ada"),
        event(
            LoyaltyAccount.TransferredOut,
            survivor_id="cust-ada-new",
            points=0,
            owed=0,
            next_expiry=None,
            at=GIVEN_AT,
        ),
        stream_id=SURVIVOR_STREAM,
    ).aggregate
    given(*OLD_LEDGER).when(lambda old: old.transfer_to(gone, MERGED_AT)).then_raises(
        LedgerMoved, customer_id="cust-ada", survivor_id="cust-ada-new"
    )


def test_the_transfer_keeps_no_personal_text_and_round_trips_the_codec() -> None:
    assert not any(name.startswith("LoyaltyAccount") for name in personal_data())
    for cls in (LoyaltyAccount.TransferredOut, LoyaltyAccount.TransferredIn):
        assert not undeclared_texts(cls)
    ada = survivor()
    given(*OLD_LEDGER).when(lambda old: old.transfer_to(ada, MERGED_AT))
    (moved_in,) = ada.collect_events()
    codec = EventCodec()
    encoded = codec.encode(moved_in)
    decoded = codec.decode(
        encoded.stream_id, encoded.version, encoded.topic, encoded.schema_version, encoded.state
    )
    assert domain_fields(decoded) == domain_fields(moved_in)


def test_a_purchase_recorded_on_both_ledgers_adds_up() -> None:
    """Not expected (a purchase earns on one ledger), but nothing is lost if it happens."""
    ada = survivor(earned(ORDER, 50, at=LATER))
    given(*OLD_LEDGER).when(lambda old: old.transfer_to(ada, MERGED_AT))

    assert ada.earnings[ORDER] == Earning(150, Money.of(150), Money.zero())
    assert ada.reverse(ORDER, Money.of(150), MERGED_AT) == 150
