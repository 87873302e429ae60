"""A request's fingerprint: the same request gives the same bytes, any other request others."""

from __future__ import annotations

from uuid import UUID

import pytest

from domain.idempotency import IdempotencyKeyReused, fingerprint, idempotent
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.ports import AppendResult, Position
from domain.usecases.sales import PosSaleLine
from domain.values import Money

CART = UUID("0c0c0c0c-0000-4000-8000-000000000001")
LAMP_STOCK = UUID("0c0c0c0c-0000-4000-8000-000000000002")
PICKUP = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
CHECKOUT = {
    "cart_id": CART,
    "fulfillment": PICKUP,
    "payment_token": "tok-visa",
    "expected_versions": {CART: 3, LAMP_STOCK: 7},
}


def test_the_same_request_built_in_another_order_has_the_same_fingerprint() -> None:
    reordered = {
        "expected_versions": {LAMP_STOCK: 7, CART: 3},
        "payment_token": "tok-visa",
        "fulfillment": Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL"),
        "cart_id": UUID(str(CART)),
    }
    assert fingerprint("checkout", reordered) == fingerprint("checkout", CHECKOUT)
    assert len(fingerprint("checkout", CHECKOUT)) == 32


@pytest.mark.parametrize(
    ("argument", "other"),
    [
        ("cart_id", UUID("0c0c0c0c-0000-4000-8000-000000000009")),
        ("fulfillment", Fulfillment(FulfillmentMethod.PICKUP, "AMS-ZUID")),
        ("fulfillment", Fulfillment(FulfillmentMethod.SHIP, "AMS-CENTRAAL")),
        ("payment_token", "tok-amex"),
        ("payment_token", None),
        ("expected_versions", {CART: 4, LAMP_STOCK: 7}),
        ("expected_versions", None),
    ],
)
def test_any_other_argument_is_another_request(argument: str, other: object) -> None:
    assert fingerprint("checkout", {**CHECKOUT, argument: other}) != fingerprint(
        "checkout", CHECKOUT
    )


def test_the_operation_is_part_of_the_request() -> None:
    assert fingerprint("checkout", CHECKOUT) != fingerprint("authorize_payment", CHECKOUT)


def test_values_in_lists_count_with_their_order_and_their_price() -> None:
    lamps = [PosSaleLine("LAVA-LAMP", 2), PosSaleLine("RETRO-CLOCK", 1)]
    sales = [
        lamps,
        list(reversed(lamps)),
        [PosSaleLine("LAVA-LAMP", 2, Money.of("29.00")), PosSaleLine("RETRO-CLOCK", 1)],
    ]
    assert len({fingerprint("record_pos_sale", {"lines": lines}) for lines in sales}) == 3


def test_without_a_key_there_is_nothing_to_carry_out_once() -> None:
    assert idempotent(None, "checkout", **CHECKOUT) is None
    request = idempotent("co-1", "checkout", **CHECKOUT)
    assert request is not None and request.fingerprint == fingerprint("checkout", CHECKOUT)


def test_a_key_is_refused_for_other_arguments_and_honoured_when_stored_without_any() -> None:
    request = idempotent("co-1", "checkout", **CHECKOUT)
    assert request is not None
    first = AppendResult(Position(7, 70), replayed=True, outcome=b"order")

    request.require_same_request(with_fingerprint(first, request.fingerprint))
    request.require_same_request(first)  # recorded before fingerprints existed
    with pytest.raises(IdempotencyKeyReused) as refused:
        request.require_same_request(with_fingerprint(first, b"another request"))
    assert refused.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert "co-1" not in str(refused.value)  # a scoped key's prefix is not the client's


def with_fingerprint(result: AppendResult, fingerprint: bytes) -> AppendResult:
    return AppendResult(result.last_position, result.replayed, result.outcome, fingerprint)
