"""The schema: every feature's queries, mutations and subscriptions, merged; and the limits
every valid document passes once (depth and aliases; api/graphql/validation.py)."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.tools import merge_types

from api.graphql import enums  # noqa: F401 - registers the domain's enums before any type uses them
from api.graphql.analytics.queries import AnalyticsQueries
from api.graphql.carts.mutations import CartMutations
from api.graphql.carts.queries import CartQueries
from api.graphql.carts.subscriptions import CartSubscriptions
from api.graphql.catalog.queries import CatalogQueries
from api.graphql.checkout.mutations import CheckoutMutations
from api.graphql.checkout.queries import OrderQueries
from api.graphql.customers.mutations import CustomerMutations
from api.graphql.customers.queries import CustomerQueries
from api.graphql.pickups.mutations import PickupMutations
from api.graphql.pickups.queries import PickupQueries
from api.graphql.pickups.subscriptions import PickupSubscriptions
from api.graphql.pos.mutations import PosMutations
from api.graphql.returns.mutations import ReturnMutations
from api.graphql.returns.queries import ReturnQueries
from api.graphql.staff.queries import StaffQueries
from api.graphql.stock.mutations import StockMutations
from api.graphql.stock.queries import StockQueries
from api.graphql.stock.subscriptions import StockSubscriptions
from api.graphql.storable import StorableTextExecutor
from api.graphql.system.mutations import SystemMutations
from api.graphql.system.queries import SystemQueries

MAX_DEPTH = 10
MAX_TOKENS = 2000
MAX_ALIASES = 20

Query = merge_types(
    "Query",
    (
        CartQueries,
        CatalogQueries,
        OrderQueries,
        PickupQueries,
        ReturnQueries,
        StockQueries,
        StaffQueries,
        SystemQueries,
        CustomerQueries,
        AnalyticsQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        CartMutations,
        CheckoutMutations,
        PickupMutations,
        ReturnMutations,
        StockMutations,
        PosMutations,
        CustomerMutations,
        SystemMutations,
    ),
)
Subscription = merge_types(
    "Subscription", (CartSubscriptions, PickupSubscriptions, StockSubscriptions)
)

# Operations strawberry runs (the WebSocket) refuse variables PostgreSQL cannot store, as POST.
schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    execution_context_class=StorableTextExecutor,
)

# Built once: the rules are the same objects for every document, so a document validated
# once is never validated again (execution.py caches by the document's text).
LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)


def sdl() -> str:
    """The schema as committed in schema.graphql (a test compares the two)."""
    return schema.as_str() + "\n"


if __name__ == "__main__":
    print(sdl(), end="")
