"""The single customer view: every touchpoint of a customer on every channel, newest first,
and a header (lifetime purchases by channel, what is open), plus which customers have
business with a store.

A guest cart's touchpoints become the customer's, retroactively, once the cart is assigned
or merged at sign-in: it was the same person on that device, and the reason for this view is
that what they did on the phone before signing in is known everywhere after.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from uuid import UUID

import asyncpg

from domain.cart.model import Cart
from domain.ports import RecordedEvent
from projections.batch import columns, occurred_at
from projections.erasure import CUSTOMER_CARTS, CUSTOMER_ROWS, scrub
from projections.profile_touchpoints import PROFILE_TOPICS, follow_any
from projections.runner import Projection
from projections.timeline_queries import (
    ChannelPurchases,
    InvalidCursor,
    TimelineHeader,
    TimelinePage,
    Touchpoint,
    customers_of_store,
    decode_cursor,
    has_business_at,
    has_business_with,
    is_known,
    timeline,
    timeline_header,
)
from projections.touchpoints import Fold, Subject, Touch

# In table order: the batch's unnest(...) arrays follow them.
SUBJECT_COLUMNS = (  # noqa: SIM905
    "subject_id kind customer_id state store_id channel amount currency cart_id order_id sale_id"
).split()
SUBJECT_TYPES = "uuid text text text text text numeric text uuid uuid uuid".split()  # noqa: SIM905
ROW_TYPES = "bigint text timestamptz text text text text uuid uuid uuid uuid uuid text".split()  # noqa: SIM905


class CustomerTimeline(Projection):
    name = "customer_timeline"
    # v2: amounts in `numeric`, which holds any total an order or a sale reaches; v3: points
    version = 3
    topics = (
        "domain.cart.model:Cart.",
        "domain.order.model:Order.",
        "domain.pickup.model:Pickup.",
        "domain.returns.model:Return.",
        "domain.sale.model:Sale.",
        *PROFILE_TOPICS,
    )
    tables = ("timeline", "timeline_subject")

    async def erase(
        self, connection: asyncpg.Connection, customer_ids: Sequence[str], texts: Collection[str]
    ) -> None:
        where = f"{CUSTOMER_ROWS} OR {CUSTOMER_CARTS}"  # with their carts as a guest
        await scrub(
            connection, "timeline", where, customer_ids, texts, ("device_id",), ("summary",)
        )

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
        amount       numeric,
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
            followed = follow_any(recorded, fold)
            if followed is not None:
                rows.append(_row(recorded, *followed))
        for index, row in enumerate(rows):  # guest touchpoints of this batch, now claimed
            cart_id = row[7]
            if row[1] is None and isinstance(cart_id, UUID) and cart_id in fold.claimed:
                rows[index] = (row[0], fold.claimed[cart_id], *row[2:])
        await _write_subjects(connection, fold.subjects.values(), suffix)
        await _insert_rows(connection, rows, suffix)
        await _claim_earlier_touchpoints(connection, fold.claimed, suffix)
        await _follow_merges(connection, fold.merges, suffix)


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
        touch.store_id or subject.store_id,
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


async def _follow_merges(
    connection: asyncpg.Connection, merges: list[tuple[str, str]], suffix: str
) -> None:
    """A merged profile's touchpoints and business become the survivor's, in merge order (a
    survivor merged later takes what it took)."""
    for duplicate_id, survivor_id in merges:
        for table in ("timeline", "timeline_subject"):
            await connection.execute(
                f"UPDATE {table}{suffix} SET customer_id = $2 WHERE customer_id = $1",
                duplicate_id,
                survivor_id,
            )


__all__ = [
    "ChannelPurchases",
    "CustomerTimeline",
    "InvalidCursor",
    "TimelineHeader",
    "TimelinePage",
    "Touchpoint",
    "customers_of_store",
    "decode_cursor",
    "has_business_at",
    "has_business_with",
    "is_known",
    "timeline",
    "timeline_header",
]
