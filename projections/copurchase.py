"""Co-purchases: which items are bought together, across every channel (web and app orders,
till sales), for recommendations that follow the customer (projections/copurchase_queries.py).

A basket is an order placed or a till sale; each pair of distinct SKUs in it counts once. A
cancelled order stops counting. A SKU whose units were all cancelled (`Order.LineCancelled`, a
short pick; several lines may share a SKU) leaves its basket, and every pair it formed stops
counting; one with a unit left still counts. Returns change nothing: the customer chose the
items together (docs/decisions/2026-12-07-copurchase-cancelled-lines.md). A basket keeps its
customer (what they already have, and their store: where they last bought) until the customer
asks to be erased: then it stays, counting anonymously, and the customer's id is gone from it
(and from any basket of theirs after). A merged profile's baskets are the survivor's. Folded
per batch into a few set-based statements; only the baskets of earlier batches that lose units
or are cancelled are read back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import permutations
from uuid import UUID

import asyncpg

from domain.customer.profile import CustomerProfile
from domain.order.model import Order, OrderLine
from domain.ports import RecordedEvent
from domain.sale.model import Sale, SaleLine
from projections.batch import columns
from projections.runner import Projection

BASKET_TYPES = "uuid text text timestamptz".split()  # noqa: SIM905


@dataclass
class _Basket:
    basket_id: UUID
    customer_id: str | None
    location_id: str
    at: datetime
    units: dict[str, int]  # units still bought, by SKU in SKU order

    @property
    def skus(self) -> list[str]:
        return list(self.units)


@dataclass
class _Fold:
    """One batch's changes, in the order the statements apply them."""

    profiles: dict[UUID, str]
    baskets: dict[UUID, _Basket]
    cancelled: set[UUID]  # baskets of earlier batches
    short: dict[UUID, Counter[str]]  # units cancelled of baskets of earlier batches, by SKU
    pairs: Counter[tuple[str, str]]
    merges: list[tuple[str, str]]
    erased: list[UUID]  # profile streams


class CoPurchases(Projection):
    name = "copurchase"
    version = 2  # 2: copurchase_basket.units, and cancelled lines leave their basket
    topics = (
        "domain.order.model:Order.Placed",
        "domain.order.model:Order.LineCancelled",
        "domain.order.model:Order.Cancelled",
        "domain.sale.model:Sale.Recorded",
        "domain.customer.profile:CustomerProfile.Opened",
        "domain.customer.profile:CustomerProfile.MergedInto",
        "domain.customer.profile:CustomerProfile.ErasureRequested",
    )
    tables = ("copurchase_basket", "copurchase_pair", "copurchase_customer")
    schema = """
    CREATE TABLE copurchase_basket{s} (
        basket_id    uuid PRIMARY KEY,
        customer_id  text,
        location_id  text NOT NULL,
        at           timestamptz NOT NULL,
        skus         text[] NOT NULL,
        units        integer[] NOT NULL  -- still bought, of each of skus
    );
    CREATE INDEX copurchase_basket_customer{s} ON copurchase_basket{s} (customer_id, at DESC);
    CREATE TABLE copurchase_pair{s} (
        sku    text NOT NULL,
        other  text NOT NULL,
        times  integer NOT NULL,
        PRIMARY KEY (sku, other)
    );
    CREATE TABLE copurchase_customer{s} (
        profile_id   uuid PRIMARY KEY,
        customer_id  text NOT NULL,
        erased       boolean NOT NULL
    );
    CREATE INDEX copurchase_customer_id{s} ON copurchase_customer{s} (customer_id);
    """

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        fold = _Fold({}, {}, set(), {}, Counter(), [], [])
        for recorded in batch:
            _fold(fold, recorded)
        await _write(connection, fold, suffix)


def _fold(fold: _Fold, recorded: RecordedEvent) -> None:
    e, stream_id = recorded.event, recorded.stream_id
    match e:
        case Order.Placed():
            where, units = e.fulfillment.location_id, units_of(e.lines)
            _bought(fold, _Basket(stream_id, e.customer_id, where, e.placed_at, units))
        case Sale.Recorded():
            units = units_of(e.lines)
            _bought(fold, _Basket(stream_id, e.customer_id, e.store_id, e.sold_at, units))
        case Order.LineCancelled():
            if stream_id in fold.baskets:
                _unbought(fold.pairs, fold.baskets[stream_id].units, {e.sku: e.quantity})
            else:
                fold.short.setdefault(stream_id, Counter())[e.sku] += e.quantity
        case Order.Cancelled():
            basket = fold.baskets.pop(stream_id, None)
            if basket is None:
                fold.short.pop(stream_id, None)  # the stored SKUs' pairs all go
                fold.cancelled.add(stream_id)
            else:
                fold.pairs.subtract(pairs_of(basket.skus))
        case CustomerProfile.Opened():
            fold.profiles[stream_id] = e.customer_id
        case CustomerProfile.MergedInto():
            fold.merges.append((e.customer_id, e.survivor_id))
            for basket in fold.baskets.values():
                if basket.customer_id == e.customer_id:
                    basket.customer_id = e.survivor_id
        case CustomerProfile.ErasureRequested():
            fold.erased.append(stream_id)
            gone = fold.profiles.get(stream_id)
            for basket in fold.baskets.values():
                if gone is not None and basket.customer_id == gone:
                    basket.customer_id = None


def _bought(fold: _Fold, basket: _Basket) -> None:
    fold.baskets[basket.basket_id] = basket
    fold.pairs.update(pairs_of(basket.skus))


def units_of(lines: Iterable[OrderLine | SaleLine]) -> dict[str, int]:
    """Units per SKU (several lines may share one), in SKU order."""
    units: dict[str, int] = {}
    for line in lines:
        units[line.sku] = units.get(line.sku, 0) + line.quantity
    return dict(sorted(units.items()))


def _unbought(
    pairs: Counter[tuple[str, str]], units: dict[str, int], less: Mapping[str, int]
) -> None:
    """Cancelled units come off; a SKU with none left leaves, its pairs with the rest too."""
    for sku, quantity in less.items():
        if sku not in units:
            continue
        units[sku] -= quantity
        if units[sku] <= 0:
            del units[sku]
            pairs.subtract([*((sku, other) for other in units), *((other, sku) for other in units)])


def pairs_of(skus: Iterable[str]) -> list[tuple[str, str]]:
    """Both directions of every pair of distinct SKUs: (a, b) and (b, a)."""
    return list(permutations(sorted(set(skus)), 2))


async def _write(connection: asyncpg.Connection, fold: _Fold, s: str) -> None:
    if fold.profiles:
        await connection.execute(
            f"""INSERT INTO copurchase_customer{s} SELECT p, c, false
                FROM unnest($1::uuid[], $2::text[]) AS u(p, c) ON CONFLICT DO NOTHING""",
            list(fold.profiles),
            list(fold.profiles.values()),
        )
    if fold.cancelled:
        rows = await connection.fetch(
            f"DELETE FROM copurchase_basket{s} WHERE basket_id = ANY($1::uuid[]) RETURNING skus",
            list(fold.cancelled),
        )
        for row in rows:
            fold.pairs.subtract(pairs_of(row["skus"]))
    if fold.short:
        await _short(connection, fold, s)
    if fold.baskets:
        baskets = fold.baskets.values()
        arrays = ", ".join(f"${n}::{t}[]" for n, t in enumerate(BASKET_TYPES, start=1))
        await connection.execute(
            f"""INSERT INTO copurchase_basket{s}
                SELECT u.basket_id, u.customer_id, u.location_id, u.at,
                  string_to_array(u.k, chr(31)), string_to_array(u.n, ',')::int[]
                FROM unnest({arrays}, $5::text[], $6::text[])
                  AS u(basket_id, customer_id, location_id, at, k, n)
                ON CONFLICT DO NOTHING""",
            *columns([(b.basket_id, b.customer_id, b.location_id, b.at) for b in baskets], 4),
            *_arrays(b.units for b in baskets),
        )
        await connection.execute(  # bought after they asked to be erased: anonymous at once
            f"""UPDATE copurchase_basket{s} b SET customer_id = NULL FROM copurchase_customer{s} c
                WHERE c.erased AND b.customer_id = c.customer_id
                  AND b.basket_id = ANY($1::uuid[])""",
            list(fold.baskets),
        )
    changed = [(a, b, n) for (a, b), n in fold.pairs.items() if n]
    if changed:
        await connection.execute(
            f"""INSERT INTO copurchase_pair{s} AS p
                SELECT * FROM unnest($1::text[], $2::text[], $3::int4[])
                ON CONFLICT (sku, other) DO UPDATE SET times = p.times + excluded.times""",
            *columns(changed, 3),
        )
    for merged, survivor in fold.merges:
        await connection.execute(
            f"UPDATE copurchase_basket{s} SET customer_id = $2 WHERE customer_id = $1",
            merged,
            survivor,
        )
    if fold.erased:
        await connection.execute(
            f"""WITH gone AS (UPDATE copurchase_customer{s} SET erased = true
                  WHERE profile_id = ANY($1::uuid[]) RETURNING customer_id)
                UPDATE copurchase_basket{s} b SET customer_id = NULL FROM gone
                WHERE b.customer_id = gone.customer_id""",
            fold.erased,
        )


async def _short(connection: asyncpg.Connection, fold: _Fold, s: str) -> None:
    """Baskets of earlier batches that lost units: read, folded here, written back."""
    rows = await connection.fetch(
        f"""SELECT basket_id, skus, units FROM copurchase_basket{s}
            WHERE basket_id = ANY($1::uuid[])""",
        list(fold.short),
    )
    ids, left = [], []
    for row in rows:
        units = dict(zip(row["skus"], row["units"], strict=True))
        _unbought(fold.pairs, units, fold.short[row["basket_id"]])
        ids.append(row["basket_id"])
        left.append(units)
    await connection.execute(
        f"""UPDATE copurchase_basket{s} b
            SET skus = string_to_array(u.k, chr(31)), units = string_to_array(u.n, ',')::int[]
            FROM unnest($1::uuid[], $2::text[], $3::text[]) AS u(basket_id, k, n)
            WHERE b.basket_id = u.basket_id""",
        ids,
        *_arrays(left),
    )


def _arrays(baskets: Iterable[dict[str, int]]) -> tuple[list[str], list[str]]:
    """Each basket's SKUs and units as two strings, split again by `string_to_array`."""
    skus, units = [], []
    for basket in baskets:
        skus.append(chr(31).join(basket))
        units.append(",".join(map(str, basket.values())))
    return skus, units
