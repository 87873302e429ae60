"""The single customer view: every touchpoint of a customer on every channel, newest first,
and a header (lifetime purchases by channel, what is open), plus which customers have
business with a store.

A guest cart's touchpoints become the customer's, retroactively, once the cart is assigned
or merged at sign-in: it was the same person on that device, and the reason for this view is
that what they did on the phone before signing in is known everywhere after.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
import msgspec

from domain.cart.model import Cart
from domain.ports import RecordedEvent
from projections.batch import columns, occurred_at
from projections.runner import Projection
from projections.touchpoints import CANCELLED, OPEN, Fold, Subject, Touch, follow

# In table order: the batch's unnest(...) arrays follow them.
SUBJECT_COLUMNS = (  # noqa: SIM905
    "subject_id kind customer_id state store_id channel amount currency cart_id order_id sale_id"
).split()
SUBJECT_TYPES = "uuid text text text text text numeric text uuid uuid uuid".split()  # noqa: SIM905
ROW_TYPES = "bigint text timestamptz text text text text uuid uuid uuid uuid uuid text".split()  # noqa: SIM905


class CustomerTimeline(Projection):
    name = "customer_timeline"
    topics = (
        "domain.cart.model:Cart.",
        "domain.order.model:Order.",
        "domain.pickup.model:Pickup.",
        "domain.returns.model:Return.",
        "domain.sale.model:Sale.",
    )
    tables = ("timeline", "timeline_subject")
    schema = """
    CREATE TABLE timeline{s} (
        position     bigint PRIMARY KEY,
        customer_id  text,
        at           timestamptz NOT NULL,
        kind         text NOT NULL,
        channel      text NOT NULL,
        device_id    text,
        store_id     text,
        cart_id      uuid,
        order_id     uuid,
        pickup_id    uuid,
        return_id    uuid,
        sale_id      uuid,
        summary      text NOT NULL
    );
    CREATE INDEX timeline_customer{s} ON timeline{s} (customer_id, at DESC, position DESC);
    CREATE INDEX timeline_guest_cart{s} ON timeline{s} (cart_id) WHERE customer_id IS NULL;
    CREATE TABLE timeline_subject{s} (
        subject_id   uuid PRIMARY KEY,
        kind         text NOT NULL,
        customer_id  text,
        state        text NOT NULL,
        store_id     text,
        channel      text,
        amount       numeric(12, 2),
        currency     text,
        cart_id      uuid,
        order_id     uuid,
        sale_id      uuid
    );
    CREATE INDEX timeline_subject_customer{s} ON timeline_subject{s} (customer_id, kind);
    CREATE INDEX timeline_subject_store{s} ON timeline_subject{s} (store_id, customer_id);
    """

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        # One read of the subjects the batch refers to, then three set-based writes.
        fold = Fold(await _subjects(connection, batch, suffix))
        rows = []
        for recorded in batch:
            followed = follow(recorded, fold)
            if followed is not None:
                rows.append(_row(recorded, *followed))
        for index, row in enumerate(rows):  # guest touchpoints of this batch, now claimed
            cart_id = row[7]
            if row[1] is None and isinstance(cart_id, UUID) and cart_id in fold.claimed:
                rows[index] = (row[0], fold.claimed[cart_id], *row[2:])
        await _write_subjects(connection, fold.subjects.values(), suffix)
        await _insert_rows(connection, rows, suffix)
        await _claim_earlier_touchpoints(connection, fold.claimed, suffix)


async def _subjects(
    connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
) -> dict[UUID, Subject]:
    wanted = {r.stream_id for r in batch}
    wanted |= {r.event.source_cart_id for r in batch if isinstance(r.event, Cart.LinesMerged)}
    rows = await connection.fetch(
        f"SELECT * FROM timeline_subject{suffix} WHERE subject_id = ANY($1::uuid[])", list(wanted)
    )
    return {row["subject_id"]: Subject(*row.values()) for row in rows}


def _row(recorded: RecordedEvent, subject: Subject, touch: Touch) -> tuple[object, ...]:
    ids = {
        "cart_id": subject.cart_id,
        "order_id": subject.order_id,
        "sale_id": subject.sale_id,
        f"{subject.kind}_id": subject.id,
    }
    context = recorded.context
    return (
        recorded.position.position,
        subject.customer_id,
        occurred_at(recorded),
        touch.kind.value,
        context.channel.value,
        context.device_id,
        subject.store_id,
        ids.get("cart_id"),
        ids.get("order_id"),
        ids.get("pickup_id"),
        ids.get("return_id"),
        ids.get("sale_id"),
        touch.summary,
    )


async def _write_subjects(
    connection: asyncpg.Connection, subjects: Iterable[Subject], suffix: str
) -> None:
    rows = [tuple(vars(subject).values()) for subject in subjects]
    if not rows:
        return
    unnest = ", ".join(f"${n}::{t}[]" for n, t in enumerate(SUBJECT_TYPES, start=1))
    updates = ", ".join(f"{c} = excluded.{c}" for c in SUBJECT_COLUMNS[1:])
    await connection.execute(
        f"""INSERT INTO timeline_subject{suffix} SELECT * FROM unnest({unnest})
            ON CONFLICT (subject_id) DO UPDATE SET {updates}""",
        *columns(rows, len(SUBJECT_COLUMNS)),
    )


async def _insert_rows(
    connection: asyncpg.Connection, rows: list[tuple[object, ...]], suffix: str
) -> None:
    if rows:
        unnest = ", ".join(f"${n}::{t}[]" for n, t in enumerate(ROW_TYPES, start=1))
        await connection.execute(
            f"INSERT INTO timeline{suffix} SELECT * FROM unnest({unnest})",
            *columns(rows, len(ROW_TYPES)),
        )


async def _claim_earlier_touchpoints(
    connection: asyncpg.Connection, claimed: dict[UUID, str], suffix: str
) -> None:
    if claimed:
        await connection.execute(
            f"""UPDATE timeline{suffix} t SET customer_id = c.customer_id
                FROM unnest($1::uuid[], $2::text[]) AS c(cart_id, customer_id)
                WHERE t.cart_id = c.cart_id AND t.customer_id IS NULL""",
            list(claimed),
            list(claimed.values()),
        )


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
    )


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
