# Over 300 lines: one read model: journeys, their steps and channel switches, folded per batch.
"""Journey analytics: per day, store and channel, the funnel cart started -> first line ->
checkout -> paid -> ready -> collected with the drop-off at each step; journeys that crossed
channels; the no-show rate; and how long returns take from request to refund.

A journey is a cart's life. It counts on the day it started, in the time zone of its store;
the store is the one it was checked out for (pickup store or shipping location), so journeys
that ended before checkout have none and count in the zone the query names. A guest cart
merged into the customer's cart at sign-in is not a journey of its own: it continues in that
cart. A journey crossed channels when it was checked out on another channel or device than
it was started on (both known), or when it was bought online and returned in a store.

A cart a till rang up (bought in store) is checked out, paid and handed over at that moment,
at the till's store and on the till's channel: started on the web, it is a web -> store
journey. It has no pickup, so it counts in neither the no-show rate nor the notified share.
A shipped order's journey ends at "paid" in the funnel (ready and collected are a pickup's
steps) and counts in `shipped` once its parcel left the warehouse.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.cart.model import Cart
from domain.order.model import FulfillmentMethod, Order
from domain.pickup.model import Pickup
from domain.ports import RecordedEvent
from domain.returns.model import Return, ReturnChannel
from domain.usecases.checkout import pickup_id_for
from projections.batch import columns, occurred_at
from projections.erasure import CUSTOMER_CARTS, scrub
from projections.journey_queries import JourneyStats, ReturnStats, journey_stats, return_stats
from projections.runner import Projection

IN_STORE_CHANNELS = ("pos", "staff")
JOURNEY_TYPES = (  # noqa: SIM905
    "uuid timestamptz text text text timestamptz timestamptz text text uuid uuid timestamptz "
    "timestamptz timestamptz timestamptz timestamptz uuid timestamptz uuid bool"
).split()
RETURN_TYPES = "uuid text text bool text timestamptz timestamptz".split()  # noqa: SIM905


@dataclass
class _Journey:
    """A journey's columns; in a batch's fold, None means "not set by this batch"."""

    cart_id: UUID
    started_at: datetime | None = None
    channel: str | None = None
    device_id: str | None = None
    store_id: str | None = None
    first_line_at: datetime | None = None
    checkout_at: datetime | None = None
    checkout_channel: str | None = None
    checkout_device: str | None = None
    order_id: UUID | None = None
    pickup_id: UUID | None = None
    paid_at: datetime | None = None
    ready_at: datetime | None = None
    collected_at: datetime | None = None
    no_show_at: datetime | None = None
    notified_at: datetime | None = None  # a notice accepted (or staff's word), never intent
    sale_id: UUID | None = None  # the till's sale, when a till rang the cart up
    shipped_at: datetime | None = None  # a shipped order's parcel left the warehouse
    merged_into: UUID | None = None
    returned_in_store: bool = False

    def set(self, **values: object) -> None:
        """Every step happens once: the first value recorded stays."""
        for name, value in values.items():
            if getattr(self, name) is None:
                setattr(self, name, value)


@dataclass
class _Return:
    return_id: UUID
    purchase: str | None = None
    channel: str | None = None
    cross_channel: bool = False
    store_id: str | None = None
    requested_at: datetime | None = None
    refunded_at: datetime | None = None


@dataclass
class _Links:
    """Which journey an order or a pickup belongs to, and where the order was bought."""

    order_cart: dict[UUID, UUID]
    bought_on: dict[UUID, str | None]
    pickup_cart: dict[UUID, UUID]


class Journeys(Projection):
    name = "journeys"
    # v2: when the customer was told their pickup is ready; v3: the sale of a cart bought in
    # store; v4: when a shipped order's parcel left
    version = 4
    topics = (
        "domain.cart.model:Cart.",
        "domain.order.model:Order.",
        "domain.pickup.model:Pickup.",
        "domain.returns.model:Return.",
    )
    tables = ("journey", "journey_return")

    async def erase(
        self, connection: asyncpg.Connection, customer_ids: Sequence[str], texts: Collection[str]
    ) -> None:
        whole = ("device_id", "checkout_device")
        await scrub(connection, "journey", CUSTOMER_CARTS, customer_ids, texts, whole)

    schema = """
    CREATE TABLE journey{s} (
        cart_id            uuid PRIMARY KEY,
        started_at         timestamptz NOT NULL,
        channel            text NOT NULL,
        device_id          text,
        store_id           text,
        first_line_at      timestamptz,
        checkout_at        timestamptz,
        checkout_channel   text,
        checkout_device    text,
        order_id           uuid,
        pickup_id          uuid,
        paid_at            timestamptz,
        ready_at           timestamptz,
        collected_at       timestamptz,
        no_show_at         timestamptz,
        notified_at        timestamptz,
        sale_id            uuid,
        shipped_at         timestamptz,
        merged_into        uuid,
        returned_in_store  boolean NOT NULL
    );
    CREATE INDEX journey_started{s} ON journey{s} (started_at);
    CREATE INDEX journey_order{s} ON journey{s} (order_id);
    CREATE INDEX journey_pickup{s} ON journey{s} (pickup_id);
    CREATE TABLE journey_return{s} (
        return_id      uuid PRIMARY KEY,
        purchase       text NOT NULL,
        channel        text NOT NULL,
        cross_channel  boolean NOT NULL,
        store_id       text,
        requested_at   timestamptz NOT NULL,
        refunded_at    timestamptz
    );
    CREATE INDEX journey_return_requested{s} ON journey_return{s} (requested_at);
    """

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        # One read of the links the batch needs, then one statement per table and kind of
        # change: journeys and returns are folded per batch, every step first-value-wins.
        links = await _links(connection, batch, suffix)
        journeys: dict[UUID, _Journey] = {}
        returns: dict[UUID, _Return] = {}
        created: set[UUID] = set()
        for recorded in batch:
            _fold(recorded, links, journeys, returns, created)
        await _write_journeys(connection, journeys, created, suffix)
        await _write_returns(connection, returns, suffix)


async def _links(
    connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
) -> _Links:
    orders: list[UUID | None] = [r.stream_id for r in batch if isinstance(r.event, Order.Event)]
    orders += [r.event.order_id for r in batch if isinstance(r.event, Return.Requested)]
    pickups = [r.stream_id for r in batch if isinstance(r.event, Pickup.Event)]
    rows = await connection.fetch(
        f"""SELECT cart_id, order_id, pickup_id, checkout_channel FROM journey{suffix}
            WHERE order_id = ANY($1::uuid[]) OR pickup_id = ANY($2::uuid[])""",
        [order_id for order_id in orders if order_id is not None],
        pickups,
    )
    links = _Links({}, {}, {})
    for row in rows:
        links.order_cart[row["order_id"]] = row["cart_id"]
        links.bought_on[row["order_id"]] = row["checkout_channel"]
        if row["pickup_id"] is not None:
            links.pickup_cart[row["pickup_id"]] = row["cart_id"]
    return links


def _fold(
    recorded: RecordedEvent,
    links: _Links,
    journeys: dict[UUID, _Journey],
    returns: dict[UUID, _Return],
    created: set[UUID],
) -> None:
    e, at = recorded.event, occurred_at(recorded)

    def journey(cart_id: UUID | None) -> _Journey:
        if cart_id is None:  # an order placed without a cart: part of no journey
            return _Journey(recorded.stream_id)
        return journeys.setdefault(cart_id, _Journey(cart_id))

    if isinstance(e, Return.Event):
        _fold_return(recorded, links, journey, returns)
        return
    match e:
        case Cart.Created():
            created.add(recorded.stream_id)
            start = {"channel": e.channel.value, "device_id": e.device_id}
            journey(recorded.stream_id).set(started_at=at, **start)
        case Cart.LineAdded() | Cart.LinesMerged():
            journey(recorded.stream_id).set(first_line_at=at)
        case Cart.Recovered() if e.lines:
            journey(recorded.stream_id).set(first_line_at=at)
        case Cart.MergedInto():
            journey(recorded.stream_id).set(merged_into=e.target_cart_id)
        case Cart.BoughtInStore():
            _bought_in_store(recorded, e, journey(recorded.stream_id))
        case Order.Placed():
            _checked_out(recorded, e, links, journey(e.cart_id))
        case Order.PaymentAuthorized():
            journey(links.order_cart.get(recorded.stream_id)).set(paid_at=at)
        case Order.Shipped():
            journey(links.order_cart.get(recorded.stream_id)).set(shipped_at=e.at)
        case Pickup.ReadyForPickup():
            journey(links.pickup_cart.get(recorded.stream_id)).set(ready_at=e.at)
        case Pickup.Collected():
            journey(links.pickup_cart.get(recorded.stream_id)).set(collected_at=e.at)
        case Pickup.NotCollected():
            journey(links.pickup_cart.get(recorded.stream_id)).set(no_show_at=e.at)
        case Pickup.CustomerNotified():
            journey(links.pickup_cart.get(recorded.stream_id)).set(notified_at=e.at)


def _checked_out(
    recorded: RecordedEvent, e: Order.Placed, links: _Links, journey: _Journey
) -> None:
    order_id, channel = recorded.stream_id, recorded.context.channel.value
    pickup_id = None
    if e.fulfillment.method is FulfillmentMethod.PICKUP:
        pickup_id = pickup_id_for(order_id)
        links.pickup_cart[pickup_id] = e.cart_id
    links.order_cart[order_id], links.bought_on[order_id] = e.cart_id, channel
    journey.set(
        store_id=e.fulfillment.location_id,
        checkout_at=e.placed_at,
        checkout_channel=channel,
        checkout_device=recorded.context.device_id,
        order_id=order_id,
        pickup_id=pickup_id,
    )


def _bought_in_store(recorded: RecordedEvent, e: Cart.BoughtInStore, journey: _Journey) -> None:
    context = recorded.context
    journey.set(
        store_id=e.store_id,
        checkout_at=e.at,
        checkout_channel=context.channel.value,
        checkout_device=context.device_id,
        paid_at=e.at,
        collected_at=e.at,
        sale_id=e.sale_id,
    )


def _fold_return(recorded: RecordedEvent, links: _Links, journey, returns) -> None:  # type: ignore[no-untyped-def]
    e = recorded.event
    item = returns.setdefault(recorded.stream_id, _Return(recorded.stream_id))
    match e:
        case Return.Requested():
            in_store = e.channel is ReturnChannel.STORE
            if e.order_id is not None:
                bought_online = links.bought_on.get(e.order_id) not in IN_STORE_CHANNELS
                cross = in_store and bought_online
                if cross and e.order_id in links.order_cart:
                    journey(links.order_cart[e.order_id]).returned_in_store = True
            else:
                cross = not in_store  # bought at a till, sent back by mail or web
            purchase = "order" if e.order_id is not None else "sale"
            item.purchase, item.channel, item.cross_channel = purchase, e.channel.value, cross
            item.requested_at = e.requested_at
        case Return.Received():
            item.store_id = item.store_id or e.location_id
        case Return.Refunded():
            item.refunded_at = item.refunded_at or e.at


def _values(row: _Journey | _Return) -> tuple[object, ...]:
    return tuple(vars(row).values())  # dataclasses.astuple deep-copies: a third of the replay


async def _write_journeys(
    connection: asyncpg.Connection, journeys: dict[UUID, _Journey], created: set[UUID], suffix: str
) -> None:
    new = [_values(j) for cart_id, j in journeys.items() if cart_id in created]
    known = [_values(j) for cart_id, j in journeys.items() if cart_id not in created]
    arrays = ", ".join(f"${n}::{t}[]" for n, t in enumerate(JOURNEY_TYPES, start=1))
    if new:
        await connection.execute(
            f"INSERT INTO journey{suffix} SELECT * FROM unnest({arrays})",
            *columns(new, len(JOURNEY_TYPES)),
        )
    if known:
        names = _Journey.__dataclass_fields__
        keep_first = ", ".join(f"{c} = coalesce(j.{c}, u.{c})" for c in list(names)[4:-1])
        await connection.execute(
            f"""UPDATE journey{suffix} j SET {keep_first},
                  returned_in_store = j.returned_in_store OR u.returned_in_store
                FROM unnest({arrays}) AS u({", ".join(names)}) WHERE j.cart_id = u.cart_id""",
            *columns(known, len(JOURNEY_TYPES)),
        )


async def _write_returns(
    connection: asyncpg.Connection, returns: dict[UUID, _Return], suffix: str
) -> None:
    new = [_values(r) for r in returns.values() if r.requested_at is not None]
    known = [_values(r) for r in returns.values() if r.requested_at is None]
    arrays = ", ".join(f"${n}::{t}[]" for n, t in enumerate(RETURN_TYPES, start=1))
    if new:
        await connection.execute(
            f"INSERT INTO journey_return{suffix} SELECT * FROM unnest({arrays})",
            *columns(new, len(RETURN_TYPES)),
        )
    if known:
        await connection.execute(
            f"""UPDATE journey_return{suffix} r SET store_id = coalesce(r.store_id, u.store_id),
                  refunded_at = coalesce(r.refunded_at, u.refunded_at)
                FROM unnest({arrays}) AS u(return_id, purchase, channel, cross_channel, store_id,
                  requested_at, refunded_at)
                WHERE r.return_id = u.return_id""",
            *columns(known, len(RETURN_TYPES)),
        )


__all__ = ["JourneyStats", "Journeys", "ReturnStats", "journey_stats", "return_stats"]
