"""Queries of the customer timeline read model: a customer's touchpoints, newest first, with
an opaque cursor; the header (purchases per channel, refunds, what is open); and the staff
scope question (which customers have business with a store).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
import msgspec

from projections.touchpoints import CANCELLED, OPEN, Kind


class Touchpoint(msgspec.Struct, frozen=True):
    """One thing the customer did or that happened to their business, and where."""

    position: int
    at: datetime
    kind: str
    channel: str
    device_id: str | None
    store_id: str | None
    cart_id: UUID | None
    order_id: UUID | None
    pickup_id: UUID | None
    return_id: UUID | None
    sale_id: UUID | None
    summary: str

    @property
    def cursor(self) -> str:
        """An opaque cursor for the page after this touchpoint."""
        raw = msgspec.json.encode((self.at, self.position))
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class TimelinePage(msgspec.Struct, frozen=True):
    touchpoints: list[Touchpoint]
    has_more: bool

    @property
    def end_cursor(self) -> str | None:
        return self.touchpoints[-1].cursor if self.touchpoints else None


class InvalidCursor(ValueError):
    """Not a cursor this read model handed out."""


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=tuple[datetime, int])
    except (ValueError, msgspec.DecodeError):
        raise InvalidCursor(f"not a timeline cursor: {cursor!r}") from None


async def timeline(
    pool: asyncpg.Pool, customer_id: str, first: int, after: str | None = None
) -> TimelinePage:
    """A customer's touchpoints, newest first, `first` of them after the cursor `after`."""
    if first < 0:
        raise ValueError("first must not be negative")
    at, position = decode_cursor(after) if after else (None, None)
    rows = await pool.fetch(
        """SELECT position, at, kind, channel, device_id, store_id, cart_id, order_id,
                  pickup_id, return_id, sale_id, summary
           FROM timeline WHERE customer_id = $1
             AND ($2::timestamptz IS NULL OR (at, position) < ($2, $3))
           ORDER BY at DESC, position DESC LIMIT $4""",
        customer_id,
        at,
        position,
        first + 1,
    )
    touchpoints = [Touchpoint(*row.values()) for row in rows[:first]]
    return TimelinePage(touchpoints, has_more=len(rows) > first)


class ChannelPurchases(msgspec.Struct, frozen=True):
    """Orders placed online on a channel, or sales at a till (`pos`), and their value."""

    channel: str
    purchases: int
    value: Decimal
    currency: str


class TimelineHeader(msgspec.Struct, frozen=True):
    customer_id: str
    purchases: list[ChannelPurchases]  # not cancelled; value less cancelled lines
    refunded: dict[str, Decimal]  # per currency
    open_carts: int
    open_pickups: int
    open_returns: int  # requested or received, neither refunded nor withdrawn
    not_notified: int = 0  # open pickups ready for them, nobody told them (nothing accepted)


async def timeline_header(pool: asyncpg.Pool, customer_id: str) -> TimelineHeader:
    rows = await pool.fetch(
        """SELECT kind, state, channel, currency, count(*) AS n, sum(amount) AS value
           FROM timeline_subject WHERE customer_id = $1
           GROUP BY kind, state, channel, currency ORDER BY channel, currency""",
        customer_id,
    )
    bought: dict[tuple[str, str], tuple[int, Decimal]] = {}
    open_counts = {"cart": 0, "pickup": 0, "return": 0}
    refunded: dict[str, Decimal] = {}
    for row in rows:
        kind, state = row["kind"], row["state"]
        if kind in ("order", "sale") and state != CANCELLED:
            n, value = bought.get((row["channel"], row["currency"]), (0, Decimal("0.00")))
            bought[row["channel"], row["currency"]] = (n + row["n"], value + row["value"])
        elif kind in open_counts and state == OPEN:
            open_counts[kind] += row["n"]
        elif kind == "return" and row["value"] is not None:
            refunded[row["currency"]] = refunded.get(row["currency"], Decimal(0)) + row["value"]
    purchases = [ChannelPurchases(ch, n, v, cur) for (ch, cur), (n, v) in bought.items()]
    return TimelineHeader(
        customer_id,
        purchases,
        refunded,
        open_counts["cart"],
        open_counts["pickup"],
        open_counts["return"],
        await _not_notified(pool, customer_id),
    )


async def _not_notified(pool: asyncpg.Pool, customer_id: str) -> int:
    """Open pickups with a `pickup_ready` touchpoint and no `pickup_notified` one."""
    count = await pool.fetchval(
        """SELECT count(*) FROM timeline_subject s
           WHERE s.customer_id = $1 AND s.kind = 'pickup' AND s.state = $2
             AND EXISTS (SELECT 1 FROM timeline t WHERE t.customer_id = $1
                         AND t.pickup_id = s.subject_id AND t.kind = $3)
             AND NOT EXISTS (SELECT 1 FROM timeline t WHERE t.customer_id = $1
                             AND t.pickup_id = s.subject_id AND t.kind = $4)""",
        customer_id,
        OPEN,
        Kind.PICKUP_READY.value,
        Kind.PICKUP_NOTIFIED.value,
    )
    return int(count)


async def customers_of_store(
    pool: asyncpg.Pool, store_id: str, first: int = 100, after: str | None = None
) -> list[str]:
    """Customers with business at a store (a pickup, a sale, a return received there, an
    order served from it), by id, `first` of them after the id `after`."""
    rows = await pool.fetch(
        """SELECT DISTINCT customer_id FROM timeline_subject
           WHERE store_id = $1 AND customer_id IS NOT NULL
             AND ($2::text IS NULL OR customer_id > $2)
           ORDER BY customer_id LIMIT $3""",
        store_id,
        after,
        first,
    )
    return [row["customer_id"] for row in rows]


async def has_business_with(pool: asyncpg.Pool, customer_id: str, store_id: str) -> bool:
    """Whether staff of a store may see this customer (the API's scope rule)."""
    found = await pool.fetchval(
        "SELECT 1 FROM timeline_subject WHERE store_id = $1 AND customer_id = $2 LIMIT 1",
        store_id,
        customer_id,
    )
    return found is not None


async def has_business_at(pool: asyncpg.Pool, customer_id: str, store_ids: Sequence[str]) -> bool:
    """Whether the customer has business with any of these stores (a staff member's)."""
    found = await pool.fetchval(
        """SELECT 1 FROM timeline_subject
           WHERE store_id = ANY($1::text[]) AND customer_id = $2 LIMIT 1""",
        list(store_ids),
        customer_id,
    )
    return found is not None


async def is_known(pool: asyncpg.Pool, customer_id: str) -> bool:
    """Whether the read model holds anything of this customer (a cart, order, sale, ...)."""
    found = await pool.fetchval(
        "SELECT 1 FROM timeline_subject WHERE customer_id = $1 LIMIT 1", customer_id
    )
    return found is not None
