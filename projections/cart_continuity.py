# Over 300 lines: one read model, its event handlers and its queries together (STYLE.md).
"""Cart continuity: a customer's current cart from any device, its lines and totals, and which
devices and channels touched it.

A customer's current cart is the one their `CustomerCarts` stream names (decided on the write
side, in the same append as the cart events): this read model follows it and never chooses.
A customer whose stream does not exist yet (carts written before it) falls back to their most
recently active open cart, the same cart the write side adopts when it opens the stream.
Times are the events' business times (`at`, from the service clock).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
import msgspec

from domain.cart.model import Cart, CartLine, CartStatus
from domain.customer.model import CustomerCarts
from domain.personal import ERASED
from domain.ports import RecordedEvent
from projections.current_carts import CURRENT_CART, CurrentCarts
from projections.erasure import CUSTOMER_CARTS
from projections.runner import Projection


class CartContinuity(Projection):
    name = "cart_continuity"
    version = 2  # v2: the write side's current cart, business times, cart versions
    topics = ("domain.cart.model:Cart.", "domain.customer.model:CustomerCarts.")
    tables = ("cart_view", "cart_line_view", "cart_touch_view", "current_cart_view")

    async def erase(
        self, connection: asyncpg.Connection, customer_ids: Sequence[str], texts: Collection[str]
    ) -> None:
        """A cart's touches from two of the customer's devices become one row, as a rebuild
        keys them both by the placeholder."""
        wanted = sorted({t for t in texts if t and t != ERASED})
        if not wanted:
            return
        await connection.execute(
            f"""WITH gone AS (
                  DELETE FROM cart_touch_view
                  WHERE {CUSTOMER_CARTS} AND device_id = ANY($2::text[])
                  RETURNING cart_id, channel, first_at, last_at, touches)
                INSERT INTO cart_touch_view
                SELECT cart_id, channel, $3, min(first_at), max(last_at), sum(touches)
                FROM gone GROUP BY cart_id, channel
                ON CONFLICT (cart_id, channel, device_id) DO UPDATE SET
                  first_at = least(cart_touch_view.first_at, excluded.first_at),
                  last_at = greatest(cart_touch_view.last_at, excluded.last_at),
                  touches = cart_touch_view.touches + excluded.touches""",
            list(customer_ids),
            wanted,
            ERASED,
        )

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
        last_activity_at  timestamptz NOT NULL,
        version           integer NOT NULL
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
    CREATE TABLE current_cart_view{s} (
        stream_id    uuid PRIMARY KEY,
        customer_id  text NOT NULL UNIQUE,
        cart_id      uuid
    );
    """

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        # Two statements per event made this the slowest replay (~10,000 events/s). A cart
        # row only ever takes absolute values, so the batch folds to one final value per
        # field; line changes include relative ones (a line added again adds up), so they
        # keep their order, consecutive ones of a kind sent as one pipelined executemany.
        carts: dict[UUID, _CartChange] = {}
        lines = _Runs()
        current = CurrentCarts()
        cart_events = []
        for recorded in batch:
            if isinstance(recorded.event, CustomerCarts.Event):
                current.fold(recorded)
                continue
            cart_events.append(recorded)
            _fold_cart(carts, recorded)
            _line_change(lines, recorded, suffix)
        await _write_carts(connection, carts, suffix)
        for sql, rows in lines.runs:
            await connection.executemany(sql, rows)
        await _record_touches(connection, cart_events, suffix)
        await current.write(connection, suffix)


def _business_time(recorded: RecordedEvent) -> datetime:
    """When the fact happened by the service clock; every cart event carries it."""
    at: datetime = getattr(recorded.event, "at", recorded.recorded_at)
    return at


@dataclass
class _CartChange:
    """What a batch did to one cart row: created (its first values), then changed."""

    last_activity_at: datetime
    version: int
    created: Cart.Created | None = None
    created_at: datetime | None = None
    fields: dict[str, object] = field(default_factory=dict)


def _fold_cart(carts: dict[UUID, _CartChange], recorded: RecordedEvent) -> None:
    e, at = recorded.event, _business_time(recorded)
    change = carts.setdefault(recorded.stream_id, _CartChange(at, recorded.version))
    change.last_activity_at, change.version = at, recorded.version
    match e:
        case Cart.Created():
            change.created, change.created_at = e, at
        case Cart.AssignedToCustomer():
            change.fields["customer_id"] = e.customer_id
        case Cart.MergedInto():
            change.fields.update(status=CartStatus.MERGED.value, merged_into=e.target_cart_id)
        case Cart.CheckedOut():
            change.fields.update(status=CartStatus.CHECKED_OUT.value, order_id=e.order_id)
        case Cart.BoughtInStore():
            change.fields["status"] = CartStatus.BOUGHT_IN_STORE.value
        case Cart.Abandoned():
            change.fields["status"] = CartStatus.ABANDONED.value
        case Cart.Recovered():
            change.fields["status"] = CartStatus.OPEN.value


async def _write_carts(
    connection: asyncpg.Connection, carts: dict[UUID, _CartChange], suffix: str
) -> None:
    new = [(cart_id, c) for cart_id, c in carts.items() if c.created is not None]
    known = [(cart_id, c) for cart_id, c in carts.items() if c.created is None]
    if new:
        await connection.executemany(
            f"INSERT INTO cart_view{suffix} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            [_new_cart_row(cart_id, c) for cart_id, c in new],
        )
    if known:
        await connection.executemany(
            f"""UPDATE cart_view{suffix} SET last_activity_at = $2, version = $3,
                  customer_id = coalesce($4, customer_id), status = coalesce($5, status),
                  order_id = coalesce($6, order_id), merged_into = coalesce($7, merged_into)
                WHERE cart_id = $1""",
            [
                (cart_id, c.last_activity_at, c.version, *(c.fields.get(f) for f in CHANGEABLE))
                for cart_id, c in known
            ],
        )


CHANGEABLE = ("customer_id", "status", "order_id", "merged_into")


def _new_cart_row(cart_id: UUID, change: _CartChange) -> tuple[object, ...]:
    created, fields = change.created, change.fields
    assert created is not None
    return (
        cart_id,
        fields.get("customer_id", created.customer_id),
        fields.get("status", CartStatus.OPEN.value),
        created.channel.value,
        created.currency,
        fields.get("order_id"),
        fields.get("merged_into"),
        change.created_at,
        change.last_activity_at,
        change.version,
    )


class _Runs:
    """Statements in order, consecutive ones with the same SQL gathered for executemany."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, list[tuple[object, ...]]]] = []

    def add(self, sql: str, row: tuple[object, ...]) -> None:
        if self.runs and self.runs[-1][0] == sql:
            self.runs[-1][1].append(row)
        else:
            self.runs.append((sql, [row]))


def _line_change(lines: _Runs, recorded: RecordedEvent, suffix: str) -> None:
    e, cart_id = recorded.event, recorded.stream_id
    match e:
        case Cart.LineAdded():
            lines.add(
                f"""INSERT INTO cart_line_view{suffix} VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (cart_id, sku) DO UPDATE SET
                      quantity = cart_line_view{suffix}.quantity + excluded.quantity,
                      unit_price = excluded.unit_price""",
                (cart_id, e.sku, e.quantity, e.unit_price.amount, recorded.version),
            )
        case Cart.QuantityChanged():
            lines.add(
                f"UPDATE cart_line_view{suffix} SET quantity = $3 WHERE cart_id = $1 AND sku = $2",
                (cart_id, e.sku, e.quantity),
            )
        case Cart.LineRemoved():
            lines.add(
                f"DELETE FROM cart_line_view{suffix} WHERE cart_id = $1 AND sku = $2",
                (cart_id, e.sku),
            )
        case Cart.LinesMerged():
            _set_lines(lines, recorded, e.lines, suffix)
        case Cart.Recovered():
            # The re-checked lines replace the cart's: dropped ones go, the others keep
            # their place in the cart.
            lines.add(
                f"DELETE FROM cart_line_view{suffix} WHERE cart_id = $1 AND sku <> ALL($2)",
                (cart_id, [line.sku for line in e.lines]),
            )
            _set_lines(lines, recorded, e.lines, suffix)


def _set_lines(lines: _Runs, recorded: RecordedEvent, changed: list[CartLine], suffix: str) -> None:
    for line in changed:
        lines.add(
            f"""INSERT INTO cart_line_view{suffix} VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = excluded.quantity,
                  unit_price = excluded.unit_price""",
            (
                recorded.stream_id,
                line.sku,
                line.quantity,
                line.unit_price.amount,
                recorded.version,
            ),
        )


async def _record_touches(
    connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
) -> None:
    # A write that named no device is keyed '' (the key cannot be null) and read as None:
    # an unknown device, not a device of its own.
    await connection.executemany(
        f"""INSERT INTO cart_touch_view{suffix} VALUES ($1, $2, $3, $4, $4, 1)
            ON CONFLICT (cart_id, channel, device_id) DO UPDATE SET
              last_at = excluded.last_at, touches = cart_touch_view{suffix}.touches + 1""",
        [
            (r.stream_id, r.context.channel.value, r.context.device_id or "", _business_time(r))
            for r in batch
        ],
    )


class CartLineView(msgspec.Struct, frozen=True, array_like=True):
    sku: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal


class CartTouch(msgspec.Struct, frozen=True, array_like=True):
    channel: str
    device_id: str | None  # None: the writes named no device
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
    version: int
    lines: list[CartLineView]
    touches: list[CartTouch]

    @property
    def total(self) -> Decimal:
        return sum((line.subtotal for line in self.lines), Decimal("0.00"))

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


# A cart with its lines and touches in one statement: the lines and touches come back as JSON
# arrays of arrays, which msgspec decodes straight into the view (a cart read was four round
# trips, the largest share of a cart query's time).
CART_WITH_DETAILS = """
SELECT c.cart_id, c.customer_id, c.status, c.channel, c.currency, c.order_id, c.merged_into,
       c.created_at, c.last_activity_at, c.version,
       (SELECT coalesce(jsonb_agg(jsonb_build_array(l.sku, l.quantity, l.unit_price,
                                                    l.quantity * l.unit_price)
                                  ORDER BY l.position, l.sku COLLATE "C"), '[]')
          FROM cart_line_view l WHERE l.cart_id = c.cart_id) AS lines,
       (SELECT coalesce(jsonb_agg(jsonb_build_array(t.channel, nullif(t.device_id, ''), t.first_at,
                                                    t.last_at, t.touches)
                                  ORDER BY t.first_at), '[]')
          FROM cart_touch_view t WHERE t.cart_id = c.cart_id) AS touches
FROM cart_view c
"""

decode_lines = msgspec.json.Decoder(list[CartLineView]).decode
decode_touches = msgspec.json.Decoder(list[CartTouch]).decode


def _cart_view(row: asyncpg.Record) -> CartView:
    return CartView(
        row["cart_id"],
        row["customer_id"],
        row["status"],
        row["channel"],
        row["currency"],
        row["order_id"],
        row["merged_into"],
        row["created_at"],
        row["last_activity_at"],
        row["version"],
        decode_lines(row["lines"]),
        decode_touches(row["touches"]),
    )


async def carts_by_id(pool: asyncpg.Pool, cart_ids: Sequence[UUID]) -> dict[UUID, CartView]:
    """Carts with their lines and touches: one statement for any number of carts."""
    rows = await pool.fetch(CART_WITH_DETAILS + "WHERE c.cart_id = ANY($1::uuid[])", cart_ids)
    return {row["cart_id"]: _cart_view(row) for row in rows}


async def cart(pool: asyncpg.Pool, cart_id: UUID) -> CartView | None:
    row = await pool.fetchrow(CART_WITH_DETAILS + "WHERE c.cart_id = $1", cart_id)
    return _cart_view(row) if row is not None else None


async def current_cart_id(pool: asyncpg.Pool, customer_id: str) -> UUID | None:
    """The customer's current cart, from whichever device: the one the write side chose."""
    return await pool.fetchval(CURRENT_CART, customer_id)


async def current_cart(pool: asyncpg.Pool, customer_id: str) -> CartView | None:
    """The customer's current cart (the write side's choice) with its details: one statement."""
    row = await pool.fetchrow(
        CART_WITH_DETAILS + f"WHERE c.cart_id = ({CURRENT_CART}) AND c.status = 'open'",
        customer_id,
    )
    return _cart_view(row) if row is not None else None
