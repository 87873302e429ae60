"""Bearer tokens with roles (DESIGN §6, §9): JSON Web Tokens through PyJWT, each with an
expiry and the id of the key that signed it, so keys can be rotated without signing
everybody out. No session state: any API process verifies any token.

Roles: a guest holds one cart (its token is renewed as the cart is used), a customer, staff
of some stores (picker or manager), a till of one store, an admin. A shopper's token (guest or
customer) may name the sales channel of the app it was issued to (`channel`: web, mobile,
kiosk, call_centre): every write it makes is counted there.

An erased customer's tokens and links are refused (`AccountErased`) by the set of erased
customers each process holds in memory (adapters/postgres/erased_customers.py), so checking
costs no database round trip.
"""

from __future__ import annotations

import enum
import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Container, Sequence
from typing import Any
from uuid import UUID

import jwt
import msgspec

from adapters.settings import DEV_SECRET, StartupError
from domain.values import SHOPPER_CHANNELS, Actor, ActorKind, Channel, StaffRole

ALGORITHM = "HS256"
ISSUER = "omnicommerce"
MIN_KEY_LENGTH = 32
VERIFIED_TOKENS_KEPT = 10_000
HOUR = 3600
DAY = 24 * HOUR
# A link to download a customer's data (the right of access) works this long after it was
# asked for: long enough to start a download, short enough that a link forwarded or left in a
# log soon opens nothing. It names one customer and can do nothing else.
EXPORT_LINK_SECONDS = 15 * 60
EXPORT_AUDIENCE = "customer-data"
# A survey's link names one customer and one question put to them; it opens the survey page
# without signing in, until the survey's own expiry (OMNI_SURVEY_LINK_DAYS).
SURVEY_AUDIENCE = "survey"


class Role(enum.StrEnum):
    GUEST = "guest"
    CUSTOMER = "customer"
    STAFF = "staff"
    POS = "pos"
    ADMIN = "admin"


ACTOR_KIND = {
    Role.GUEST: ActorKind.GUEST,
    Role.CUSTOMER: ActorKind.CUSTOMER,
    Role.STAFF: ActorKind.STAFF,
    Role.POS: ActorKind.POS_TERMINAL,
    Role.ADMIN: ActorKind.ADMIN,
}

# How long a token lives when its minter does not say: a guest's cart token is renewed by
# every change to the cart, so a cart in use never loses its holder.
DEFAULT_LIFETIME = {
    Role.GUEST: 30 * DAY,
    Role.CUSTOMER: DAY,
    Role.STAFF: 12 * HOUR,
    Role.POS: 30 * DAY,
    Role.ADMIN: HOUR,
}


class Principal(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """Who is calling: a guest holding one cart, a customer, staff or a till of some stores."""

    role: Role
    subject: str
    stores: tuple[str, ...] = ()
    staff_role: StaffRole | None = None
    cart_id: UUID | None = None
    expires_at: int = 0
    channel: Channel | None = None  # a shopper's app, as its token claims it

    def __post_init__(self) -> None:
        shopper = self.role in (Role.GUEST, Role.CUSTOMER)
        if self.channel is not None and (not shopper or self.channel not in SHOPPER_CHANNELS):
            raise ValueError(
                f"a {self.role.value} token cannot claim channel {self.channel.value}: only "
                "guest and customer tokens claim one, of web, mobile, kiosk, call_centre"
            )

    @property
    def actor(self) -> Actor:
        return Actor(
            ACTOR_KIND[self.role],
            self.subject,
            stores=self.stores,
            cart_id=self.cart_id,
            staff_role=self.staff_role if self.role is Role.STAFF else None,
        )

    @property
    def customer_id(self) -> str | None:
        return self.subject if self.role is Role.CUSTOMER else None

    def works_at(self, store_id: str) -> bool:
        if self.role is Role.ADMIN:
            return True
        return self.role in (Role.STAFF, Role.POS) and store_id in self.stores


def guest_of(cart_id: UUID, now: float, channel: Channel | None = None) -> Principal:
    """The guest holding one cart, for DEFAULT_LIFETIME from `now`."""
    expires_at = int(now) + DEFAULT_LIFETIME[Role.GUEST]
    subject = f"guest-{cart_id}"
    return Principal(
        role=Role.GUEST, subject=subject, cart_id=cart_id, expires_at=expires_at, channel=channel
    )


class InvalidToken(Exception):
    """The token is malformed, forged or expired."""


class AccountErased(InvalidToken):
    """The token (or link) names a customer who was erased."""

    def __init__(self) -> None:
        super().__init__("this account was erased")


class WeakSecret(StartupError):
    """The signing key may not be used here (the development key, or too short)."""


def key_id(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


class TokenService:
    """Signs with the first key; verifies with any of them (older keys, while they rotate out)."""

    def __init__(self, *secrets: str, clock: Callable[[], float] = time.time) -> None:
        if not secrets:
            raise WeakSecret("no signing key")
        self._signing = secrets[0]
        self._keys = {key_id(secret): secret for secret in secrets}
        self._clock = clock
        # The customers erased: their tokens and links are refused (set by the composition
        # root to the process's set, kept current by NOTIFY).
        self.erased: Container[str] = frozenset()
        # A client sends the same token with every request; its signature need not be
        # checked again (the keys never change in a process). The expiry still is.
        self._verified: OrderedDict[str, Principal] = OrderedDict()

    @classmethod
    def for_deployment(cls, secrets: Sequence[str], production: bool) -> TokenService:
        """Refuses to start production with the development key or a key under 32 bytes."""
        if production:
            for secret in secrets:
                if secret == DEV_SECRET or len(secret.encode()) < MIN_KEY_LENGTH:
                    raise WeakSecret(
                        "OMNI_ENVIRONMENT is production, so OMNI_SECRET_KEY (and each of "
                        "OMNI_PREVIOUS_SECRET_KEYS) must be at least 32 bytes, not the "
                        "development key."
                    )
        return cls(*secrets)

    def mint(self, principal: Principal) -> str:
        expires_at = principal.expires_at or int(self._clock()) + DEFAULT_LIFETIME[principal.role]
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": principal.subject,
            "role": principal.role.value,
            "exp": expires_at,
        }
        if principal.stores:
            claims["stores"] = list(principal.stores)
        if principal.staff_role is not None:
            claims["staff_role"] = principal.staff_role.value
        if principal.cart_id is not None:
            claims["cart_id"] = str(principal.cart_id)
        if principal.channel is not None:
            claims["channel"] = principal.channel.value
        headers = {"kid": key_id(self._signing)}
        return jwt.encode(claims, self._signing, algorithm=ALGORITHM, headers=headers)

    def mint_guest(self, cart_id: UUID, now: float, channel: Channel | None = None) -> str:
        """A guest's cart token, good for DEFAULT_LIFETIME from `now`, on the channel its
        cart was started on."""
        return self.mint(guest_of(cart_id, now, channel))

    def mint_export_link(self, customer_id: str, now: float) -> tuple[str, int]:
        """A token that downloads one customer's data until it expires (and its expiry).

        Its audience keeps it from ever passing as a bearer token, and a bearer token from
        passing as it."""
        expires_at = int(now) + EXPORT_LINK_SECONDS
        return self._mint_link(EXPORT_AUDIENCE, customer_id, expires_at, {}), expires_at

    def verify_export_link(self, token: str, now: float) -> str:
        """The customer whose data the link downloads; InvalidToken if forged or expired."""
        claims = self._link_claims(token, EXPORT_AUDIENCE)
        if claims["exp"] < now:
            raise InvalidToken("this link has expired: ask for a new one")
        return self._not_erased(str(claims["sub"]))

    def mint_survey_link(self, customer_id: str, request_id: UUID, expires_at: int) -> str:
        """A token that answers one survey of one customer, and nothing else."""
        return self._mint_link(SURVEY_AUDIENCE, customer_id, expires_at, {"rid": str(request_id)})

    def verify_survey_link(self, token: str) -> tuple[str, UUID]:
        """The customer and the survey a link names; InvalidToken if forged or altered. Its
        expiry is the survey's to decide (SURVEY_EXPIRED, by the service's clock)."""
        claims = self._link_claims(token, SURVEY_AUDIENCE)
        try:
            customer_id, request_id = str(claims["sub"]), UUID(str(claims["rid"]))
        except (KeyError, ValueError):
            raise InvalidToken("invalid link") from None
        return self._not_erased(customer_id), request_id

    def _not_erased(self, customer_id: str) -> str:
        if customer_id in self.erased:
            raise AccountErased()
        return customer_id

    def _mint_link(
        self, audience: str, customer_id: str, expires_at: int, more: dict[str, Any]
    ) -> str:
        claims = {"iss": ISSUER, "aud": audience, "sub": customer_id, "exp": expires_at, **more}
        headers = {"kid": key_id(self._signing)}
        return jwt.encode(claims, self._signing, algorithm=ALGORITHM, headers=headers)

    def _link_claims(self, token: str, audience: str) -> dict[str, Any]:
        try:
            secret = self._keys.get(jwt.get_unverified_header(token).get("kid", ""))
            if secret is None:
                raise InvalidToken("invalid link")
            return jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                audience=audience,
                options={"require": ["exp", "sub", "iss", "aud"], "verify_exp": False},
            )
        except jwt.PyJWTError:
            raise InvalidToken("invalid link") from None

    def verify(self, token: str, now: float) -> Principal:
        principal = self._verified.get(token)
        if principal is None:
            principal = self._principal(self._claims(token))
            self._verified[token] = principal
            if len(self._verified) > VERIFIED_TOKENS_KEPT:
                self._verified.popitem(last=False)
        if principal.expires_at < now:
            raise InvalidToken("token expired")
        if principal.role is Role.CUSTOMER:
            self._not_erased(principal.subject)
        return principal

    @staticmethod
    def _principal(claims: dict[str, Any]) -> Principal:
        try:
            return msgspec.convert(
                {
                    "role": claims["role"],
                    "subject": claims["sub"],
                    "stores": claims.get("stores", ()),
                    "staff_role": claims.get("staff_role"),
                    "cart_id": claims.get("cart_id"),
                    "expires_at": claims["exp"],
                    "channel": claims.get("channel"),
                },
                Principal,
                strict=False,
            )
        except (msgspec.ValidationError, ValueError):
            raise InvalidToken("invalid token") from None

    def _claims(self, token: str) -> dict[str, Any]:
        try:
            secret = self._keys.get(jwt.get_unverified_header(token).get("kid", ""))
            if secret is None:
                raise InvalidToken("invalid token")
            # The expiry is checked against the caller's clock (verify's `now`), not PyJWT's.
            return jwt.decode(
                token,
                secret,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["exp", "sub", "iss"], "verify_exp": False},
            )
        except jwt.PyJWTError:
            raise InvalidToken("invalid token") from None
