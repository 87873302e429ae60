"""A payment provider simulation: offline, able to decline on request, and honouring
idempotency keys the way real providers do.

Tokens starting with "decline" are declined; "error" fails like an unreachable provider. A
request repeated with a key it has seen is answered with the first outcome (a decline too)
and carried out once; the same key with other parameters is refused, as Stripe refuses it,
by the rule the use cases follow for their own keys (domain/idempotency.py).
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain.idempotency import IdempotencyKeyReused, fingerprint
from domain.ports import PaymentDeclined, PaymentUnavailable
from domain.values import Money


class SimulatedPaymentGateway:
    def __init__(self) -> None:
        self.authorized: dict[str, Money] = {}
        self.captured: dict[str, Money] = {}
        self.refunded: dict[UUID, Money] = {}
        self._answers: dict[str, tuple[bytes, str | PaymentDeclined]] = {}

    async def authorize(
        self, order_id: UUID, amount: Money, payment_token: str, idempotency_key: str
    ) -> str:
        if payment_token.startswith("error"):
            raise PaymentUnavailable("payment provider unreachable")
        request = fingerprint(
            "authorize", {"order_id": order_id, "amount": amount, "token": payment_token}
        )
        return self._once(idempotency_key, request, lambda: self._authorize(amount, payment_token))

    async def capture(self, authorization: str, amount: Money, idempotency_key: str) -> str:
        request = fingerprint("capture", {"authorization": authorization, "amount": amount})
        return self._once(idempotency_key, request, lambda: self._capture(authorization, amount))

    async def refund(self, order_id: UUID, amount: Money, idempotency_key: str) -> str:
        request = fingerprint("refund", {"order_id": order_id, "amount": amount})
        return self._once(idempotency_key, request, lambda: self._refund(order_id, amount))

    def _authorize(self, amount: Money, payment_token: str) -> str:
        if payment_token.startswith("decline"):
            raise PaymentDeclined("card declined")
        reference = f"auth-{len(self.authorized) + 1}"
        self.authorized[reference] = amount
        return reference

    def _capture(self, authorization: str, amount: Money) -> str:
        self.captured[authorization] = amount
        return f"capture-{authorization.removeprefix('auth-')}"

    def _refund(self, order_id: UUID, amount: Money) -> str:
        self.refunded[order_id] = self.refunded.get(order_id, Money.zero(amount.currency)) + amount
        return f"refund-{order_id}-{self.refunded[order_id].amount}"

    def _once(self, key: str, request: bytes, carry_out: Callable[[], str]) -> str:
        if key not in self._answers:
            try:
                answer: str | PaymentDeclined = carry_out()
            except PaymentDeclined as declined:
                answer = declined
            self._answers[key] = (request, answer)
        first_request, first_answer = self._answers[key]
        if first_request != request:
            raise IdempotencyKeyReused(key=key)
        if isinstance(first_answer, PaymentDeclined):
            raise PaymentDeclined(first_answer.reason)
        return first_answer
