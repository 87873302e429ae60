"""Cart recovery: given an abandoned cart, when recovered, then Recovered with every change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

from adapters.codec import EventCodec
from domain.cart.model import (
    Cart,
    CartLine,
    CartNotAbandoned,
    CartStatus,
    CartStillActive,
    LineRecovery,
    NotCartOwner,
    RecoveryChange,
    Shopper,
    Supply,
)
from domain.values import Channel, Money
from tests.gwt import STREAM_ID, event, given

CLOCK_PRICE = Money.of("24.95")
LAMP_PRICE = Money.of("39.00")
CHEAPER_LAMP = Money.of("35.00")
NIGHT = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
MORNING = datetime(2026, 12, 9, 8, 0, tzinfo=UTC)
TODAY = {"RETRO-CLOCK": CLOCK_PRICE, "LAVA-LAMP": LAMP_PRICE, "VINYL-PLAYER": Money.of("149")}
PLENTY = {"RETRO-CLOCK": 50, "LAVA-LAMP": 50, "VINYL-PLAYER": 50}

EVENING = NIGHT - timedelta(days=31)
ADA_CART = event(
    Cart.Created,
    channel=Channel.WEB,
    device_id="laptop",
    customer_id="cust-ada",
    currency="EUR",
    at=EVENING,
)
GUEST_CART = event(
    Cart.Created,
    channel=Channel.MOBILE,
    device_id="phone",
    customer_id=None,
    currency="EUR",
    at=EVENING,
)
TWO_CLOCKS = event(
    Cart.LineAdded, sku="RETRO-CLOCK", quantity=2, unit_price=CLOCK_PRICE, at=EVENING
)
THREE_LAMPS = event(Cart.LineAdded, sku="LAVA-LAMP", quantity=3, unit_price=LAMP_PRICE, at=EVENING)
ABANDONED = event(Cart.Abandoned, at=NIGHT)


def in_one_warehouse(units: dict[str, int]) -> dict[str, Supply]:
    return {sku: Supply((("WH-NL", n),)) for sku, n in units.items()}


def recover(prices=TODAY, obtainable=PLENTY, supplies=None):  # type: ignore[no-untyped-def]
    stock = supplies if supplies is not None else in_one_warehouse(obtainable)
    return lambda cart: cart.recover(prices, stock, MORNING)


def recovered(lines: list[CartLine], changes: list[LineRecovery]):  # type: ignore[no-untyped-def]
    return event(Cart.Recovered, lines=lines, changes=changes, at=MORNING)


class TestRecovering:
    def test_an_abandoned_cart_reopens_with_its_lines_when_nothing_changed(self) -> None:
        lines = [CartLine("RETRO-CLOCK", 2, CLOCK_PRICE), CartLine("LAVA-LAMP", 3, LAMP_PRICE)]
        cart = (
            given(ADA_CART, TWO_CLOCKS, THREE_LAMPS, ABANDONED)
            .when(recover())
            .then(recovered(lines, []))
        )
        assert cart.status is CartStatus.OPEN and cart.item_count == 5

    def test_a_line_no_longer_sold_is_dropped(self) -> None:
        gone = LineRecovery(
            "LAVA-LAMP", RecoveryChange.DISCONTINUED, 3, 0, LAMP_PRICE, new_price=None
        )
        without_lamps = {"RETRO-CLOCK": CLOCK_PRICE}
        cart = (
            given(ADA_CART, TWO_CLOCKS, THREE_LAMPS, ABANDONED)
            .when(recover(prices=without_lamps))
            .then(recovered([CartLine("RETRO-CLOCK", 2, CLOCK_PRICE)], [gone]))
        )
        assert list(cart.lines) == ["RETRO-CLOCK"]

    def test_a_changed_price_is_taken_and_reported(self) -> None:
        cheaper = {**TODAY, "LAVA-LAMP": CHEAPER_LAMP}
        repriced = LineRecovery(
            "LAVA-LAMP", RecoveryChange.REPRICED, 3, 3, LAMP_PRICE, CHEAPER_LAMP
        )
        given(ADA_CART, THREE_LAMPS, ABANDONED).when(recover(prices=cheaper)).then(
            recovered([CartLine("LAVA-LAMP", 3, CHEAPER_LAMP)], [repriced])
        )

    def test_a_line_is_reduced_to_what_can_still_be_had(self) -> None:
        reduced = LineRecovery(
            "LAVA-LAMP", RecoveryChange.REDUCED, 3, 1, LAMP_PRICE, LAMP_PRICE, ("WH-NL",)
        )
        given(ADA_CART, THREE_LAMPS, ABANDONED).when(
            recover(obtainable={**PLENTY, "LAVA-LAMP": 1})
        ).then(recovered([CartLine("LAVA-LAMP", 1, LAMP_PRICE)], [reduced]))

    def test_a_line_nobody_has_in_stock_is_dropped(self) -> None:
        sold_out = LineRecovery(
            "RETRO-CLOCK", RecoveryChange.UNAVAILABLE, 2, 0, CLOCK_PRICE, CLOCK_PRICE
        )
        given(ADA_CART, TWO_CLOCKS, THREE_LAMPS, ABANDONED).when(
            recover(obtainable={"LAVA-LAMP": 9})
        ).then(recovered([CartLine("LAVA-LAMP", 3, LAMP_PRICE)], [sold_out]))

    def test_a_line_both_repriced_and_reduced_reports_both(self) -> None:
        cheaper = {**TODAY, "LAVA-LAMP": CHEAPER_LAMP}
        changes = [
            LineRecovery("LAVA-LAMP", RecoveryChange.REPRICED, 3, 3, LAMP_PRICE, CHEAPER_LAMP),
            LineRecovery(
                "LAVA-LAMP", RecoveryChange.REDUCED, 3, 2, LAMP_PRICE, CHEAPER_LAMP, ("WH-NL",)
            ),
        ]
        given(ADA_CART, THREE_LAMPS, ABANDONED).when(
            recover(prices=cheaper, obtainable={"LAVA-LAMP": 2})
        ).then(recovered([CartLine("LAVA-LAMP", 2, CHEAPER_LAMP)], changes))

    def test_a_line_the_named_location_cannot_serve_is_kept_with_where_it_can(self) -> None:
        three_lamps_elsewhere = {
            "LAVA-LAMP": Supply((("AMS-CENTRAAL", 1), ("AMS-ZUID", 3), ("WH-NL", 8)), here=1)
        }
        elsewhere = LineRecovery(
            "LAVA-LAMP",
            RecoveryChange.ONLY_ELSEWHERE,
            3,
            3,
            LAMP_PRICE,
            LAMP_PRICE,
            ("AMS-ZUID", "WH-NL"),
        )
        given(ADA_CART, THREE_LAMPS, ABANDONED).when(recover(supplies=three_lamps_elsewhere)).then(
            recovered([CartLine("LAVA-LAMP", 3, LAMP_PRICE)], [elsewhere])
        )

    def test_a_line_the_named_location_serves_in_full_is_unchanged(self) -> None:
        lamps_here = {"LAVA-LAMP": Supply((("AMS-CENTRAAL", 3), ("WH-NL", 8)), here=3)}
        given(ADA_CART, THREE_LAMPS, ABANDONED).when(recover(supplies=lamps_here)).then(
            recovered([CartLine("LAVA-LAMP", 3, LAMP_PRICE)], [])
        )

    def test_a_reduced_line_says_which_locations_have_what_is_left(self) -> None:
        scattered = {"LAVA-LAMP": Supply((("AMS-CENTRAAL", 0), ("AMS-ZUID", 1), ("WH-NL", 2)), 0)}
        reduced = LineRecovery(
            "LAVA-LAMP", RecoveryChange.REDUCED, 3, 2, LAMP_PRICE, LAMP_PRICE, ("WH-NL",)
        )
        given(ADA_CART, THREE_LAMPS, ABANDONED).when(recover(supplies=scattered)).then(
            recovered([CartLine("LAVA-LAMP", 2, LAMP_PRICE)], [reduced])
        )

    def test_a_recovered_cart_takes_changes_again(self) -> None:
        cart = given(ADA_CART, TWO_CLOCKS, ABANDONED, recovered([], [])).aggregate
        assert cart.is_open
        cart.add_line("LAVA-LAMP", 1, LAMP_PRICE, MORNING)
        assert cart.item_count == 1

    def test_an_open_cart_is_not_recovered(self) -> None:
        given(ADA_CART, TWO_CLOCKS).when(recover()).then_raises(
            CartNotAbandoned, cart_id=STREAM_ID, status="open"
        )

    def test_a_checked_out_cart_is_not_recovered(self) -> None:
        order = UUID("0c0c0c0c-0000-4000-8000-000000000001")
        checked_out = event(Cart.CheckedOut, order_id=order, at=EVENING)
        given(ADA_CART, TWO_CLOCKS, checked_out).when(recover()).then_raises(
            CartNotAbandoned, status="checked_out"
        )

    def test_a_recovered_cart_idles_afresh_before_it_is_abandoned_again(self) -> None:
        after_recovery = event(Cart.Recovered, lines=[], changes=[], at=MORNING, timestamp=MORNING)
        given(ADA_CART, ABANDONED, after_recovery).when(
            lambda c: c.abandon(MORNING + timedelta(days=29), timedelta(days=30))
        ).then_raises(CartStillActive)


class TestWhoMayRecover:
    def test_the_customer_whose_cart_it_is(self) -> None:
        given(ADA_CART, ABANDONED).when(
            lambda c: c.require_owned_by(Shopper(customer_id="cust-ada"))
        ).then_nothing()

    def test_not_another_customer(self) -> None:
        given(ADA_CART, ABANDONED).when(
            lambda c: c.require_owned_by(Shopper(customer_id="cust-bob"))
        ).then_raises(NotCartOwner, cart_id=STREAM_ID)

    def test_not_a_guest_for_a_customers_cart(self) -> None:
        given(ADA_CART, ABANDONED).when(
            lambda c: c.require_owned_by(Shopper(guest_cart_id=STREAM_ID))
        ).then_raises(NotCartOwner)

    def test_the_guest_holding_a_guest_cart(self) -> None:
        given(GUEST_CART, ABANDONED).when(
            lambda c: c.require_owned_by(Shopper(guest_cart_id=STREAM_ID))
        ).then_nothing()

    def test_not_a_guest_holding_another_cart(self) -> None:
        other = UUID("0d0d0d0d-0000-4000-8000-000000000009")
        given(GUEST_CART, ABANDONED).when(
            lambda c: c.require_owned_by(Shopper(guest_cart_id=other))
        ).then_raises(NotCartOwner)

    def test_not_a_customer_for_a_guests_cart(self) -> None:
        given(GUEST_CART, ABANDONED).when(
            lambda c: c.require_owned_by(Shopper(customer_id="cust-ada", guest_cart_id=STREAM_ID))
        ).then_raises(NotCartOwner)


class TestRecoveriesRecordedBefore:
    def test_a_line_recorded_out_of_stock_reads_as_unavailable(self) -> None:
        codec = EventCodec()
        gone = LineRecovery("RETRO-CLOCK", RecoveryChange.UNAVAILABLE, 2, 0, CLOCK_PRICE, None)
        stored = codec.encode(recovered([], [gone]).build(STREAM_ID, 4))
        state = json.loads(stored.state)
        state["changes"][0]["change"] = "out_of_stock"
        del state["changes"][0]["available_at"]

        old = codec.decode(STREAM_ID, 4, stored.topic, 1, json.dumps(state).encode())

        assert isinstance(old, Cart.Recovered) and old.changes == [gone]
