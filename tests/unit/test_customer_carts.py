"""CustomerCarts: given past events, when a command, then new events or a refusal."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Snapshot

from adapters.codec import EventCodec
from domain.customer.model import (
    AnotherCartIsCurrent,
    CartBecameCurrentBecause,
    CurrentCartClosedBecause,
    CustomerCarts,
    NoCurrentCart,
)
from domain.values import customer_carts_id
from tests.gwt import GIVEN_AT, event, given

AT = GIVEN_AT
LAPTOP_CART = UUID("0a0a0a0a-0000-4000-8000-000000000001")
PHONE_CART = UUID("0a0a0a0a-0000-4000-8000-000000000002")
STREAM = customer_carts_id("cust-ada")

OPENED = event(CustomerCarts.Created, customer_id="cust-ada", adopted_cart_id=None, at=AT)
LAPTOP_CURRENT = event(
    CustomerCarts.CartBecameCurrent,
    cart_id=LAPTOP_CART,
    because=CartBecameCurrentBecause.STARTED,
    at=AT,
)


def ada(*history):  # type: ignore[no-untyped-def]
    return given(*history, stream_id=STREAM)


class TestOpening:
    def test_a_customer_stream_has_an_id_derived_from_the_customer(self) -> None:
        carts = ada().when(lambda _: CustomerCarts.open("cust-ada", None, AT)).then(OPENED)
        assert carts.id == STREAM and carts.current_cart_id is None

    def test_a_cart_from_before_the_stream_is_adopted_as_current(self) -> None:
        carts = (
            ada()
            .when(lambda _: CustomerCarts.open("cust-ada", LAPTOP_CART, AT))
            .then(
                event(
                    CustomerCarts.Created,
                    customer_id="cust-ada",
                    adopted_cart_id=LAPTOP_CART,
                    at=AT,
                )
            )
        )
        assert carts.current_cart_id == LAPTOP_CART


class TestTheCurrentCart:
    def test_a_started_cart_becomes_current(self) -> None:
        carts = (
            ada(OPENED)
            .when(lambda c: c.make_current(LAPTOP_CART, CartBecameCurrentBecause.STARTED, AT))
            .then(LAPTOP_CURRENT)
        )
        assert carts.current_cart_id == LAPTOP_CART

    def test_a_second_cart_is_refused_while_one_is_current(self) -> None:
        ada(OPENED, LAPTOP_CURRENT).when(
            lambda c: c.make_current(PHONE_CART, CartBecameCurrentBecause.SIGNED_IN, AT)
        ).then_raises(AnotherCartIsCurrent, current_cart_id=LAPTOP_CART, cart_id=PHONE_CART)

    def test_the_current_cart_made_current_again_records_nothing(self) -> None:
        ada(OPENED, LAPTOP_CURRENT).when(
            lambda c: c.make_current(LAPTOP_CART, CartBecameCurrentBecause.STARTED, AT)
        ).then_nothing()

    def test_a_guest_cart_merged_at_sign_in_is_recorded_against_the_current_one(self) -> None:
        ada(OPENED, LAPTOP_CURRENT).when(lambda c: c.merge_guest_cart(PHONE_CART, AT)).then(
            event(
                CustomerCarts.GuestCartMerged, guest_cart_id=PHONE_CART, cart_id=LAPTOP_CART, at=AT
            )
        )

    def test_no_merge_without_a_current_cart(self) -> None:
        ada(OPENED).when(lambda c: c.merge_guest_cart(PHONE_CART, AT)).then_raises(
            NoCurrentCart, customer_id="cust-ada"
        )


class TestClosing:
    def test_checking_out_the_current_cart_leaves_none_current(self) -> None:
        carts = (
            ada(OPENED, LAPTOP_CURRENT)
            .when(lambda c: c.cart_closed(LAPTOP_CART, CurrentCartClosedBecause.CHECKED_OUT, AT))
            .then(
                event(
                    CustomerCarts.CurrentCartClosed,
                    cart_id=LAPTOP_CART,
                    because=CurrentCartClosedBecause.CHECKED_OUT,
                    at=AT,
                )
            )
        )
        assert carts.current_cart_id is None

    def test_closing_another_cart_leaves_the_current_one(self) -> None:
        carts = (
            ada(OPENED, LAPTOP_CURRENT)
            .when(lambda c: c.cart_closed(PHONE_CART, CurrentCartClosedBecause.ABANDONED, AT))
            .then_nothing()
        )
        assert carts.current_cart_id == LAPTOP_CART

    def test_after_a_checkout_a_new_cart_may_become_current(self) -> None:
        closed = event(
            CustomerCarts.CurrentCartClosed,
            cart_id=LAPTOP_CART,
            because=CurrentCartClosedBecause.CHECKED_OUT,
            at=AT,
        )
        ada(OPENED, LAPTOP_CURRENT, closed).when(
            lambda c: c.make_current(PHONE_CART, CartBecameCurrentBecause.SIGNED_IN, AT)
        ).then(
            event(
                CustomerCarts.CartBecameCurrent,
                cart_id=PHONE_CART,
                because=CartBecameCurrentBecause.SIGNED_IN,
                at=AT,
            )
        )


def test_every_state_attribute_survives_a_snapshot() -> None:
    carts = ada(OPENED, LAPTOP_CURRENT).aggregate
    codec, snapshot = EventCodec(), Snapshot.take(carts)
    restored = codec.decode_snapshot(
        STREAM, carts.version, snapshot.topic, codec.encode_snapshot(snapshot), AT
    ).mutate(None)
    assert vars(restored) == vars(carts)
