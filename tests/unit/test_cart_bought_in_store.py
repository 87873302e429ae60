"""A cart rung up at a till: given the cart's past, when the till sells the basket at the
counter as its continuation, then `BoughtInStore` with how the basket differed, or a refusal."""

from __future__ import annotations

from uuid import UUID

import pytest
from eventsourcing.domain import Snapshot

from adapters.codec import EventCodec
from domain.cart.code import InvalidCartCode, cart_code, parse_cart_code
from domain.cart.model import Cart, CartClosed, CartStatus, CounterChange
from tests.gwt import GIVEN_AT, STREAM_ID, event, given
from tests.unit.test_cart import (
    ABANDONED,
    ADA_CART,
    CHECKED_OUT,
    GUEST_CART,
    LAMP_PRICE,
    MERGED,
    ONE_CLOCK,
)

SALE = UUID("5a1e5a1e-0000-4000-8000-000000000001")
TWO_LAMPS = event(Cart.LineAdded, sku="LAVA-LAMP", quantity=2, unit_price=LAMP_PRICE, at=GIVEN_AT)
STORE = "AMS-CENTRAAL"


def rung_up(**bought: int):  # type: ignore[no-untyped-def]
    return lambda cart: cart.buy_in_store(SALE, STORE, bought, GIVEN_AT)


class TestAnOpenCartRungUpAtTheTill:
    def test_the_basket_as_the_cart_held_it_records_no_change(self) -> None:
        cart = (
            given(ADA_CART, ONE_CLOCK, TWO_LAMPS)
            .when(rung_up(**{"RETRO-CLOCK": 1, "LAVA-LAMP": 2}))
            .then(event(Cart.BoughtInStore, sale_id=SALE, store_id=STORE, changes=[], at=GIVEN_AT))
        )
        assert cart.status is CartStatus.BOUGHT_IN_STORE and not cart.is_open

    def test_lines_added_left_out_or_changed_at_the_counter_are_recorded(self) -> None:
        given(ADA_CART, ONE_CLOCK, TWO_LAMPS).when(rung_up(**{"LAVA-LAMP": 1, "DESK-FAN": 1})).then(
            event(
                Cart.BoughtInStore,
                sale_id=SALE,
                store_id=STORE,
                changes=[
                    CounterChange("DESK-FAN", in_cart=0, bought=1),
                    CounterChange("LAVA-LAMP", in_cart=2, bought=1),
                    CounterChange("RETRO-CLOCK", in_cart=1, bought=0),
                ],
                at=GIVEN_AT,
            )
        )

    def test_a_guest_cart_is_rung_up_too(self) -> None:
        given(GUEST_CART, ONE_CLOCK).when(rung_up(**{"RETRO-CLOCK": 1})).then(
            event(Cart.BoughtInStore, sale_id=SALE, store_id=STORE, changes=[], at=GIVEN_AT)
        )


@pytest.mark.parametrize(
    ("closing", "status"),
    [(CHECKED_OUT, "checked_out"), (MERGED, "merged"), (ABANDONED, "abandoned")],
)
def test_a_closed_cart_is_not_rung_up(closing, status: str) -> None:  # type: ignore[no-untyped-def]
    given(ADA_CART, ONE_CLOCK, closing).when(rung_up(**{"RETRO-CLOCK": 1})).then_raises(
        CartClosed, status=status
    )


BOUGHT = event(Cart.BoughtInStore, sale_id=SALE, store_id=STORE, changes=[], at=GIVEN_AT)


class TestACartBoughtInStore:
    def test_accepts_no_more_lines(self) -> None:
        given(ADA_CART, ONE_CLOCK, BOUGHT).when(
            lambda cart: cart.add_line("LAVA-LAMP", 1, LAMP_PRICE, GIVEN_AT)
        ).then_raises(CartClosed, status="bought_in_store")

    def test_is_not_checked_out_or_rung_up_again(self) -> None:
        given(ADA_CART, ONE_CLOCK, BOUGHT).when(
            lambda cart: cart.check_out(SALE, GIVEN_AT)
        ).then_raises(CartClosed)
        given(ADA_CART, ONE_CLOCK, BOUGHT).when(rung_up(**{"RETRO-CLOCK": 1})).then_raises(
            CartClosed
        )

    def test_its_state_survives_a_snapshot(self) -> None:
        cart = given(ADA_CART, ONE_CLOCK, BOUGHT).aggregate
        codec, snapshot = EventCodec(), Snapshot.take(cart)
        restored = codec.decode_snapshot(
            STREAM_ID, cart.version, snapshot.topic, codec.encode_snapshot(snapshot), GIVEN_AT
        ).mutate(None)
        assert vars(restored) == vars(cart) and restored.status is CartStatus.BOUGHT_IN_STORE

    def test_its_event_round_trips_through_the_codec(self) -> None:
        recorded = given(ADA_CART, ONE_CLOCK).when(rung_up(**{"DESK-FAN": 2})).new_events[0]
        encoded = EventCodec().encode(recorded)
        decoded = EventCodec().decode(
            encoded.stream_id, encoded.version, encoded.topic, encoded.schema_version, encoded.state
        )
        assert decoded.changes == [
            CounterChange("DESK-FAN", in_cart=0, bought=2),
            CounterChange("RETRO-CLOCK", in_cart=1, bought=0),
        ]
        assert decoded.at == GIVEN_AT


def test_a_carts_code_names_the_cart_and_nothing_else_is_one() -> None:
    assert parse_cart_code(f"  {cart_code(SALE)} ") == SALE
    assert parse_cart_code(cart_code(SALE).upper().replace("OMNI-CART", "omni-cart")) == SALE
    for wrong in ("", str(SALE), "omni-cart:", "omni-cart:not-a-uuid", "LOYAL-0001"):
        with pytest.raises(InvalidCartCode):
            parse_cart_code(wrong)
