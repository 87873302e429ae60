"""Values shared by every aggregate: money, channels, actors and the command context."""

from __future__ import annotations

import enum
from decimal import ROUND_HALF_EVEN, Decimal
from uuid import UUID, uuid5

import msgspec

from domain.personal import Code, DataSubject, customer_subject, guest_subject

CENT = Decimal("0.01")

# Deterministic ids: the same (location, SKU) always names the same stock stream.
OMNI_NAMESPACE = UUID("6f1c2a5e-8f3b-4c1d-9a57-0c7e2b9d4a11")


class Money(msgspec.Struct, frozen=True):
    """An amount in one currency, exact to the cent."""

    amount: Decimal
    currency: Code

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str = "EUR") -> Money:
        return cls(Decimal(amount).quantize(CENT, ROUND_HALF_EVEN), currency)

    @classmethod
    def zero(cls, currency: str = "EUR") -> Money:
        return cls(Decimal("0.00"), currency)

    def __add__(self, other: Money) -> Money:
        self._require_same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._require_same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def _require_same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot mix {self.currency} and {other.currency}")

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class Channel(enum.StrEnum):
    """Where a write came from, as the caller declared it (their token's claim, or the
    channel a guest started their cart on), or by role: a till is POS, staff are STAFF."""

    WEB = "web"
    MOBILE = "mobile"
    POS = "pos"
    KIOSK = "kiosk"
    CALL_CENTRE = "call_centre"
    STAFF = "staff"
    SYSTEM = "system"
    # A shopper's client that declared none: counted apart, never guessed, never a switch.
    UNKNOWN = "unknown"


# What a shopper's client may declare; the others follow from the caller's role.
SHOPPER_CHANNELS = frozenset({Channel.WEB, Channel.MOBILE, Channel.KIOSK, Channel.CALL_CENTRE})


class ActorKind(enum.StrEnum):
    GUEST = "guest"
    CUSTOMER = "customer"
    STAFF = "staff"
    POS_TERMINAL = "pos_terminal"
    ADMIN = "admin"
    SYSTEM = "system"


class StaffRole(enum.StrEnum):
    PICKER = "picker"
    MANAGER = "manager"
    # Serves customers at a desk: looks any customer up by id, records consent given in
    # person, merges duplicate profiles, exports a customer's data.
    SERVICE_DESK = "service_desk"


class Actor(msgspec.Struct, frozen=True, omit_defaults=True):
    """Who acts: their role and id; a store role's stores; the cart a guest's token names;
    a staff member's job (what they may do beyond the store floor)."""

    kind: ActorKind
    id: str
    stores: tuple[str, ...] = ()
    cart_id: UUID | None = None
    staff_role: StaffRole | None = None


SYSTEM_ACTOR = Actor(ActorKind.SYSTEM, "omni")


class Context(msgspec.Struct, frozen=True, kw_only=True):
    """Who asked, from where, and why: metadata beside every event, never in its state.

    A blank device id is no device: `device_id` is None ("unknown"), never a device of its
    own that a cart's touches or a journey's devices would count."""

    channel: Channel = Channel.SYSTEM
    device_id: str | None = None
    actor: Actor = SYSTEM_ACTOR
    correlation_id: UUID | None = None
    causation_id: UUID | None = None

    def __post_init__(self) -> None:
        if self.device_id is not None and not self.device_id.strip():
            msgspec.structs.force_setattr(self, "device_id", None)


def stock_item_id(location_id: str, sku: str) -> UUID:
    return uuid5(OMNI_NAMESPACE, f"stock:{location_id}:{sku}")


def customer_carts_id(customer_id: str) -> UUID:
    """The stream that decides which of a customer's carts is the current one."""
    return uuid5(OMNI_NAMESPACE, f"customer-carts:{customer_id}")


def customer_profile_id(customer_id: str) -> UUID:
    """The stream of a customer's consents, merges and erasure request."""
    return uuid5(OMNI_NAMESPACE, f"customer-profile:{customer_id}")


def event_id(stream_id: UUID, version: int) -> UUID:
    """A stored event's id as a UUID (causation ids): the outbox's `<stream_id>:<version>`."""
    return uuid5(OMNI_NAMESPACE, f"{stream_id}:{version}")


def context_subject(context: Context) -> DataSubject | None:
    """Whose device the context names: a customer's or a guest's own device is personal; a
    till's, a staff member's or the system's is the retailer's equipment."""
    if context.device_id is None:
        return None
    actor = context.actor
    if actor.kind == "customer":
        return customer_subject(actor.id)
    if actor.kind == "guest":
        return guest_subject(actor.cart_id) if actor.cart_id else DataSubject(f"guest:{actor.id}")
    return None
