"""Recommendations that follow the customer: items bought together with what they have, on
every channel (projections/copurchase_queries.py), each with its reason.

Never one they have (in the cart, or bought before on any channel), one out of stock at their
store (the one asked for, else where they last bought; none known: out of stock everywhere),
a discontinued one, or anything for a customer who asked to be erased.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from api.graphql.context import Info, RequestContext
from api.graphql.errors import BadInput
from api.graphql.stock.queries import require_location
from projections import copurchase_queries
from projections.copurchase_queries import Recommendation as View

DEFAULT_RECOMMENDATIONS = 5
MAX_RECOMMENDATIONS = 20
RECOMMENDATION_VIEWS = ("copurchase", "store_inventory")


@strawberry.type(description="An item bought together with something the customer has.")
class Recommendation:
    sku: str
    name: str
    bought_with: str = strawberry.field(description="The SKU they have that it was bought with.")
    times: int = strawberry.field(description="Baskets (orders, till sales) holding both.")
    reason: str = strawberry.field(description='For a person: "bought together 37 times".')

    @classmethod
    def of(cls, view: View) -> Recommendation:
        plural = "time" if view.times == 1 else "times"
        return cls(
            sku=view.sku,
            name=view.name,
            bought_with=view.because,
            times=view.times,
            reason=f"bought together with {view.because} {view.times} {plural}",
        )


def recommendation_count(first: int | None) -> int:
    if first is None:
        return DEFAULT_RECOMMENDATIONS
    if not 0 < first <= MAX_RECOMMENDATIONS:
        raise BadInput(f"first: between 1 and {MAX_RECOMMENDATIONS}")
    return first


async def recommend(
    info: Info,
    customer_id: str | None,
    in_cart: Sequence[str],
    store_id: str | None,
    first: int | None,
) -> list[Recommendation]:
    """For a cart's lines and its customer (None: a guest), or a customer (no cart lines)."""
    context: RequestContext = info.context
    size = recommendation_count(first)
    if store_id is not None:
        await require_location(context, store_id)
    pool = context.read_pool
    bought: list[str] = []
    if customer_id is not None:
        if await copurchase_queries.is_erased(pool, customer_id):
            return []
        bought = await copurchase_queries.bought_by(pool, customer_id)
        if store_id is None:
            store_id = await copurchase_queries.home_store(pool, customer_id)
    have = sorted({*in_cart, *bought})
    views = await copurchase_queries.recommendations(pool, have, have, store_id, size)
    return [Recommendation.of(view) for view in views]
