"""Bearer tokens with roles (DESIGN §6): signed, expiring, scoped to carts, customers or stores.

A token is `<payload>.<signature>`: the payload is msgspec JSON in URL-safe base64, the
signature an HMAC-SHA256 of it under the service's secret. No session state: any API
process can verify any token.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
from uuid import UUID

import msgspec

from domain.values import Actor, ActorKind


class Role(enum.StrEnum):
    GUEST = "guest"
    CUSTOMER = "customer"
    STAFF = "staff"
    POS = "pos"
    ADMIN = "admin"


class StaffRole(enum.StrEnum):
    PICKER = "picker"
    MANAGER = "manager"


ACTOR_KIND = {
    Role.GUEST: ActorKind.GUEST,
    Role.CUSTOMER: ActorKind.CUSTOMER,
    Role.STAFF: ActorKind.STAFF,
    Role.POS: ActorKind.POS_TERMINAL,
    Role.ADMIN: ActorKind.ADMIN,
}


class Principal(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Who is calling: a guest holding one cart, a customer, staff or a POS of some stores."""

    role: Role
    subject: str
    stores: tuple[str, ...] = ()
    staff_role: StaffRole | None = None
    cart_id: UUID | None = None
    expires_at: int = 0

    @property
    def actor(self) -> Actor:
        return Actor(ACTOR_KIND[self.role], self.subject, stores=self.stores, cart_id=self.cart_id)

    @property
    def customer_id(self) -> str | None:
        return self.subject if self.role is Role.CUSTOMER else None

    def works_at(self, store_id: str) -> bool:
        if self.role is Role.ADMIN:
            return True
        return self.role in (Role.STAFF, Role.POS) and store_id in self.stores


class InvalidToken(Exception):
    """The token is malformed, forged or expired."""


class TokenService:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(secret.encode()).digest()
        self._decode = msgspec.json.Decoder(Principal).decode

    def mint(self, principal: Principal) -> str:
        payload = _b64(msgspec.json.encode(principal))
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str, now: float) -> Principal:
        payload, _, signature = token.partition(".")
        if not payload or not hmac.compare_digest(signature, self._sign(payload)):
            raise InvalidToken("invalid token")
        try:
            principal = self._decode(_unb64(payload))
        except (msgspec.DecodeError, ValueError):
            raise InvalidToken("invalid token") from None
        if principal.expires_at and principal.expires_at < now:
            raise InvalidToken("token expired")
        return principal

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
