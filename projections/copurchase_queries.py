"""Recommendations from the co-purchase read model (projections/copurchase.py): items bought
together with what the customer has, each with its reason, never one they have, one out of
stock at their store, a discontinued one, or one the catalog no longer holds."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import msgspec


class Recommendation(msgspec.Struct, frozen=True):
    """`sku` was bought together with `because` (something the customer has) `times` times."""

    sku: str
    name: str
    because: str
    times: int


async def bought_together(pool: asyncpg.Pool, sku: str) -> dict[str, int]:
    """How many baskets held `sku` with each other SKU (none: never together)."""
    rows = await pool.fetch(
        "SELECT other, times FROM copurchase_pair WHERE sku = $1 AND times > 0 ORDER BY other",
        sku,
    )
    return {row["other"]: row["times"] for row in rows}


async def bought_by(pool: asyncpg.Pool, customer_id: str) -> list[str]:
    """The SKUs the customer has bought, on any channel (orders not cancelled, till sales)."""
    rows = await pool.fetch(
        """SELECT DISTINCT unnest(skus) AS sku FROM copurchase_basket
           WHERE customer_id = $1 ORDER BY sku""",
        customer_id,
    )
    return [row["sku"] for row in rows]


async def is_erased(pool: asyncpg.Pool, customer_id: str) -> bool:
    return bool(
        await pool.fetchval(
            "SELECT bool_or(erased) FROM copurchase_customer WHERE customer_id = $1", customer_id
        )
    )


async def home_store(pool: asyncpg.Pool, customer_id: str) -> str | None:
    """The store where they last bought (a pickup there, or a till sale); None: none yet."""
    return await pool.fetchval(  # type: ignore[no-any-return]
        """SELECT b.location_id FROM copurchase_basket b
           JOIN locations l ON l.id = b.location_id AND l.kind = 'store'
           WHERE b.customer_id = $1 ORDER BY b.at DESC, b.basket_id LIMIT 1""",
        customer_id,
    )


async def recommendations(
    pool: asyncpg.Pool,
    seeds: Sequence[str],
    have: Sequence[str],
    store_id: str | None,
    limit: int,
) -> list[Recommendation]:
    """What was most often bought together with one of `seeds`, none of `have`, in stock at
    `store_id` (None: in stock at some location), best reason first; ties by SKU."""
    rows = await pool.fetch(
        """SELECT * FROM (
             SELECT DISTINCT ON (p.other) p.other AS sku, pr.name, p.sku AS because, p.times
             FROM copurchase_pair p JOIN products pr ON pr.sku = p.other
             WHERE p.sku = ANY($1::text[]) AND p.times > 0 AND NOT pr.discontinued
               AND NOT p.other = ANY($2::text[])
               AND EXISTS (SELECT 1 FROM stock_view s WHERE s.sku = p.other AND s.available > 0
                           AND ($3::text IS NULL OR s.location_id = $3))
             ORDER BY p.other, p.times DESC, p.sku) AS best
           ORDER BY times DESC, sku LIMIT $4""",
        list(seeds),
        list(have),
        store_id,
        limit,
    )
    return [Recommendation(**dict(row)) for row in rows]
