"""What the domain needs from the outside world, as protocols the adapters implement."""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, time
from typing import Protocol
from uuid import UUID

import msgspec
from eventsourcing.domain import CanMutateProtocol as DomainEvent
from eventsourcing.domain import Snapshot

from domain.personal import NO_SUBJECTS, DataSubject, DataSubjects
from domain.values import Context, Money

__all__ = [
    "AppendResult",
    "CartHistory",
    "Catalog",
    "Clock",
    "Customer",
    "CustomerDirectory",
    "DomainEvent",
    "EventStore",
    "Location",
    "LocationKind",
    "PaymentDeclined",
    "PaymentGateway",
    "PaymentUnavailable",
    "Position",
    "Product",
    "RecordedEvent",
    "Snapshot",
]


class Position(msgspec.Struct, frozen=True, order=True):
    """A place in the global order: (committing transaction id, row position).

    Ordered as a pair because rows become visible in commit order, not in position order.
    """

    transaction_id: int = 0
    position: int = 0

    def token(self) -> str:
        return f"{self.transaction_id}.{self.position}"

    @classmethod
    def parse(cls, token: str) -> Position:
        transaction_id, _, position = token.partition(".")
        if not transaction_id.isdigit() or not position.isdigit():
            raise ValueError(f"not a position token: {token!r}")
        return cls(int(transaction_id), int(position))


class RecordedEvent(msgspec.Struct, frozen=True):
    """A domain event as the global log holds it: where it sits, who caused it, when."""

    position: Position
    stream_id: UUID
    version: int
    topic: str
    event: DomainEvent
    context: Context
    recorded_at: datetime


class AppendResult(msgspec.Struct, frozen=True):
    """The position of the last event written, or of the first outcome when a key was replayed
    (with the fingerprint of the request that key first named)."""

    last_position: Position
    replayed: bool = False
    outcome: bytes = b""
    fingerprint: bytes = b""


class EventStore(Protocol):
    async def append(
        self,
        events: Sequence[DomainEvent],
        context: Context,
        idempotency_key: str | None = None,
        outcome: bytes = b"",
        fingerprint: bytes = b"",
        subjects: DataSubjects = NO_SUBJECTS,
    ) -> AppendResult:
        """Write all events atomically, each stream at its expected version, or nothing.

        Personal fields are sealed with their data subject's key: `subjects` names each
        stream's subject and the guests a sign-in linked to a customer (domain/personal.py).

        The expected version of a stream is one less than the first new event's version.
        Raises ConcurrencyError naming the first stale stream. A key is recorded with the
        outcome and the request's fingerprint in the same transaction as the events; a key
        seen before writes nothing and returns the first append's outcome, position and
        fingerprint (whatever this one's fingerprint: comparing them is the caller's rule).
        """
        ...

    async def read_stream(self, stream_id: UUID, after_version: int = 0) -> list[DomainEvent]: ...

    async def latest_snapshot(self, stream_id: UUID) -> Snapshot | None: ...

    async def load_stream(self, stream_id: UUID) -> tuple[Snapshot | None, list[DomainEvent]]:
        """The latest snapshot and the events after it, in one read."""
        ...

    async def save_snapshot(self, snapshot: Snapshot, subject: DataSubject | None = None) -> None:
        """Stored with its personal attributes sealed with `subject`'s key."""
        ...

    def remember(self, snapshot: Snapshot, subject: DataSubject | None = None) -> None:
        """An aggregate's state just after a save: a store may keep it in memory so the next
        load of the stream reads only the events after it. Not durable, never required."""
        ...

    async def forget(self, subject: DataSubject) -> list[DataSubject]:
        """Crypto-shred a data subject (and the guests linked to them) for good: their
        personal texts read as `ERASED` from then on, in every process; events, snapshots
        and business facts stay. Returns every subject forgotten."""
        ...

    async def read_all(
        self, after: Position, limit: int = 1000, topics: Sequence[str] = ()
    ) -> list[RecordedEvent]:
        """Committed events after a position in global order, never skipping a late commit.

        `topics` keeps only events whose topic starts with one of the prefixes.
        """
        ...

    async def last_position(self) -> Position: ...

    async def outcome_of(self, idempotency_key: str) -> AppendResult | None:
        """What the first append under the key recorded (replayed=True), or None."""
        ...

    def follow(
        self,
        after: Position,
        *,
        batch_size: int = 1000,
        poll_interval: float = 1.0,
        topics: Sequence[str] = (),
    ) -> AsyncIterator[list[RecordedEvent]]:
        """Batches in global order, forever: woken by appends, polling only as a fallback."""
        ...


class CustomerEraser(Protocol):
    """What an erasure does beyond its event (issue 20): forgets the customers' data keys (and
    the guests' linked to them) and scrubs every read model row, the directory row and the
    notifier's address of them, in one transaction. Idempotent: run again, it finds nothing."""

    async def erase(self, customer_ids: Sequence[str]) -> None: ...

    async def pickups_and_returns_of(self, customer_ids: Sequence[str]) -> list[UUID]:
        """The streams of every pickup and return these customers ever requested."""
        ...

    async def erasure_requests(self) -> list[UUID]:
        """The profile streams on which a customer asked to be erased."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class CartHistory(Protocol):
    """Which carts were ever created for or assigned to a customer, from the event log itself
    (never a read model): only needed for carts written before `CustomerCarts` existed."""

    async def carts_of(self, customer_id: str) -> list[UUID]: ...


class LocationKind(enum.StrEnum):
    STORE = "store"
    WAREHOUSE = "warehouse"


class Product(msgspec.Struct, frozen=True, kw_only=True):
    sku: str
    name: str
    price: Money
    low_stock_threshold: int | None = None
    description: str = ""
    attributes: dict[str, str] = {}
    image_urls: tuple[str, ...] = ()
    # No longer sold: no cart takes it and no order is placed for it, but units already on a
    # shelf are still sold at the till and returned
    # (docs/decisions/2026-12-06-discontinued-products.md).
    discontinued: bool = False


class Location(msgspec.Struct, frozen=True, kw_only=True):
    """A store or warehouse; stores offer pickup with a service level and a pickup window."""

    id: str
    name: str
    kind: LocationKind
    time_zone: str
    latitude: float
    longitude: float
    opens_at: time = time(9, 0)
    closes_at: time = time(21, 0)
    pickup_service_minutes: int = 120
    pickup_window_days: int = 7

    @property
    def offers_pickup(self) -> bool:
        return self.kind is LocationKind.STORE


class Catalog(Protocol):
    """Reference data: products with prices, stores and warehouses. Plain tables, not aggregates."""

    async def products(self, skus: Sequence[str]) -> dict[str, Product]:
        """The known products among `skus`; unknown SKUs are simply absent."""
        ...

    async def location(self, location_id: str) -> Location | None: ...

    async def locations(self) -> list[Location]: ...


class Customer(msgspec.Struct, frozen=True, kw_only=True):
    """A shopper as the identity provider knows them; events hold only the id."""

    id: str
    first_name: str
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    loyalty_id: str | None = None


class CustomerDirectory(Protocol):
    """Reference data about customers: names and contact details, and loyalty cards."""

    async def customer(self, customer_id: str) -> Customer | None: ...

    async def by_loyalty_id(self, loyalty_id: str) -> Customer | None: ...

    async def matching(self, by: str, value: str, limit: int) -> list[Customer]:
        """At most `limit` customers whose `by` (loyalty_id, email or phone) equals `value`
        exactly, once both are normalized (domain/customer/lookup.py: `normalized`)."""
        ...


class PaymentDeclined(Exception):
    """The provider answered no (card declined, insufficient funds): final for this request."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class PaymentUnavailable(Exception):
    """The provider could not be reached or did not answer in time: the outcome is unknown, so
    the request may have been carried out. Only a retry with the same idempotency key is safe."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class PaymentGateway(Protocol):
    """A payment provider. Every call carries an idempotency key (Stripe's Idempotency-Key,
    Adyen's idempotency-key): a request repeated with the same key is carried out once and
    answered with the first outcome, so a retry after a timeout can never charge twice; the
    same key with other parameters raises domain.idempotency.IdempotencyKeyReused."""

    async def authorize(
        self, order_id: UUID, amount: Money, payment_token: str, idempotency_key: str
    ) -> str:
        """Return the provider's authorization reference, or raise PaymentDeclined."""
        ...

    async def capture(self, authorization: str, amount: Money, idempotency_key: str) -> str: ...

    async def refund(self, order_id: UUID, amount: Money, idempotency_key: str) -> str: ...
