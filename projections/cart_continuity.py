"""Cart continuity: a customer's current cart from any device, its lines and totals, and which
devices and channels touched it.

The current cart is not stored: it is the customer's most recently active open cart, found
through an index. Merges and checkouts move it simply by closing carts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
import msgspec

from domain.cart.model import Cart
from domain.ports import RecordedEvent
from projections.runner import Projection


class CartContinuity(Projection):
    name = "cart_continuity"
    topics = ("domain.cart.model:Cart.",)
    tables = ("cart_view", "cart_line_view", "cart_touch_view")
    schema = """
    CREATE TABLE cart_view{s} (
        cart_id           uuid PRIMARY KEY,
        customer_id       text,
        status            text NOT NULL,
        channel           text NOT NULL,
        currency          text NOT NULL,
        order_id          uuid,
        merged_into       uuid,
        created_at        timestamptz NOT NULL,
        last_activity_at  timestamptz NOT NULL
    );
    CREATE INDEX cart_view_current{s} ON cart_view{s} (customer_id, last_activity_at DESC)
        WHERE status = 'open';
    CREATE TABLE cart_line_view{s} (
        cart_id     uuid NOT NULL,
        sku         text NOT NULL,
        quantity    integer NOT NULL,
        unit_price  numeric(12, 2) NOT NULL,
        position    integer NOT NULL,
        PRIMARY KEY (cart_id, sku)
    );
    CREATE TABLE cart_touch_view{s} (
        cart_id    uuid NOT NULL,
        channel    text NOT NULL,
        device_id  text NOT NULL,
        first_at   timestamptz NOT NULL,
        last_at    timestamptz NOT NULL,
        touches    integer NOT NULL,
        PRIMARY KEY (cart_id, channel, device_id)
    );
    """

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        for recorded in batch:
            await self._apply_one(connection, recorded, suffix)
        await self._record_touches(connection, batch, suffix)

    async def _apply_one(
        self, connection: asyncpg.Connection, recorded: RecordedEvent, suffix: str
    ) -> None:
        e, cart_id, at = recorded.event, recorded.stream_id, recorded.recorded_at
        execute = connection.execute
        match e:
            case Cart.Created():
                await execute(
                    f"""INSERT INTO cart_view{suffix} VALUES ($1, $2, 'open', $3, $4, NULL,
                        NULL, $5, $5)""",
                    cart_id,
                    e.customer_id,
                    e.channel.value,
                    e.currency,
                    at,
                )
                return
            case Cart.LineAdded():
                await execute(
                    f"""INSERT INTO cart_line_view{suffix} VALUES ($1, $2, $3, $4, $5)
                        ON CONFLICT (cart_id, sku) DO UPDATE SET
                          quantity = cart_line_view{suffix}.quantity + excluded.quantity,
                          unit_price = excluded.unit_price""",
                    cart_id,
                    e.sku,
                    e.quantity,
                    e.unit_price.amount,
                    recorded.version,
                )
            case Cart.QuantityChanged():
                await execute(
                    f"UPDATE cart_line_view{suffix} SET quantity = $3"
                    " WHERE cart_id = $1 AND sku = $2",
                    cart_id,
                    e.sku,
                    e.quantity,
                )
            case Cart.LineRemoved():
                await execute(
                    f"DELETE FROM cart_line_view{suffix} WHERE cart_id = $1 AND sku = $2",
                    cart_id,
                    e.sku,
                )
            case Cart.LinesMerged():
                await connection.executemany(
                    f"""INSERT INTO cart_line_view{suffix} VALUES ($1, $2, $3, $4, $5)
                        ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = excluded.quantity,
                          unit_price = excluded.unit_price""",
                    [
                        (cart_id, line.sku, line.quantity, line.unit_price.amount, recorded.version)
                        for line in e.lines
                    ],
                )
            case Cart.AssignedToCustomer():
                await self._set(connection, suffix, cart_id, at, customer_id=e.customer_id)
                return
            case Cart.MergedInto():
                await self._set(
                    connection, suffix, cart_id, at, status="merged", merged_into=e.target_cart_id
                )
                return
            case Cart.CheckedOut():
                await self._set(
                    connection, suffix, cart_id, at, status="checked_out", order_id=e.order_id
                )
                return
            case Cart.Abandoned():
                await self._set(connection, suffix, cart_id, at, status="abandoned")
                return
        await self._set(connection, suffix, cart_id, at)

    async def _set(
        self,
        connection: asyncpg.Connection,
        suffix: str,
        cart_id: UUID,
        at: datetime,
        **changes: object,
    ) -> None:
        assignments = "".join(f", {column} = ${n}" for n, column in enumerate(changes, start=3))
        await connection.execute(
            f"UPDATE cart_view{suffix} SET last_activity_at = $2{assignments} WHERE cart_id = $1",
            cart_id,
            at,
            *changes.values(),
        )

    async def _record_touches(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        await connection.executemany(
            f"""INSERT INTO cart_touch_view{suffix} VALUES ($1, $2, $3, $4, $4, 1)
                ON CONFLICT (cart_id, channel, device_id) DO UPDATE SET
                  last_at = excluded.last_at, touches = cart_touch_view{suffix}.touches + 1""",
            [
                (r.stream_id, r.context.channel.value, r.context.device_id or "", r.recorded_at)
                for r in batch
            ],
        )


class CartLineView(msgspec.Struct, frozen=True):
    sku: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal


class CartTouch(msgspec.Struct, frozen=True):
    channel: str
    device_id: str
    first_at: datetime
    last_at: datetime
    touches: int


class CartView(msgspec.Struct, frozen=True):
    cart_id: UUID
    customer_id: str | None
    status: str
    channel: str
    currency: str
    order_id: UUID | None
    merged_into: UUID | None
    created_at: datetime
    last_activity_at: datetime
    lines: list[CartLineView]
    touches: list[CartTouch]

    @property
    def total(self) -> Decimal:
        return sum((line.subtotal for line in self.lines), Decimal("0.00"))

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


async def carts_by_id(pool: asyncpg.Pool, cart_ids: Sequence[UUID]) -> dict[UUID, CartView]:
    """Carts with their lines and touches: three queries for any number of carts."""
    ids = list(cart_ids)
    carts = await pool.fetch("SELECT * FROM cart_view WHERE cart_id = ANY($1::uuid[])", ids)
    lines = await pool.fetch(
        """SELECT cart_id, sku, quantity, unit_price, quantity * unit_price AS subtotal
           FROM cart_line_view WHERE cart_id = ANY($1::uuid[]) ORDER BY cart_id, position, sku""",
        ids,
    )
    touches = await pool.fetch(
        """SELECT * FROM cart_touch_view WHERE cart_id = ANY($1::uuid[])
           ORDER BY cart_id, first_at""",
        ids,
    )
    return {
        row["cart_id"]: CartView(
            **dict(row),
            lines=[
                CartLineView(r["sku"], r["quantity"], r["unit_price"], r["subtotal"])
                for r in lines
                if r["cart_id"] == row["cart_id"]
            ],
            touches=[
                CartTouch(r["channel"], r["device_id"], r["first_at"], r["last_at"], r["touches"])
                for r in touches
                if r["cart_id"] == row["cart_id"]
            ],
        )
        for row in carts
    }


async def cart(pool: asyncpg.Pool, cart_id: UUID) -> CartView | None:
    return (await carts_by_id(pool, [cart_id])).get(cart_id)


async def current_cart_id(pool: asyncpg.Pool, customer_id: str) -> UUID | None:
    """The customer's most recently active open cart, from whichever device."""
    return await pool.fetchval(
        """SELECT cart_id FROM cart_view WHERE customer_id = $1 AND status = 'open'
           ORDER BY last_activity_at DESC LIMIT 1""",
        customer_id,
    )


async def current_cart(pool: asyncpg.Pool, customer_id: str) -> CartView | None:
    cart_id = await current_cart_id(pool, customer_id)
    return await cart(pool, cart_id) if cart_id is not None else None
