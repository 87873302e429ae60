"""Deadlines: which time-driven rule falls due when, for the scheduler to fire.

Abandon a cart after CART_IDLE_LIMIT without activity; mark a pickup overdue at its
promised-ready time; release an uncollected pickup when its window closes. Telling the
customer a pickup is ready is no clock rule: the notifier records it once the mail server
accepted the mail (docs/decisions/2026-12-06-true-notifications.md). A row disappears when
the fact it waits for (or one that makes it moot) is recorded. Due times come from the
events' own business times (the service clock's), never from the library's wall-clock
timestamps, and each row keeps the id of the event that set it: the rule the scheduler
fires is caused by that event.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

import asyncpg
import msgspec

from domain.cart.model import Cart
from domain.loyalty.model import LoyaltyAccount
from domain.pickup.model import Pickup
from domain.ports import RecordedEvent
from domain.usecases.carts import CART_IDLE_LIMIT
from domain.values import event_id
from projections.runner import Projection

ABANDON_CART = "abandon_cart"
PICKUP_OVERDUE = "pickup_overdue"
PICKUP_EXPIRY = "pickup_expiry"
POINTS_EXPIRY = "points_expiry"  # a loyalty ledger's oldest unspent points
# Rows of a retired kind (notify_ready) stay in tables of version 2 until the rebuild swaps
# them out: they are never due.
KINDS = (ABANDON_CART, PICKUP_OVERDUE, PICKUP_EXPIRY, POINTS_EXPIRY)

CART_CLOSED = (Cart.CheckedOut, Cart.MergedInto, Cart.Abandoned, Cart.BoughtInStore)
PICKUP_FINISHED = (Pickup.Collected, Pickup.NotCollected, Pickup.Cancelled)
LOYALTY_MOVES = (
    LoyaltyAccount.Earned,
    LoyaltyAccount.Reversed,
    LoyaltyAccount.Redeemed,
    LoyaltyAccount.Restored,
    LoyaltyAccount.Expired,
    LoyaltyAccount.TransferredOut,
    LoyaltyAccount.TransferredIn,
)


class _Dated(Protocol):
    at: datetime


class Deadlines(Projection):
    name = "deadlines"
    # v2: due times from the events' `at`, and the cause of each deadline; v3: no notify_ready;
    # v4: loyalty points expire
    version = 4
    topics = (
        "domain.cart.model:Cart.",
        "domain.pickup.model:Pickup.",
        "domain.loyalty.model:LoyaltyAccount.",
    )
    tables = ("deadlines",)
    schema = """
    CREATE TABLE deadlines{s} (
        aggregate_id    uuid NOT NULL,
        kind            text NOT NULL,
        due_at          timestamptz NOT NULL,
        cause_id        uuid NOT NULL,
        correlation_id  uuid,
        PRIMARY KEY (aggregate_id, kind)
    );
    CREATE INDEX deadlines_due{s} ON deadlines{s} (due_at);
    """

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        # Only each deadline's last change in the batch matters: two statements per batch,
        # not one per event (a cart line each: the replay ran at ~9,000 events/s).
        final: dict[tuple[UUID, str], tuple[datetime, RecordedEvent] | None] = {}
        for recorded in batch:
            for kind, due_at in _changes(recorded):
                final[recorded.stream_id, kind] = None if due_at is None else (due_at, recorded)
        dropped = [key for key, change in final.items() if change is None]
        kept = [(*key, change) for key, change in final.items() if change is not None]
        if dropped:
            await connection.execute(
                f"""DELETE FROM deadlines{suffix} d
                    USING unnest($1::uuid[], $2::text[]) AS gone(aggregate_id, kind)
                    WHERE d.aggregate_id = gone.aggregate_id AND d.kind = gone.kind""",
                [aggregate_id for aggregate_id, _ in dropped],
                [kind for _, kind in dropped],
            )
        if kept:
            await connection.execute(
                f"""INSERT INTO deadlines{suffix}
                    SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[],
                      $4::uuid[], $5::uuid[])
                    ON CONFLICT (aggregate_id, kind) DO UPDATE SET due_at = excluded.due_at,
                      cause_id = excluded.cause_id, correlation_id = excluded.correlation_id""",
                [aggregate_id for aggregate_id, _, _ in kept],
                [kind for _, kind, _ in kept],
                [due_at for _, _, (due_at, _) in kept],
                [event_id(r.stream_id, r.version) for _, _, (_, r) in kept],
                [r.context.correlation_id for _, _, (_, r) in kept],
            )


def _changes(recorded: RecordedEvent) -> list[tuple[str, datetime | None]]:
    """(kind, new due time or None to drop it) for one event."""
    e = recorded.event
    if isinstance(e, CART_CLOSED):
        return [(ABANDON_CART, None)]
    if isinstance(e, Cart.Event):  # every other cart event is activity, and carries `at`
        dated: _Dated = e  # type: ignore[assignment]
        return [(ABANDON_CART, dated.at + CART_IDLE_LIMIT)]
    match e:
        case Pickup.Requested():
            return [(PICKUP_OVERDUE, e.promised_ready_at)]
        case Pickup.Overdue():
            return [(PICKUP_OVERDUE, None)]
        case Pickup.ReadyForPickup():
            return [(PICKUP_OVERDUE, None), (PICKUP_EXPIRY, e.collect_by)]
    if isinstance(e, PICKUP_FINISHED):
        return [(PICKUP_OVERDUE, None), (PICKUP_EXPIRY, None)]
    if isinstance(e, LOYALTY_MOVES):  # each says when the oldest points left expire
        return [(POINTS_EXPIRY, e.next_expiry)]
    return []


class Due(msgspec.Struct, frozen=True):
    aggregate_id: UUID
    kind: str
    due_at: datetime
    cause_id: UUID
    correlation_id: UUID | None


async def due(pool: asyncpg.Pool, now: datetime, limit: int = 500) -> list[Due]:
    rows = await pool.fetch(
        """SELECT * FROM deadlines WHERE due_at <= $1 AND kind = ANY($2::text[])
           ORDER BY due_at LIMIT $3""",
        now,
        list(KINDS),
        limit,
    )
    return [Due(**dict(row)) for row in rows]
