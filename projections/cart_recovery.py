# Over 300 lines: one read model, its event handlers and its queries together (STYLE.md).
"""Cart recovery: abandoned carts per day and channel with their value, how many of them and
how much of that value came back; and the carts a customer (or a guest) can still recover.

Each abandonment is a row of its own: a cart recovered and left again counts twice. "Value" is
the cart's lines at abandonment at their cart prices; "value recovered" is the lines as they
came back, re-checked against the catalog and stock.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
import msgspec

from domain.cart.model import Cart, CartLine
from domain.ports import RecordedEvent
from projections.batch import columns
from projections.erasure import CUSTOMER_CARTS, scrub
from projections.runner import Projection

CART_TYPES = "uuid text text text text text timestamptz int".split()  # noqa: SIM905
ABANDONMENT_TYPES = "uuid int timestamptz text text text numeric int".split()  # noqa: SIM905
RECOVERY_TYPES = "uuid int timestamptz numeric text text".split()  # noqa: SIM905

encode_lines = msgspec.json.Encoder().encode
decode_lines = msgspec.json.Decoder(list[CartLine]).decode


class CartRecovery(Projection):
    name = "cart_recovery"
    version = 2  # v2: cart values in `numeric`, which holds any total a cart can reach
    topics = ("domain.cart.model:Cart.",)
    tables = ("recovery_cart", "abandonment")

    async def erase(
        self, connection: asyncpg.Connection, customer_ids: Sequence[str], texts: Collection[str]
    ) -> None:
        whole = ("recovered_device",)
        await scrub(connection, "abandonment", CUSTOMER_CARTS, customer_ids, texts, whole)

    schema = """
    CREATE TABLE recovery_cart{s} (
        cart_id       uuid PRIMARY KEY,
        customer_id   text,
        channel       text NOT NULL,
        currency      text NOT NULL,
        status        text NOT NULL,
        lines         jsonb NOT NULL,
        abandoned_at  timestamptz,
        abandonments  integer NOT NULL
    );
    CREATE INDEX recovery_cart_recoverable{s} ON recovery_cart{s} (customer_id, abandoned_at DESC)
        WHERE status = 'abandoned';
    CREATE TABLE abandonment{s} (
        cart_id            uuid NOT NULL,
        number             integer NOT NULL,
        abandoned_at       timestamptz NOT NULL,
        channel            text NOT NULL,
        customer_id        text,
        currency           text NOT NULL,
        value              numeric NOT NULL,
        items              integer NOT NULL,
        recovered_at       timestamptz,
        recovered_value    numeric,
        recovered_channel  text,
        recovered_device   text,
        PRIMARY KEY (cart_id, number)
    );
    CREATE INDEX abandonment_day{s} ON abandonment{s} (abandoned_at);
    """

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        # Each cart the batch touches is read once, folded in memory, and written back with
        # the batch's abandonments and recoveries: four statements per batch.
        carts = await _carts(connection, {r.stream_id for r in batch}, suffix)
        abandoned: list[tuple[object, ...]] = []
        recovered: list[tuple[object, ...]] = []
        for recorded in batch:
            _fold(carts, recorded, abandoned, recovered)
        await _write(connection, carts, abandoned, recovered, suffix)


@dataclass
class _Cart:
    cart_id: UUID
    customer_id: str | None
    channel: str
    currency: str
    status: str = "open"
    lines: dict[str, CartLine] = field(default_factory=dict)
    abandoned_at: datetime | None = None
    abandonments: int = 0

    def row(self) -> tuple[object, ...]:
        lines = encode_lines(list(self.lines.values())).decode()
        values = (self.customer_id, self.channel, self.currency, self.status, lines)
        return (self.cart_id, *values, self.abandoned_at, self.abandonments)


async def _carts(
    connection: asyncpg.Connection, cart_ids: set[UUID], suffix: str
) -> dict[UUID, _Cart]:
    rows = await connection.fetch(
        f"SELECT * FROM recovery_cart{suffix} WHERE cart_id = ANY($1::uuid[])", list(cart_ids)
    )
    carts = {}
    for row in rows:
        lines = {line.sku: line for line in decode_lines(row["lines"])}
        carts[row["cart_id"]] = _Cart(**{**dict(row), "lines": lines})
    return carts


def _fold(
    carts: dict[UUID, _Cart],
    recorded: RecordedEvent,
    abandoned: list[tuple[object, ...]],
    recovered: list[tuple[object, ...]],
) -> None:
    e, cart_id = recorded.event, recorded.stream_id
    if isinstance(e, Cart.Created):
        carts[cart_id] = _Cart(cart_id, e.customer_id, e.channel.value, e.currency)
        return
    cart = carts[cart_id]
    match e:
        case Cart.LineAdded():
            held = cart.lines[e.sku].quantity if e.sku in cart.lines else 0
            cart.lines[e.sku] = CartLine(e.sku, held + e.quantity, e.unit_price)
        case Cart.QuantityChanged():
            cart.lines[e.sku] = msgspec.structs.replace(cart.lines[e.sku], quantity=e.quantity)
        case Cart.LineRemoved():
            del cart.lines[e.sku]
        case Cart.LinesMerged():
            cart.lines.update({line.sku: line for line in e.lines})
        case Cart.AssignedToCustomer():
            cart.customer_id = e.customer_id
        case Cart.CheckedOut() | Cart.MergedInto() | Cart.BoughtInStore():
            cart.status = "closed"
        case Cart.Abandoned():
            cart.status, cart.abandoned_at = "abandoned", e.at
            cart.abandonments += 1
            abandoned.append(_abandonment(cart, e.at))
        case Cart.Recovered():
            cart.status, cart.lines = "open", {line.sku: line for line in e.lines}
            value = sum((line.subtotal.amount for line in e.lines), Decimal("0.00"))
            context = recorded.context
            recovery = (e.at, value, context.channel.value, context.device_id)
            recovered.append((cart_id, cart.abandonments, *recovery))


def _abandonment(cart: _Cart, at: datetime) -> tuple[object, ...]:
    value = sum((line.subtotal.amount for line in cart.lines.values()), Decimal("0.00"))
    items = sum(line.quantity for line in cart.lines.values())
    who = (cart.channel, cart.customer_id, cart.currency)
    return (cart.cart_id, cart.abandonments, at, *who, value, items)


async def _write(
    connection: asyncpg.Connection,
    carts: dict[UUID, _Cart],
    abandoned: list[tuple[object, ...]],
    recovered: list[tuple[object, ...]],
    suffix: str,
) -> None:
    if carts:
        await connection.execute(
            f"""INSERT INTO recovery_cart{suffix}
                SELECT c, cu, ch, cur, st, l::jsonb, at, n FROM unnest({_arrays(CART_TYPES)})
                  AS u(c, cu, ch, cur, st, l, at, n)
                ON CONFLICT (cart_id) DO UPDATE SET customer_id = excluded.customer_id,
                  status = excluded.status, lines = excluded.lines,
                  abandoned_at = excluded.abandoned_at, abandonments = excluded.abandonments""",
            *columns([cart.row() for cart in carts.values()], len(CART_TYPES)),
        )
    if abandoned:
        await connection.execute(
            f"""INSERT INTO abandonment{suffix} (cart_id, number, abandoned_at, channel,
                  customer_id, currency, value, items)
                SELECT * FROM unnest({_arrays(ABANDONMENT_TYPES)})""",
            *columns(abandoned, len(ABANDONMENT_TYPES)),
        )
    if recovered:
        await connection.execute(
            f"""UPDATE abandonment{suffix} a SET recovered_at = r.at, recovered_value = r.value,
                  recovered_channel = r.channel, recovered_device = r.device
                FROM unnest({_arrays(RECOVERY_TYPES)}) AS r(cart_id, number, at, value, channel,
                  device)
                WHERE a.cart_id = r.cart_id AND a.number = r.number""",
            *columns(recovered, len(RECOVERY_TYPES)),
        )


def _arrays(types: list[str]) -> str:
    return ", ".join(f"${n}::{t}[]" for n, t in enumerate(types, start=1))


class RecoveryStats(msgspec.Struct, frozen=True):
    """Carts abandoned on one day (in the given zone) that were started on one channel."""

    day: date
    channel: str
    currency: str
    abandoned: int
    value: Decimal
    recovered: int
    value_recovered: Decimal

    @property
    def recovered_share(self) -> float | None:
        return self.recovered / self.abandoned if self.abandoned else None


RecoveryKey = tuple[date, str, str]  # day, channel, currency: a row's place in the order


def recovery_key(stats: RecoveryStats) -> RecoveryKey:
    return (stats.day, stats.channel, stats.currency)


async def recovery_stats(
    pool: asyncpg.Pool,
    first_day: date,
    last_day: date,
    time_zone: str = "UTC",
    *,
    after: RecoveryKey | None = None,
    limit: int | None = None,
) -> list[RecoveryStats]:
    """Per day of abandonment (in `time_zone`: carts belong to no store) and channel, by
    (day, channel, currency); `limit` of them after the key `after`."""
    day, channel, currency = after or (None, None, None)
    rows = await pool.fetch(
        """SELECT * FROM (
             SELECT day, channel, currency, count(*) AS abandoned, sum(value) AS value,
                    count(recovered_at) AS recovered,
                    coalesce(sum(recovered_value), 0.00) AS value_recovered
             FROM (SELECT *, (abandoned_at AT TIME ZONE $3)::date AS day FROM abandonment
                   WHERE abandoned_at >= $1::date - 1 AND abandoned_at < $2::date + 2) AS a
             WHERE day BETWEEN $1 AND $2
             GROUP BY day, channel, currency) AS s
           WHERE $4::date IS NULL OR (day, channel, currency) > ($4, $5, $6)
           ORDER BY day, channel, currency LIMIT $7""",
        first_day,
        last_day,
        time_zone,
        day,
        channel,
        currency,
        limit,
    )
    return [RecoveryStats(**dict(row)) for row in rows]


class RecoverableCart(msgspec.Struct, frozen=True):
    cart_id: UUID
    customer_id: str | None
    channel: str
    currency: str
    abandoned_at: datetime
    lines: list[CartLine]

    @property
    def value(self) -> Decimal:
        return sum((line.subtotal.amount for line in self.lines), Decimal("0.00"))


def _recoverable(row: asyncpg.Record) -> RecoverableCart:
    values = {k: row[k] for k in ("cart_id", "customer_id", "channel", "currency", "abandoned_at")}
    return RecoverableCart(**values, lines=decode_lines(row["lines"]))


RecoverableKey = tuple[datetime, UUID]  # abandoned_at (newest first), then cart id


def recoverable_key(cart: RecoverableCart) -> RecoverableKey:
    return (cart.abandoned_at, cart.cart_id)


async def recoverable_carts(
    pool: asyncpg.Pool,
    customer_id: str,
    *,
    after: RecoverableKey | None = None,
    limit: int | None = None,
) -> list[RecoverableCart]:
    """A customer's abandoned carts that still hold lines, most recently abandoned first;
    `limit` of them after the key `after`."""
    at, cart_id = after or (None, None)
    rows = await pool.fetch(
        """SELECT * FROM recovery_cart WHERE customer_id = $1 AND status = 'abandoned'
             AND lines <> '[]'::jsonb
             AND ($2::timestamptz IS NULL OR abandoned_at < $2
                  OR (abandoned_at = $2 AND cart_id > $3))
           ORDER BY abandoned_at DESC, cart_id LIMIT $4""",
        customer_id,
        at,
        cart_id,
        limit,
    )
    return [_recoverable(row) for row in rows]


async def recoverable_cart(pool: asyncpg.Pool, cart_id: UUID) -> RecoverableCart | None:
    """One abandoned cart by id (a guest's, by the cart their token holds)."""
    row = await pool.fetchrow(
        "SELECT * FROM recovery_cart WHERE cart_id = $1 AND status = 'abandoned'", cart_id
    )
    return _recoverable(row) if row is not None else None
