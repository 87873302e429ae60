"""How every use case runs: load, decide, save in one atomic append; idempotent, retried."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from math import cos, radians
from typing import Generic, TypeVar
from uuid import UUID, uuid4

import msgspec
from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from domain import bounds
from domain.cart.model import Cart
from domain.customer.profile import CustomerErased, CustomerProfile
from domain.errors import ConcurrencyError, DomainError, ErrorCode, NotAllowed
from domain.idempotency import Idempotent
from domain.loyalty.model import LoyaltyRules
from domain.order.model import Order
from domain.ports import (
    AppendResult,
    CartHistory,
    Catalog,
    Clock,
    CustomerDirectory,
    CustomerEraser,
    EventStore,
    Location,
    PaymentGateway,
    Position,
)
from domain.repository import Repository
from domain.stock.model import StockItem
from domain.values import Context, customer_profile_id, stock_item_id

R = TypeVar("R", bound=msgspec.Struct)
A = TypeVar("A", bound=Aggregate)

# Enough for the last units of a hot SKU: each round of contenders lets one of them commit.
MAX_ATTEMPTS = 30
NOTHING_WRITTEN = Position()


class UnknownLocation(DomainError):
    code = ErrorCode.UNKNOWN_LOCATION
    subject = "location_id"
    message = "there is no store or warehouse {location_id}"


class UnknownProduct(DomainError):
    code = ErrorCode.UNKNOWN_PRODUCT
    subject = "sku"
    message = "there is no product {sku}"


class ProductDiscontinued(DomainError):
    code = ErrorCode.PRODUCT_DISCONTINUED
    subject = "sku"
    message = "{sku} is no longer sold"


class Decision(msgspec.Struct, Generic[R]):
    """What a use case decided: the aggregates it changed and the result to hand back."""

    changed: list[Aggregate]
    result: R


@dataclass(frozen=True)
class Done(Generic[R]):
    """A use case's result and the global position of its last event (read-your-writes)."""

    result: R
    position: Position
    replayed: bool = False
    # The aggregates as this call decided and saved them (none for a replayed outcome): a
    # mutation's answer is built from them instead of waiting for a read model.
    decided: tuple[Aggregate, ...] = ()

    def decided_state(self, aggregate_id: UUID, cls: type[A]) -> A | None:
        """The saved state of one aggregate this call decided on, if it changed or read it."""
        for aggregate in self.decided:
            if aggregate.id == aggregate_id and isinstance(aggregate, cls):
                return aggregate
        return None


def nearest_first(here: Location, locations: Iterable[Location]) -> list[Location]:
    """Locations ranked by distance from `here` (itself first), then by id."""
    return sorted(locations, key=lambda other: (_distance(here, other), other.id))


def _distance(a: Location, b: Location) -> float:
    # Ranking only: squared degrees, scaled for latitude, are enough to order nearby stores.
    dx = (a.longitude - b.longitude) * cos(radians((a.latitude + b.latitude) / 2))
    return dx * dx + (a.latitude - b.latitude) ** 2


def new_pickup_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a counter
    return "".join(random.SystemRandom().choice(alphabet) for _ in range(6))


class LoggedCartHistory:
    """A customer's carts found by reading every cart creation and assignment in the log."""

    TOPICS = (get_topic(Cart.Created), get_topic(Cart.AssignedToCustomer))

    def __init__(self, store: EventStore) -> None:
        self.store = store

    async def carts_of(self, customer_id: str) -> list[UUID]:
        found: dict[UUID, None] = {}
        after = Position()
        while batch := await self.store.read_all(after, 1000, self.TOPICS):
            for recorded in batch:
                if getattr(recorded.event, "customer_id", None) == customer_id:
                    found[recorded.stream_id] = None
            after = batch[-1].position
        return list(found)


@dataclass
class UseCases:
    """The state every use case shares; the methods live in one mixin per area."""

    store: EventStore
    catalog: Catalog
    payments: PaymentGateway
    clock: Clock
    new_id: Callable[[], UUID] = uuid4
    new_code: Callable[[], str] = new_pickup_code
    max_attempts: int = MAX_ATTEMPTS
    customers: CustomerDirectory | None = None  # who a loyalty card or customer id names
    # Only for carts written before CustomerCarts existed; by default the store's log is read
    # in full, which is exact but slow on a large PostgreSQL log (the composition root,
    # api/server/composition.py, passes an index).
    cart_history: CartHistory | None = None
    # Erasure (domain/usecases/erasure.py): what forgets keys and scrubs the read side (None:
    # the store forgets the keys, nothing else is kept); the days a customer's own request
    # waits before it is carried out (OMNI_ERASURE_WAITING_DAYS).
    eraser: CustomerEraser | None = None
    erasure_waiting_days: int = 30
    loyalty_rules: LoyaltyRules = field(default_factory=LoyaltyRules)  # OMNI_LOYALTY_*
    repository: Repository = field(init=False)
    carts_of_customers: CartHistory = field(init=False)

    def __post_init__(self) -> None:
        self.repository = Repository(self.store)
        self.carts_of_customers = self.cart_history or LoggedCartHistory(self.store)

    async def _execute(
        self,
        decide: Callable[[], Awaitable[Decision[R]]],
        result_type: type[R],
        context: Context,
        request: Idempotent | None = None,
    ) -> Done[R]:
        """Run `decide` against fresh state and save; a stale version means decide again.

        With a key, the first outcome is looked up before every decision and again after a
        refusal (the first request's success may be what refused this one, e.g. CART_CLOSED):
        every retry of one request answers the same outcome, however they raced.
        """
        bounds.require_context(context)
        for attempt in range(1, self.max_attempts + 1):
            if request is not None and (earlier := await self._earlier(request, result_type)):
                return earlier
            try:
                decision = await decide()
            except NotAllowed:
                raise  # never answer an outcome to whom may not ask for it
            except DomainError:
                if request is not None and (earlier := await self._earlier(request, result_type)):
                    return earlier
                raise
            try:
                saved = await self._save(decision, context, request)
            except ConcurrencyError:
                if attempt == self.max_attempts:
                    raise
                await asyncio.sleep(random.uniform(0, 0.002 * attempt))
                continue
            if saved.replayed:  # a retry committed the key between our look-up and our append
                return self._replay(request, saved, result_type)
            if saved.last_position == NOTHING_WRITTEN:
                # e.g. a customer's cart resumed: reading at this position shows what it was
                # decided on (the cart's lines), not a read model from before them
                position = await self.store.last_position()
                return Done(decision.result, position, decided=tuple(decision.changed))
            return Done(decision.result, saved.last_position, decided=tuple(decision.changed))
        raise AssertionError("unreachable")

    async def _save(
        self, decision: Decision[R], context: Context, request: Idempotent | None
    ) -> AppendResult:
        return await self.repository.save(
            *decision.changed,
            context=context,
            idempotency_key=request.key if request else None,
            outcome=msgspec.msgpack.encode(decision.result),
            fingerprint=request.fingerprint if request else b"",
        )

    async def _earlier(self, request: Idempotent, result_type: type[R]) -> Done[R] | None:
        """The key's first outcome, if it has one; IdempotencyKeyReused for other arguments."""
        first = await self.store.outcome_of(request.key)
        return None if first is None else self._replay(request, first, result_type)

    @staticmethod
    def _replay(request: Idempotent | None, first: AppendResult, result_type: type[R]) -> Done[R]:
        if request is not None:
            request.require_same_request(first)
        outcome = msgspec.msgpack.decode(first.outcome, type=result_type)
        return Done(outcome, first.last_position, replayed=True)

    async def _require_not_erased(self, customer_id: str) -> None:
        """An erased customer's id is a pseudonym: nobody signs in or shops under it again."""
        found = await self.repository.find(customer_profile_id(customer_id), CustomerProfile)
        if found is not None and found.erased:
            raise CustomerErased(customer_id=customer_id)

    async def _location(self, location_id: str) -> Location:
        bounds.require_id(location_id, "location_id")
        location = await self.catalog.location(location_id)
        if location is None:
            raise UnknownLocation(location_id=location_id)
        return location

    async def _stock_item(self, location_id: str, sku: str) -> StockItem:
        """The stock record of a SKU at a location, opened on first use."""
        found = await self.repository.find(stock_item_id(location_id, sku), StockItem)
        return found if found is not None else StockItem.create(location_id, sku)

    async def _stock_items(self, location_id: str, skus: Sequence[str]) -> dict[str, StockItem]:
        items = await asyncio.gather(*(self._stock_item(location_id, sku) for sku in skus))
        return dict(zip(skus, items, strict=True))

    async def _release_reservations(self, order: Order, reason: str) -> list[StockItem]:
        """Give back whatever the order still holds at its fulfillment location."""
        skus = sorted({line.sku for line in order.lines})
        items = await self._stock_items(order.fulfillment.location_id, skus)
        held = [item for item in items.values() if item.reserved_for(order.id)]
        for item in held:
            item.release(order.id, reason)
        return held
