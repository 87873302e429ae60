"""A payment provider simulation: deterministic, offline, and able to decline on request.

Tokens starting with "decline" are declined; "error" fails like an unreachable provider.
References derive from the order id, so an authorization retried after a conflict is the same
authorization (providers offer the same through idempotency keys).
"""

from __future__ import annotations

from uuid import UUID

from domain.ports import PaymentDeclined
from domain.values import Money


class PaymentProviderUnavailable(ConnectionError):
    pass


class SimulatedPaymentGateway:
    def __init__(self) -> None:
        self.captured: dict[str, Money] = {}
        self.refunded: dict[UUID, Money] = {}

    async def authorize(self, order_id: UUID, amount: Money, payment_token: str) -> str:
        if payment_token.startswith("decline"):
            raise PaymentDeclined("card declined")
        if payment_token.startswith("error"):
            raise PaymentProviderUnavailable("payment provider unreachable")
        return f"auth-{order_id}"

    async def capture(self, authorization: str, amount: Money) -> str:
        self.captured[authorization] = amount
        return f"capture-{authorization.removeprefix('auth-')}"

    async def refund(self, order_id: UUID, amount: Money) -> str:
        self.refunded[order_id] = self.refunded.get(order_id, Money.zero(amount.currency)) + amount
        return f"refund-{order_id}-{self.refunded[order_id].amount}"
