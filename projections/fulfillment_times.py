# Over 300 lines: one read model, its events and its queries; the board and its subscription.
"""Fulfillment times: each store's pickup board (its statistics: fulfillment_stats.py).

Times are kept as facts (placed, picking started, ready, collected); "overdue" and "today"
are decided at query time against the caller's clock and the store's time zone.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from domain.pickup.model import Pickup
from domain.ports import RecordedEvent
from projections import pickup_counter as counter
from projections.erasure import CUSTOMER_ROWS, scrub
from projections.runner import Projection


class FulfillmentTimes(Projection):
    name = "fulfillment_times"
    # v2: short picks, who collected and the proof; v3: the notice's channel, failures;
    # v4: the order's payment (its own events) and the customer's arrival (curbside);
    # v5: who took the card (assignment)
    version = 5
    topics = ("domain.pickup.model:Pickup.", counter.ORDER_TOPIC)
    tables = ("pickup_view", "pickup_payment")

    async def erase(
        self, connection: asyncpg.Connection, customer_ids: Sequence[str], texts: Collection[str]
    ) -> None:
        whole = ("bay_or_car", "collection_proof")
        await scrub(connection, "pickup_view", CUSTOMER_ROWS, customer_ids, texts, whole)

    schema = (
        """
    CREATE TABLE pickup_view{s} (
        pickup_id           uuid PRIMARY KEY,
        order_id            uuid NOT NULL,
        store_id            text NOT NULL,
        customer_id         text,
        status              text NOT NULL,
        lines               jsonb NOT NULL,
        placed_at           timestamptz NOT NULL,
        promised_ready_at   timestamptz NOT NULL,
        picker_id           text,
        picking_started_at  timestamptz,
        ready_at            timestamptz,
        collect_by          timestamptz,
        shelf_spot          text,
        pickup_code         text,
        notified_at         timestamptz,
        overdue_at          timestamptz,
        finished_at         timestamptz,
        shorts              jsonb NOT NULL DEFAULT '[]',
        payment             text NOT NULL DEFAULT 'unpaid',
        arrived_at          timestamptz,
        bay_or_car          text,
        collected_by        text,
        collection_proof    text,
        notified_channel    text,
        notice_failed_at    timestamptz,
        notice_failure      text,
        notice_attempts     integer NOT NULL DEFAULT 0,
        assigned_to         text
    );
    CREATE INDEX pickup_view_board{s} ON pickup_view{s} (store_id, status, promised_ready_at);
    CREATE INDEX pickup_view_placed{s} ON pickup_view{s} (store_id, placed_at);
    CREATE INDEX pickup_view_order{s} ON pickup_view{s} (order_id);
    """
        + counter.PAYMENT_TABLE
    )

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        for recorded in batch:
            await self._apply_one(connection, recorded, suffix)

    async def _apply_one(
        self, connection: asyncpg.Connection, recorded: RecordedEvent, suffix: str
    ) -> None:
        e, pickup_id = recorded.event, recorded.stream_id
        if recorded.topic.startswith(counter.ORDER_TOPIC):
            await counter.apply_order_event(connection, recorded, suffix)
            return
        match e:
            case Pickup.Requested():
                # The order's payment events come before the pickup's in checkout's append.
                await connection.execute(
                    f"""INSERT INTO pickup_view{suffix} (pickup_id, order_id, store_id,
                          customer_id, status, lines, placed_at, promised_ready_at, payment)
                        VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7, coalesce(
                          (SELECT payment FROM pickup_payment{suffix} WHERE order_id = $2),
                          'unpaid'))""",
                    pickup_id,
                    e.order_id,
                    e.store_id,
                    e.customer_id,
                    msgspec.json.encode(e.lines),
                    e.placed_at,
                    e.promised_ready_at,
                )
            case Pickup.PickingStarted():
                await _set(
                    connection,
                    suffix,
                    pickup_id,
                    status="picking",
                    picker_id=e.staff_id,
                    picking_started_at=e.at,
                )
            case Pickup.Assigned():
                await _set(connection, suffix, pickup_id, assigned_to=e.staff_id)
            case Pickup.LineShort():
                await connection.execute(
                    f"""UPDATE pickup_view{suffix} SET lines = (
                          SELECT coalesce(jsonb_agg(CASE WHEN l->>'line_id' = $2
                              THEN jsonb_set(l, '{{quantity}}',
                                             to_jsonb((l->>'quantity')::int - $3))
                              ELSE l END) FILTER (WHERE NOT (l->>'line_id' = $2
                                AND (l->>'quantity')::int = $3)), '[]'::jsonb)
                          FROM jsonb_array_elements(lines) AS l)
                        WHERE pickup_id = $1""",
                    pickup_id,
                    e.line_id,
                    e.quantity_short,
                )
                short = {"line_id": e.line_id, "sku": e.sku, "quantity": e.quantity_short}
                await connection.execute(
                    f"""UPDATE pickup_view{suffix} SET shorts = shorts || $2::jsonb
                        WHERE pickup_id = $1""",
                    pickup_id,
                    msgspec.json.encode([short]),
                )
            case Pickup.Overdue():
                await _set(connection, suffix, pickup_id, overdue_at=e.at)
            case Pickup.ReadyForPickup():
                await _set(
                    connection,
                    suffix,
                    pickup_id,
                    status="ready",
                    ready_at=e.at,
                    collect_by=e.collect_by,
                    shelf_spot=e.shelf_spot,
                    pickup_code=e.pickup_code,
                )
            case Pickup.CustomerNotified():
                await _set(
                    connection, suffix, pickup_id, notified_at=e.at, notified_channel=e.channel
                )
            case Pickup.NotificationFailed():
                await _set(
                    connection,
                    suffix,
                    pickup_id,
                    notice_failed_at=e.at,
                    notice_failure=e.reason,
                    notice_attempts=e.attempt,
                )
            case Pickup.Collected():
                await _set(
                    connection,
                    suffix,
                    pickup_id,
                    status="collected",
                    finished_at=e.at,
                    collected_by=e.staff_id,
                    collection_proof=e.proof,
                )
            case Pickup.CustomerArrived():
                await counter.customer_arrived(connection, suffix, pickup_id, e)
            case Pickup.NotCollected():
                await _set(connection, suffix, pickup_id, status="not_collected", finished_at=e.at)
            case Pickup.Cancelled():
                await _set(connection, suffix, pickup_id, status="cancelled", finished_at=e.at)


async def _set(
    connection: asyncpg.Connection, suffix: str, pickup_id: UUID, **changes: object
) -> None:
    assignments = ", ".join(f"{column} = ${n}" for n, column in enumerate(changes, start=2))
    await connection.execute(
        f"UPDATE pickup_view{suffix} SET {assignments} WHERE pickup_id = $1",
        pickup_id,
        *changes.values(),
    )


class NotificationState(enum.StrEnum):
    NOTIFIED = "notified"  # a mail server accepted the notice, or staff told the customer
    FAILED = "failed"  # sends failed, none accepted (yet)
    NOT_NOTIFIED = "not_notified"  # nothing was sent: no notifier, no address, not ready


class PickupLineView(msgspec.Struct, frozen=True):
    line_id: str
    sku: str
    quantity: int


class ShortPick(msgspec.Struct, frozen=True):
    """Units of an order line the shelf could not supply."""

    line_id: str
    sku: str
    quantity: int


class PickupCard(msgspec.Struct, frozen=True, kw_only=True):
    """One pickup on a store's board."""

    pickup_id: UUID
    order_id: UUID
    store_id: str
    customer_id: str | None
    status: str
    lines: list[PickupLineView]
    placed_at: datetime
    promised_ready_at: datetime
    picker_id: str | None
    picking_started_at: datetime | None
    ready_at: datetime | None
    collect_by: datetime | None
    shelf_spot: str | None
    pickup_code: str | None
    notified_at: datetime | None
    overdue_at: datetime | None
    finished_at: datetime | None
    shorts: list[ShortPick]
    payment: str = counter.PaymentState.UNPAID.value  # the order's
    arrived_at: datetime | None = None  # the customer said "I'm here" (first time)
    bay_or_car: str | None = None  # where they wait, in their words
    collected_by: str | None
    collection_proof: str | None
    notified_channel: str | None
    notice_failed_at: datetime | None
    notice_failure: str | None  # the last failed send's reason
    notice_attempts: int  # failed sends
    assigned_to: str | None = None  # who took the card on the board

    @property
    def notification(self) -> NotificationState:
        if self.notified_at is not None:
            return NotificationState.NOTIFIED
        if self.notice_failed_at is not None:
            return NotificationState.FAILED
        return NotificationState.NOT_NOTIFIED

    @property
    def arrived(self) -> bool:
        """Here to collect, and not handed over yet: the board's arrived lane."""
        return self.arrived_at is not None and self.status in counter.OPEN

    def seconds_to_promise(self, now: datetime) -> float:
        return (self.promised_ready_at - now).total_seconds()

    def is_overdue(self, now: datetime) -> bool:
        return self.status in ("requested", "picking") and now > self.promised_ready_at


class Board(msgspec.Struct, frozen=True):
    store_id: str
    to_pick: list[PickupCard]
    picking: list[PickupCard]
    ready: list[PickupCard]
    overdue: list[PickupCard]
    collected_today: list[PickupCard]
    not_collected: list[PickupCard]
    cancelled: list[PickupCard]
    arrived: list[PickupCard]  # open pickups whose customer is here (also in their column)


FINISHED_LISTS = ("collected_today", "not_collected", "cancelled")
OPEN_LISTS = ("to_pick", "picking", "ready", "overdue", "arrived")


NEWEST_TO_PICK = 5


def heads(board: Board, first: int) -> Board:
    """Each list's first `first` cards: open ones soonest promise first (as stored), finished
    ones latest first; and to pick, its NEWEST_TO_PICK latest orders after them (a new order
    is promised after the others: a page announces it from here). What a page paints before
    (or instead of) the whole board."""
    cut = {name: getattr(board, name)[:first] for name in OPEN_LISTS}
    newest = sorted(board.to_pick[first:], key=lambda c: c.placed_at)[-NEWEST_TO_PICK:]
    cut["to_pick"] = cut["to_pick"] + sorted(newest, key=lambda c: c.promised_ready_at)
    for name in FINISHED_LISTS:
        latest = sorted(getattr(board, name), key=lambda c: c.finished_at or c.placed_at)
        cut[name] = latest[::-1][:first]
    return msgspec.structs.replace(board, **cut)


decode_lines = msgspec.json.Decoder(list[PickupLineView]).decode
decode_shorts = msgspec.json.Decoder(list[ShortPick]).decode


def _card(row: asyncpg.Record) -> PickupCard:
    fields = dict(row)
    fields["lines"] = decode_lines(row["lines"])
    fields["shorts"] = decode_shorts(row["shorts"])
    return PickupCard(**fields)


async def pickups_of_orders(
    pool: asyncpg.Pool, order_ids: Sequence[UUID]
) -> dict[UUID, PickupCard]:
    rows = await pool.fetch(
        "SELECT * FROM pickup_view WHERE order_id = ANY($1::uuid[])", list(order_ids)
    )
    return {row["order_id"]: _card(row) for row in rows}


async def pickups_by_id(pool: asyncpg.Pool, pickup_ids: Sequence[UUID]) -> dict[UUID, PickupCard]:
    rows = await pool.fetch(
        "SELECT * FROM pickup_view WHERE pickup_id = ANY($1::uuid[])", list(pickup_ids)
    )
    return {row["pickup_id"]: _card(row) for row in rows}


async def board(pool: asyncpg.Pool, store_id: str, now: datetime) -> Board:
    """Open pickups plus today's finished ones (the store's day, in its time zone): one query."""
    rows = await pool.fetch(
        """SELECT v.* FROM pickup_view v JOIN locations l ON l.id = v.store_id
           WHERE v.store_id = $1 AND (v.status IN ('requested', 'picking', 'ready')
              OR (v.finished_at AT TIME ZONE l.time_zone)::date
                 = ($2::timestamptz AT TIME ZONE l.time_zone)::date)
           ORDER BY v.promised_ready_at, v.placed_at""",
        store_id,
        now,
    )
    cards = [_card(row) for row in rows]
    return Board(
        store_id=store_id,
        to_pick=[c for c in cards if c.status == "requested"],
        picking=[c for c in cards if c.status == "picking"],
        ready=[c for c in cards if c.status == "ready"],
        overdue=[c for c in cards if c.is_overdue(now)],
        collected_today=[c for c in cards if c.status == "collected"],
        not_collected=[c for c in cards if c.status == "not_collected"],
        cancelled=[c for c in cards if c.status == "cancelled"],
        arrived=[c for c in cards if c.arrived],
    )


async def open_pickup_with_code(pool: asyncpg.Pool, store_id: str, code: str) -> PickupCard | None:
    """The store's ready pickup whose code this is (a scan of the customer's QR), or None;
    compared as the hand-over compares it: case and surrounding spaces do not matter."""
    row = await pool.fetchrow(
        """SELECT * FROM pickup_view WHERE store_id = $1 AND status = 'ready'
             AND upper(pickup_code) = upper(btrim($2)) LIMIT 1""",
        store_id,
        code,
    )
    return _card(row) if row is not None else None


PickupCursor = tuple[datetime, UUID]


def pickup_cursor(card: PickupCard) -> PickupCursor:
    return card.placed_at, card.pickup_id


async def pickups_at(
    pool: asyncpg.Pool,
    store_id: str,
    statuses: Sequence[str] | None,
    limit: int,
    after: PickupCursor | None = None,
) -> list[PickupCard]:
    """A store's pickups of any day, newest first, optionally of some statuses only."""
    placed_at, pickup_id = after if after is not None else (None, None)
    rows = await pool.fetch(
        """SELECT * FROM pickup_view WHERE store_id = $1
             AND ($2::text[] IS NULL OR status = ANY($2))
             AND ($3::timestamptz IS NULL OR (placed_at, pickup_id) < ($3, $4::uuid))
           ORDER BY placed_at DESC, pickup_id DESC LIMIT $5""",
        store_id,
        list(statuses) if statuses is not None else None,
        placed_at,
        pickup_id,
        limit,
    )
    return [_card(row) for row in rows]
