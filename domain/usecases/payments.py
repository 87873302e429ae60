"""Calls to the payment provider from a use case: one idempotency key per operation, derived
from what is paid for, and each key sent at most once per command.

A use case decides again after a version conflict (up to 30 times); the provider must not see
those rounds. The key makes any repetition harmless at the provider (a retry of the whole
command, a second process racing this one for the same cart or pickup), and `PaymentCalls`
makes the rounds of one command reuse the first answer instead of asking again.

What is retried: nothing, here. A decline is final for its key. A provider that cannot be
reached or times out leaves the outcome unknown; the command fails with the retryable
PAYMENT_PROVIDER_UNAVAILABLE and writes nothing, and a client that retries sends the same key
(it is derived from the order, the amount and the payment token), so a charge the provider
did make is answered again instead of made twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from uuid import UUID

from domain.errors import DomainError, ErrorCode
from domain.ports import PaymentDeclined, PaymentGateway, PaymentUnavailable
from domain.values import Money


class PaymentRejected(DomainError):
    code = ErrorCode.PAYMENT_DECLINED
    subject = "payment_token"
    message = "the payment was declined"


class PaymentProviderUnavailable(DomainError):
    """Retryable: nothing was recorded, and a retry reuses the same idempotency key."""

    code = ErrorCode.PAYMENT_PROVIDER_UNAVAILABLE

    def __init__(self, subject_id: UUID) -> None:
        super().__init__(
            "The payment provider did not answer. Nothing was charged twice and nothing was "
            "recorded: please try again in a moment.",
            subject_id=subject_id,
        )


def payment_key(subject_id: UUID, operation: str, amount: Money, detail: str = "") -> str:
    """The idempotency key of one payment operation on an order or a return.

    The same operation on the same amount (and, for an authorization, the same payment token)
    gives the same key; the token only enters as a digest.
    """
    digest = hashlib.sha256(f"{operation}|{amount}|{detail}".encode()).hexdigest()[:20]
    return f"omni:{subject_id}:{operation}:{digest}"


class PaymentCalls:
    """One command's calls to the provider: each key reaches it at most once."""

    def __init__(self, gateway: PaymentGateway) -> None:
        self.gateway = gateway
        self._answers: dict[str, str | PaymentDeclined] = {}

    async def authorize(self, order_id: UUID, amount: Money, payment_token: str) -> str:
        key = payment_key(order_id, "authorize", amount, payment_token)
        return await self._once(
            key, order_id, lambda: self.gateway.authorize(order_id, amount, payment_token, key)
        )

    async def capture(self, order_id: UUID, authorization: str, amount: Money) -> str:
        key = payment_key(order_id, "capture", amount, authorization)
        return await self._once(
            key, order_id, lambda: self.gateway.capture(authorization, amount, key)
        )

    async def refund(self, return_id: UUID, order_id: UUID, amount: Money) -> str:
        key = payment_key(return_id, "refund", amount)
        return await self._once(key, return_id, lambda: self.gateway.refund(order_id, amount, key))

    async def _once(self, key: str, subject_id: UUID, call: Callable[[], Awaitable[str]]) -> str:
        if key not in self._answers:
            try:
                self._answers[key] = await call()
            except PaymentDeclined as declined:
                self._answers[key] = declined
            except PaymentUnavailable:
                raise PaymentProviderUnavailable(subject_id) from None
        answer = self._answers[key]
        if isinstance(answer, PaymentDeclined):
            raise PaymentRejected(answer.reason, id=subject_id)
        return answer
