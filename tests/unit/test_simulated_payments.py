"""The simulated provider honours idempotency keys as real providers do."""

from __future__ import annotations

from uuid import UUID

import pytest

from adapters.payments import SimulatedPaymentGateway
from domain.idempotency import IdempotencyKeyReused
from domain.ports import PaymentDeclined, PaymentUnavailable
from domain.usecases.payments import payment_key
from domain.values import Money

ORDER = UUID("0c0c0c0c-0000-4000-8000-000000000001")
TOTAL = Money.of("39.00")


async def test_a_repeated_key_is_answered_again_and_authorized_once() -> None:
    gateway = SimulatedPaymentGateway()
    key = payment_key(ORDER, "authorize", TOTAL, "tok-visa")
    first = await gateway.authorize(ORDER, TOTAL, "tok-visa", key)
    again = await gateway.authorize(ORDER, TOTAL, "tok-visa", key)
    other = await gateway.authorize(ORDER, TOTAL, "tok-visa", key + "-2")
    assert first == again != other
    assert len(gateway.authorized) == 2


async def test_a_key_with_other_parameters_is_refused() -> None:
    gateway = SimulatedPaymentGateway()
    key = payment_key(ORDER, "authorize", TOTAL, "tok-visa")
    await gateway.authorize(ORDER, TOTAL, "tok-visa", key)
    with pytest.raises(IdempotencyKeyReused):
        await gateway.authorize(ORDER, Money.of("40.00"), "tok-visa", key)


async def test_a_decline_is_the_answer_to_its_key() -> None:
    gateway = SimulatedPaymentGateway()
    key = payment_key(ORDER, "authorize", TOTAL, "decline-card")
    for _ in range(2):
        with pytest.raises(PaymentDeclined):
            await gateway.authorize(ORDER, TOTAL, "decline-card", key)
    assert gateway.authorized == {}


async def test_an_unreachable_provider_says_the_outcome_is_unknown() -> None:
    with pytest.raises(PaymentUnavailable):
        await SimulatedPaymentGateway().authorize(ORDER, TOTAL, "error-net", "k")


def test_keys_differ_by_operation_amount_and_token_and_hide_the_token() -> None:
    keys = {
        payment_key(ORDER, "authorize", TOTAL, "tok-visa"),
        payment_key(ORDER, "authorize", TOTAL, "tok-amex"),
        payment_key(ORDER, "authorize", Money.of("40.00"), "tok-visa"),
        payment_key(ORDER, "capture", TOTAL, "tok-visa"),
    }
    assert len(keys) == 4
    assert all("tok-" not in key and str(ORDER) in key for key in keys)
