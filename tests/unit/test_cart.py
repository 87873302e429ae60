"""Cart: given past events, when a command, then new events or a refusal."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

from eventsourcing.domain import Snapshot

from adapters.codec import EventCodec
from domain.cart.model import (
    MAX_LINE_QUANTITY,
    Cart,
    CartBelongsToAnotherCustomer,
    CartClosed,
    CartLine,
    CartStillActive,
    CurrencyMismatch,
    EmptyCart,
    InvalidQuantity,
    LineNotInCart,
)
from domain.values import Channel, Money
from tests.gwt import GIVEN_AT, STREAM_ID, event, given

CLOCK_PRICE = Money.of("24.95")
LAMP_PRICE = Money.of("39.00")
ORDER = UUID("0c0c0c0c-0000-4000-8000-000000000001")
CUSTOMER_CART = UUID("0d0d0d0d-0000-4000-8000-000000000001")
NIGHT = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
IDLE = timedelta(days=30)

AT = GIVEN_AT  # the service clock's time of the given facts
GUEST_CART = event(
    Cart.Created,
    channel=Channel.MOBILE,
    device_id="phone",
    customer_id=None,
    currency="EUR",
    at=AT,
)
ADA_CART = event(
    Cart.Created,
    channel=Channel.WEB,
    device_id="laptop",
    customer_id="cust-ada",
    currency="EUR",
    at=AT,
)
ONE_CLOCK = event(Cart.LineAdded, sku="RETRO-CLOCK", quantity=1, unit_price=CLOCK_PRICE, at=AT)
CHECKED_OUT = event(Cart.CheckedOut, order_id=ORDER, at=AT)
MERGED = event(Cart.MergedInto, target_cart_id=CUSTOMER_CART, at=AT)
ABANDONED = event(Cart.Abandoned, at=NIGHT)


def test_a_guest_starts_a_cart_on_a_device() -> None:
    cart = (
        given()
        .when(lambda _: Cart.create(STREAM_ID, Channel.MOBILE, "phone", at=AT))
        .then(GUEST_CART)
    )
    assert cart.is_open and cart.customer_id is None and cart.item_count == 0


class TestLines:
    def test_adds_a_line_at_the_given_price(self) -> None:
        cart = (
            given(GUEST_CART)
            .when(lambda c: c.add_line("RETRO-CLOCK", 2, CLOCK_PRICE, AT))
            .then(
                event(Cart.LineAdded, sku="RETRO-CLOCK", quantity=2, unit_price=CLOCK_PRICE, at=AT)
            )
        )
        assert cart.lines["RETRO-CLOCK"] == CartLine("RETRO-CLOCK", 2, CLOCK_PRICE)
        assert cart.total == Money.of("49.90")

    def test_adding_a_sku_again_adds_to_its_quantity(self) -> None:
        cart = (
            given(GUEST_CART, ONE_CLOCK)
            .when(lambda c: c.add_line("RETRO-CLOCK", 2, CLOCK_PRICE, AT))
            .then(
                event(Cart.LineAdded, sku="RETRO-CLOCK", quantity=2, unit_price=CLOCK_PRICE, at=AT)
            )
        )
        assert cart.item_count == 3

    def test_refuses_a_quantity_of_zero_or_less(self) -> None:
        given(GUEST_CART).when(lambda c: c.add_line("RETRO-CLOCK", 0, CLOCK_PRICE, AT)).then_raises(
            InvalidQuantity, quantity=0
        )

    def test_refuses_more_than_the_line_maximum(self) -> None:
        given(GUEST_CART, ONE_CLOCK).when(
            lambda c: c.add_line("RETRO-CLOCK", MAX_LINE_QUANTITY, CLOCK_PRICE, AT)
        ).then_raises(InvalidQuantity, sku="RETRO-CLOCK")

    def test_refuses_a_price_in_another_currency(self) -> None:
        given(GUEST_CART).when(
            lambda c: c.add_line("RETRO-CLOCK", 1, Money.of("20.00", "USD"), AT)
        ).then_raises(CurrencyMismatch, currency="USD")

    def test_changes_a_quantity(self) -> None:
        cart = (
            given(GUEST_CART, ONE_CLOCK)
            .when(lambda c: c.change_quantity("RETRO-CLOCK", 4, AT))
            .then(event(Cart.QuantityChanged, sku="RETRO-CLOCK", quantity=4, at=AT))
        )
        assert cart.item_count == 4

    def test_a_quantity_of_zero_removes_the_line(self) -> None:
        cart = (
            given(GUEST_CART, ONE_CLOCK)
            .when(lambda c: c.change_quantity("RETRO-CLOCK", 0, AT))
            .then(event(Cart.LineRemoved, sku="RETRO-CLOCK", at=AT))
        )
        assert cart.lines == {}

    def test_changing_a_line_not_in_the_cart_is_refused(self) -> None:
        given(GUEST_CART).when(lambda c: c.change_quantity("LAVA-LAMP", 2, AT)).then_raises(
            LineNotInCart, sku="LAVA-LAMP"
        )

    def test_removes_a_line(self) -> None:
        given(GUEST_CART, ONE_CLOCK).when(lambda c: c.remove_line("RETRO-CLOCK", AT)).then(
            event(Cart.LineRemoved, sku="RETRO-CLOCK", at=AT)
        )

    def test_removing_a_line_not_in_the_cart_is_refused(self) -> None:
        given(GUEST_CART).when(lambda c: c.remove_line("LAVA-LAMP", AT)).then_raises(LineNotInCart)


class TestSignIn:
    def test_a_guest_cart_is_assigned_to_the_customer(self) -> None:
        cart = (
            given(GUEST_CART, ONE_CLOCK)
            .when(lambda c: c.assign_to("cust-ada", AT))
            .then(event(Cart.AssignedToCustomer, customer_id="cust-ada", at=AT))
        )
        assert cart.customer_id == "cust-ada"

    def test_assigning_to_the_same_customer_again_records_nothing(self) -> None:
        given(ADA_CART).when(lambda c: c.assign_to("cust-ada", AT)).then_nothing()

    def test_a_customer_cart_cannot_be_taken_by_another_customer(self) -> None:
        given(ADA_CART).when(lambda c: c.assign_to("cust-bob", AT)).then_raises(
            CartBelongsToAnotherCustomer, customer_id="cust-bob"
        )

    def test_merging_sums_quantities_and_reports_capped_lines(self) -> None:
        guest = given(
            GUEST_CART,
            ONE_CLOCK,
            event(Cart.LineAdded, sku="LAVA-LAMP", quantity=2, unit_price=LAMP_PRICE, at=AT),
        ).aggregate
        customer = given(
            ADA_CART,
            event(Cart.LineAdded, sku="LAVA-LAMP", quantity=98, unit_price=LAMP_PRICE, at=AT),
            stream_id=CUSTOMER_CART,
        ).aggregate
        capped = customer.absorb(guest, AT)
        assert capped == ["LAVA-LAMP"]
        [merged] = customer.collect_events()
        assert merged.lines == [
            CartLine("RETRO-CLOCK", 1, CLOCK_PRICE),
            CartLine("LAVA-LAMP", MAX_LINE_QUANTITY, LAMP_PRICE),
        ]
        assert customer.item_count == 1 + MAX_LINE_QUANTITY

    def test_a_merged_guest_cart_is_closed(self) -> None:
        cart = (
            given(GUEST_CART, ONE_CLOCK)
            .when(lambda c: c.merge_into(CUSTOMER_CART, AT))
            .then(MERGED)
        )
        assert not cart.is_open and cart.merged_into == CUSTOMER_CART


class TestClosedCarts:
    def test_a_merged_cart_accepts_no_more_lines(self) -> None:
        given(GUEST_CART, ONE_CLOCK, MERGED).when(
            lambda c: c.add_line("LAVA-LAMP", 1, LAMP_PRICE, AT)
        ).then_raises(CartClosed, status="merged")

    def test_a_checked_out_cart_accepts_no_changes(self) -> None:
        given(GUEST_CART, ONE_CLOCK, CHECKED_OUT).when(
            lambda c: c.change_quantity("RETRO-CLOCK", 2, AT)
        ).then_raises(CartClosed, status="checked_out")

    def test_a_checked_out_cart_cannot_be_checked_out_again(self) -> None:
        given(GUEST_CART, ONE_CLOCK, CHECKED_OUT).when(
            lambda c: c.check_out(ORDER, AT)
        ).then_raises(CartClosed)

    def test_an_abandoned_cart_cannot_be_assigned(self) -> None:
        given(GUEST_CART, ABANDONED).when(lambda c: c.assign_to("cust-ada", AT)).then_raises(
            CartClosed, status="abandoned"
        )


class TestCheckoutAndAbandonment:
    def test_checking_out_records_the_order(self) -> None:
        cart = given(GUEST_CART, ONE_CLOCK).when(lambda c: c.check_out(ORDER, AT)).then(CHECKED_OUT)
        assert cart.order_id == ORDER

    def test_an_empty_cart_cannot_be_checked_out(self) -> None:
        given(GUEST_CART).when(lambda c: c.check_out(ORDER, AT)).then_raises(EmptyCart)

    def test_an_idle_cart_is_abandoned_once(self) -> None:
        given(GUEST_CART, ONE_CLOCK).when(lambda c: c.abandon(NIGHT, IDLE)).then(ABANDONED)
        given(GUEST_CART, ABANDONED).when(lambda c: c.abandon(NIGHT, IDLE)).then_raises(CartClosed)

    def test_a_cart_active_within_the_idle_limit_is_not_abandoned(self) -> None:
        given(GUEST_CART, ONE_CLOCK).when(
            lambda c: c.abandon(GIVEN_AT + timedelta(hours=1), IDLE)
        ).then_raises(CartStillActive)

    def test_idleness_counts_from_the_clock_time_of_the_last_activity(self) -> None:
        """The library stamps events with the wall clock; only `at` (the service clock) counts."""
        recent = NIGHT - timedelta(days=1)
        line_added_recently_by_the_clock = event(
            Cart.LineAdded,
            sku="RETRO-CLOCK",
            quantity=1,
            unit_price=CLOCK_PRICE,
            at=recent,
            timestamp=GIVEN_AT - timedelta(days=365),
        )
        given(GUEST_CART, line_added_recently_by_the_clock).when(
            lambda c: c.abandon(NIGHT, IDLE)
        ).then_raises(CartStillActive, last_activity=recent)


class TestEventsFromBeforeTheClockTimes:
    def test_an_old_event_takes_its_timestamp_as_its_time(self) -> None:
        codec = EventCodec()
        stored = codec.encode(ONE_CLOCK.build(STREAM_ID, 2))
        state = json.loads(stored.state)
        del state["at"]
        state["timestamp"] = NIGHT.isoformat()
        old = codec.decode(STREAM_ID, 2, stored.topic, 1, json.dumps(state).encode())
        assert isinstance(old, Cart.LineAdded) and old.at == NIGHT

    def test_an_old_snapshot_takes_its_last_modification_as_its_last_activity(self) -> None:
        cart = given(GUEST_CART, ONE_CLOCK).aggregate
        snapshot = Snapshot.take(cart)
        state = {
            k: v for k, v in snapshot.state.items() if k not in ("last_active_at", "class_version")
        }
        state["_modified_on"] = NIGHT
        old = Snapshot(  # type: ignore[call-arg]
            originator_id=STREAM_ID,
            originator_version=2,
            timestamp=NIGHT,
            topic=snapshot.topic,
            state=state,
        )
        restored = old.mutate(None)
        assert isinstance(restored, Cart) and restored.last_active_at == NIGHT

    def test_every_state_attribute_survives_a_snapshot(self) -> None:
        cart = given(ADA_CART, ONE_CLOCK).aggregate
        codec, snapshot = EventCodec(), Snapshot.take(cart)
        restored = codec.decode_snapshot(
            STREAM_ID, cart.version, snapshot.topic, codec.encode_snapshot(snapshot), NIGHT
        ).mutate(None)
        assert vars(restored) == vars(cart)
