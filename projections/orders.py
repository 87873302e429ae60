"""Orders and returns as customers and staff see them: status, lines, totals, history."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
import msgspec

from domain.customer.profile import CustomerProfile
from domain.order.model import Order, OrderLine, OrderStatus
from domain.ports import RecordedEvent
from domain.returns.model import Return, ReturnLine, ReturnStatus, status_after_inspection
from projections.erasure import CUSTOMER_ROWS, scrub
from projections.runner import Projection


async def _follow_merge(
    connection: asyncpg.Connection, merged: CustomerProfile.MergedInto, suffix: str
) -> None:
    """A merged profile's orders and returns are the survivor's to see (`myOrders`)."""
    for table in ("order_view", "return_view"):
        await connection.execute(
            f"UPDATE {table}{suffix} SET customer_id = $2 WHERE customer_id = $1",
            merged.customer_id,
            merged.survivor_id,
        )


class Orders(Projection):
    name = "orders"
    # v2: return_view.sale_id (a return may be of a till sale); statuses exactly the
    # aggregates' (a refunded and restocked return closes); v3: amounts in `numeric`, which
    # holds any total the write side accepts (numeric(12, 2) stopped at 10^10)
    version = 3
    topics = (
        "domain.order.model:Order.",
        "domain.returns.model:Return.",
        "domain.customer.profile:CustomerProfile.MergedInto",
    )
    tables = ("order_view", "return_view")

    async def erase(
        self, connection: asyncpg.Connection, customer_ids: Sequence[str], texts: Collection[str]
    ) -> None:
        await scrub(connection, "return_view", CUSTOMER_ROWS, customer_ids, texts, ("reason",))

    schema = """
    CREATE TABLE order_view{s} (
        order_id         uuid PRIMARY KEY,
        customer_id      text,
        cart_id          uuid NOT NULL,
        channel          text NOT NULL,
        status           text NOT NULL,
        fulfillment      text NOT NULL,
        location_id      text NOT NULL,
        lines            jsonb NOT NULL,
        currency         text NOT NULL,
        total            numeric NOT NULL,
        amount_due_back  numeric NOT NULL DEFAULT 0.00,
        placed_at        timestamptz NOT NULL,
        completed_at     timestamptz,
        updated_at       timestamptz NOT NULL
    );
    CREATE INDEX order_view_customer{s} ON order_view{s} (customer_id, placed_at DESC);
    CREATE TABLE return_view{s} (
        return_id     uuid PRIMARY KEY,
        order_id      uuid,
        sale_id       uuid,
        customer_id   text,
        status        text NOT NULL,
        channel       text NOT NULL,
        reason        text NOT NULL,
        lines         jsonb NOT NULL,
        location_id   text,
        refunded      numeric,
        resellable    integer,
        restocked     boolean NOT NULL DEFAULT false,
        requested_at  timestamptz NOT NULL,
        updated_at    timestamptz NOT NULL
    );
    CREATE INDEX return_view_order{s} ON return_view{s} (order_id);
    """

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        for recorded in batch:
            if recorded.topic.startswith(self.topics[0]):
                await self._order(connection, recorded, suffix)
            elif recorded.topic.startswith(self.topics[1]):
                await self._return(connection, recorded, suffix)
            elif isinstance(recorded.event, CustomerProfile.MergedInto):
                await _follow_merge(connection, recorded.event, suffix)

    async def _order(
        self, connection: asyncpg.Connection, recorded: RecordedEvent, suffix: str
    ) -> None:
        e, order_id, at = recorded.event, recorded.stream_id, recorded.recorded_at
        set_ = _setter(connection, f"order_view{suffix}", "order_id", order_id, at)
        match e:
            case Order.Placed():
                await connection.execute(
                    f"""INSERT INTO order_view{suffix} (order_id, customer_id, cart_id, channel,
                          status, fulfillment, location_id, lines, currency, total, placed_at,
                          updated_at)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)""",
                    order_id,
                    e.customer_id,
                    e.cart_id,
                    e.channel.value,
                    OrderStatus.PLACED.value,
                    e.fulfillment.method.value,
                    e.fulfillment.location_id,
                    msgspec.json.encode(e.lines),
                    e.currency,
                    e.total.amount,
                    e.placed_at,
                    at,
                )
            case Order.PaymentAuthorized():
                await set_(status=OrderStatus.PAYMENT_AUTHORIZED.value)
            case Order.PaymentFailed():
                await set_(status=OrderStatus.PAYMENT_FAILED.value)
            case Order.PaymentCaptured():
                await set_(status=OrderStatus.PAID.value)
            case Order.LineCancelled():
                await connection.execute(
                    f"""UPDATE order_view{suffix} SET amount_due_back = amount_due_back + $2,
                        updated_at = $3 WHERE order_id = $1""",
                    order_id,
                    e.amount_due_back.amount,
                    at,
                )
            case Order.Cancelled():
                await set_(status=OrderStatus.CANCELLED.value)
            case Order.Completed():
                await set_(status=OrderStatus.COMPLETED.value, completed_at=e.at)

    async def _return(
        self, connection: asyncpg.Connection, recorded: RecordedEvent, suffix: str
    ) -> None:
        e, return_id, at = recorded.event, recorded.stream_id, recorded.recorded_at
        set_ = _setter(connection, f"return_view{suffix}", "return_id", return_id, at)
        match e:
            case Return.Requested():
                await connection.execute(
                    f"""INSERT INTO return_view{suffix} (return_id, order_id, customer_id,
                          status, channel, reason, lines, requested_at, updated_at, sale_id)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
                    return_id,
                    e.order_id,
                    e.customer_id,
                    ReturnStatus.REQUESTED.value,
                    e.channel.value,
                    e.reason,
                    msgspec.json.encode(e.lines),
                    e.requested_at,
                    at,
                    e.sale_id,
                )
            case Return.Received():
                await set_(status=ReturnStatus.RECEIVED.value, location_id=e.location_id)
            case Return.Inspected():
                resellable = sum(result.resellable_quantity for result in e.results)
                await set_(status=ReturnStatus.INSPECTED.value, resellable=resellable)
            case Return.Refunded():
                status = await _settled(connection, suffix, return_id, refunded=True)
                await set_(refunded=e.amount.amount, status=status)
            case Return.Restocked():
                status = await _settled(connection, suffix, return_id, restocked=True)
                await set_(restocked=True, status=status)
            case Return.Cancelled():
                await set_(status=ReturnStatus.CANCELLED.value)


async def _settled(
    connection: asyncpg.Connection,
    suffix: str,
    return_id: UUID,
    refunded: bool = False,
    restocked: bool = False,
) -> str:
    """The status after a refund or a restock, by the aggregate's own rule."""
    row = await connection.fetchrow(
        f"SELECT refunded, restocked, resellable FROM return_view{suffix} WHERE return_id = $1",
        return_id,
    )
    return status_after_inspection(
        refunded or row["refunded"] is not None,
        restocked or row["restocked"],
        row["resellable"] or 0,
    ).value


def _setter(connection: asyncpg.Connection, table: str, key: str, key_value: UUID, at: datetime):  # type: ignore[no-untyped-def]
    async def set_(**changes: object) -> None:
        assignments = "".join(f", {c} = ${n}" for n, c in enumerate(changes, start=3))
        await connection.execute(
            f"UPDATE {table} SET updated_at = $2{assignments} WHERE {key} = $1",
            key_value,
            at,
            *changes.values(),
        )

    return set_


class OrderView(msgspec.Struct, frozen=True):
    order_id: UUID
    customer_id: str | None
    cart_id: UUID
    channel: str
    status: str
    fulfillment: str
    location_id: str
    lines: list[OrderLine]
    currency: str
    total: Decimal
    amount_due_back: Decimal
    placed_at: datetime
    completed_at: datetime | None
    updated_at: datetime


class ReturnView(msgspec.Struct, frozen=True):
    return_id: UUID
    order_id: UUID | None
    customer_id: str | None
    status: str
    channel: str
    reason: str
    lines: list[ReturnLine]
    location_id: str | None
    refunded: Decimal | None
    resellable: int | None
    restocked: bool
    requested_at: datetime
    updated_at: datetime
    sale_id: UUID | None = None


decode_order_lines = msgspec.json.Decoder(list[OrderLine]).decode
decode_return_lines = msgspec.json.Decoder(list[ReturnLine]).decode


def _order(row: asyncpg.Record) -> OrderView:
    return OrderView(**{**dict(row), "lines": decode_order_lines(row["lines"])})


async def orders_by_id(pool: asyncpg.Pool, order_ids: Sequence[UUID]) -> dict[UUID, OrderView]:
    rows = await pool.fetch(
        "SELECT * FROM order_view WHERE order_id = ANY($1::uuid[])", list(order_ids)
    )
    return {row["order_id"]: _order(row) for row in rows}


async def orders_of_customer(
    pool: asyncpg.Pool, customer_id: str, limit: int, after: OrderCursor | None = None
) -> list[OrderView]:
    """Newest first; `after` is the last row's `order_cursor` (placed_at, then order id, so
    orders placed in the same instant are neither skipped nor repeated)."""
    placed_at, order_id = after if after is not None else (None, None)
    rows = await pool.fetch(
        """SELECT * FROM order_view WHERE customer_id = $1
           AND ($2::timestamptz IS NULL OR (placed_at, order_id) < ($2, $3::uuid))
           ORDER BY placed_at DESC, order_id DESC LIMIT $4""",
        customer_id,
        placed_at,
        order_id,
        limit,
    )
    return [_order(row) for row in rows]


OrderCursor = tuple[datetime, UUID]


def order_cursor(view: OrderView) -> OrderCursor:
    return view.placed_at, view.order_id


async def return_by_id(pool: asyncpg.Pool, return_id: UUID) -> ReturnView | None:
    row = await pool.fetchrow("SELECT * FROM return_view WHERE return_id = $1", return_id)
    if row is None:
        return None
    return ReturnView(**{**dict(row), "lines": decode_return_lines(row["lines"])})
