"""The one object every resolver gets: the process's services, the caller, the metadata of
the commands it sends, read-your-writes waits, and per-request loaders.

Built once per HTTP request, and once per WebSocket connection (whose token arrives in
`connection_init` and lands in `connection_params`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeAlias
from uuid import UUID, uuid4

import asyncpg
import strawberry

from adapters.postgres.outage import DatabaseUnavailable, OutageObserver, is_unavailable
from api.auth import InvalidToken, Principal, Role, guest_of
from api.graphql.errors import BadInput, Forbidden, NotAuthenticated
from api.graphql.loaders import Loaders
from api.services import Services
from api.storable_text import refusal, unstorable_character
from domain.ports import Position
from domain.values import Actor, ActorKind, Channel, Context
from projections.read_routes import Route

ANONYMOUS = Actor(ActorKind.GUEST, "anonymous")
CHANNELS_BY_ROLE = {Role.POS: Channel.POS, Role.STAFF: Channel.STAFF, Role.ADMIN: Channel.STAFF}
# Once read and never documented; refused rather than ignored, so that a client relying on it
# learns that its writes would no longer be counted where it meant.
RETIRED_CHANNEL_HEADER = "x-omni-channel"


@dataclass(frozen=True)
class StaleRead:
    """A read that waited for a position longer than allowed and answered anyway; or, with
    `parked_stream`, a read of a row whose stream the projection parked at `position`."""

    path: tuple[str | int, ...]
    position: str
    projections: tuple[str, ...]
    parked_stream: UUID | None = None


_UNVERIFIED: Any = object()


class _KnownOutage:
    """No replica answered (the replicas' probe reported it): nothing more to do."""

    def observe(self, error: BaseException, doing: str = "") -> bool:
        return is_unavailable(error)


KNOWN_OUTAGE = _KnownOutage()


@dataclass
class RequestContext:
    services: Services
    headers: Mapping[str, str] = field(default_factory=dict)
    connection_params: dict[str, Any] | None = None  # set by the WebSocket handler
    stale_reads: list[StaleRead] = field(default_factory=list)
    declared_channel: Channel | None = None  # startCart(channel:), for a token naming none
    # A mutation (the engine says so): what it reads back after its write comes from the
    # primary, where the write is at once.
    writing: bool = False
    _caller: Any = _UNVERIFIED
    _route: Route | None = None
    _route_refused: bool = False

    @property
    def caller(self) -> Principal | None:
        """The bearer of the request's token (None without one); verified once."""
        if self._caller is _UNVERIFIED:
            self._caller = None  # a bad token fails this request once, not every field
            token = self._bearer_token()
            if token:
                try:
                    self._caller = self.services.tokens.verify(token, time.time())
                except InvalidToken as error:
                    raise NotAuthenticated(str(error)) from None
        return self._caller  # type: ignore[no-any-return]

    def require(self, *roles: Role) -> Principal:
        """The caller, who must hold one of `roles` (any role when none is named); admins may."""
        caller = self.caller
        if caller is None:
            raise NotAuthenticated("a bearer token is required")
        if roles and caller.role not in roles and caller.role is not Role.ADMIN:
            raise Forbidden(f"{caller.role.value} may not do this")
        return caller

    def require_store(self, store_id: str) -> Principal:
        """Staff or a till of the store (or an admin): for the store's own views."""
        caller = self.require(Role.STAFF, Role.POS)
        if not caller.works_at(store_id):
            raise Forbidden(f"not allowed at store {store_id}")
        return caller

    @property
    def actor(self) -> Actor:
        caller = self.caller
        return caller.actor if caller is not None else ANONYMOUS

    def command(self, device_id: str | None = None) -> Context:
        """The metadata every event written by this request carries; no device id (neither
        argument nor header) is an unknown device, never one of its own."""
        return Context(
            channel=self.channel,
            device_id=device_id or self._header("x-omni-device"),
            actor=self.actor,
            correlation_id=self.correlation_id,
        )

    @property
    def channel(self) -> Channel:
        """Where this request's writes count: a till's and staff's by role; a shopper's by
        their token's claim, else the one their startCart declared; else UNKNOWN, never
        guessed (not from a device id either)."""
        if self.headers.get(RETIRED_CHANNEL_HEADER) is not None:
            raise BadInput(
                "X-Omni-Channel is not read: a shopper's channel is their token's `channel` "
                "claim, or startCart(channel:) for a guest without a token (README: The sales "
                "channel)"
            )
        return self.shopper_channel or Channel.UNKNOWN

    def declare_channel(self, channel: Channel | None) -> None:
        """startCart(channel:): the channel of a caller whose token names none. One that
        contradicts the token (or the caller's role) is refused."""
        if channel is None:
            return
        claimed = self._claimed_channel()
        if claimed is not None and claimed is not channel:
            raise BadInput(f"channel: this token's channel is {claimed.name}, not {channel.name}")
        self.declared_channel = channel

    def hold_cart(self, cart_id: UUID) -> None:
        """A caller without a token who just started a cart holds it for the rest of the
        request, as the cart token it is given will: it may read the cart it started."""
        if self.caller is None:
            self._caller = guest_of(cart_id, time.time(), self.declared_channel)

    @property
    def shopper_channel(self) -> Channel | None:
        """The channel the caller's role or token sets, else the one their startCart declared
        (None: neither)."""
        return self._claimed_channel() or self.declared_channel

    def _claimed_channel(self) -> Channel | None:
        caller = self.caller
        if caller is None:
            return None
        return CHANNELS_BY_ROLE.get(caller.role) or caller.channel

    @cached_property
    def minted_at(self) -> float:
        """When this request's tokens are minted: once per request, so a field asked twice (an
        alias, or the tests' second executor) mints the same token."""
        return time.time()

    @cached_property
    def correlation_id(self) -> UUID:
        raw = self._header("x-correlation-id")
        try:
            return UUID(raw) if raw else uuid4()
        except ValueError:
            return uuid4()

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.read_pool)

    @property
    def read_pool(self) -> asyncpg.Pool:
        """Where this request's reads go: a replica for a query, when there are replicas (the
        same one for the whole request), the primary for a mutation."""
        return self.route.pool

    @property
    def route(self) -> Route:
        if self._route is None:
            reads = self.services.reads
            try:
                self._route = reads.primary if self.writing else reads.route()
            except DatabaseUnavailable:
                self._route_refused = True
                raise
        return self._route

    @property
    def outage(self) -> OutageObserver:
        """Who hears of a database error of this request: the replica it read from, or the
        primary's outage."""
        if self._route_refused:
            return KNOWN_OUTAGE
        if self._route is not None and self._route.replica is not None:
            return self._route.replica.replica
        return self.services.database.outage

    async def consistent_with(
        self, token: str | None, projections: Sequence[str], path: tuple[str | int, ...] = ()
    ) -> None:
        """Read-your-writes: hold the read until the place it reads from shows the client's
        position; after the limit, answer anyway and say so in the response."""
        if not token:
            return
        try:
            position = Position.parse(token)
        except ValueError as error:
            raise BadInput(f"consistentWith: {error}") from None
        if not await self._showing(position, projections):
            self.stale_reads.append(StaleRead(path, token, tuple(projections)))

    async def _showing(self, position: Position, projections: Sequence[str]) -> bool:
        """Wait (bounded) until this request's reads show `position`; a replica that does not
        in time may hand the request over to the primary (OMNI_READ_FALLBACK=primary)."""
        wait = self.services.settings.consistency_wait
        self._route, shown = await self.services.reads.showing(
            self.route, position, projections, wait
        )
        return shown

    async def pool_showing(self, position: Position, projections: Sequence[str]) -> asyncpg.Pool:
        """For a subscription's next read: a place that shows `position`, chosen afresh (a
        connection outlives replicas' outages); the primary when no replica shows it in time,
        since a pushed state cannot be flagged stale."""
        reads = self.services.reads
        wait = self.services.settings.consistency_wait
        try:
            route, shown = await reads.showing(reads.route(), position, projections, wait)
        except DatabaseUnavailable:  # no replica answers
            return reads.primary.pool
        return route.pool if shown else reads.primary.pool

    def flag_parked(
        self, projections: Sequence[str], stream_ids: Iterable[UUID], path: tuple[str | int, ...]
    ) -> None:
        """Rows keyed by a stream that a projection parked are answered as stale, naming the
        projection. From memory (projections/parked_index.py); `stream_ids` is not even
        iterated while nothing is parked."""
        parked = self.services.projections.parked
        if not parked:
            return
        for name, stream_id, head in parked.parked_in(projections, stream_ids):
            self.stale_reads.append(StaleRead(path, head.token(), (name,), stream_id))

    async def caught_up(self, projections: Sequence[str]) -> None:
        """Wait (bounded) until the projections reached everything committed so far: before
        saying something does not exist, make sure it is not merely unprojected yet."""
        head = await self.services.database.store.committed_head()
        await self._showing(head, projections)

    def _header(self, name: str) -> str | None:
        """A header whose value goes into the events a command writes: refused, like an
        argument, when it holds text PostgreSQL cannot store."""
        value = self.headers.get(name)
        character = unstorable_character(value) if value else None
        if character is not None:
            raise BadInput(refusal(f"The {name.title()} header", character))
        return value

    def _bearer_token(self) -> str | None:
        header = self.headers.get("authorization")
        if header is None and self.connection_params:
            params = self.connection_params
            header = params.get("Authorization") or params.get("authorization")
        if not header:
            return None
        scheme, _, token = str(header).partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated("use 'Authorization: Bearer <token>'")
        return token.strip()


Info: TypeAlias = strawberry.Info[RequestContext, None]


def path_of(info: Info) -> tuple[str | int, ...]:
    return tuple(info.path.as_list())
