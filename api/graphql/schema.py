"""The schema: every feature's queries, mutations and subscriptions, merged, and built by the
engine (api/graphql/engine/), which serves it with its limits and validation."""

from __future__ import annotations

from strawberry.tools import merge_types

from api.graphql import enums  # noqa: F401 - registers the domain's enums before any type uses them
from api.graphql.analytics.queries import AnalyticsQueries
from api.graphql.carts.mutations import CartMutations
from api.graphql.carts.queries import CartQueries
from api.graphql.carts.subscriptions import CartSubscriptions
from api.graphql.catalog.queries import CatalogQueries
from api.graphql.checkout.mutations import CheckoutMutations
from api.graphql.checkout.queries import OrderQueries
from api.graphql.checkout.shipping import ShippingMutations
from api.graphql.customers.consent import ConsentMutations
from api.graphql.customers.erasure import ErasureMutations
from api.graphql.customers.export import CustomerDataQueries
from api.graphql.customers.identity import IdentityMutations
from api.graphql.customers.mutations import CustomerMutations
from api.graphql.customers.queries import CustomerQueries
from api.graphql.engine import build_schema
from api.graphql.feedback.mutations import FeedbackMutations
from api.graphql.feedback.queries import FeedbackQueries
from api.graphql.nodes.queries import NodeQueries
from api.graphql.pickups.mutations import PickupMutations
from api.graphql.pickups.queries import PickupQueries
from api.graphql.pickups.store_counter import CounterMutations
from api.graphql.pickups.subscriptions import PickupSubscriptions
from api.graphql.pos.mutations import PosMutations
from api.graphql.pos.ring_up import RingUpMutations
from api.graphql.pos.shopper import TillShopperQueries
from api.graphql.returns.mutations import ReturnMutations
from api.graphql.returns.queries import ReturnQueries
from api.graphql.staff.queries import StaffQueries
from api.graphql.stock.locations import LocationQueries
from api.graphql.stock.mutations import StockMutations
from api.graphql.stock.queries import StockQueries
from api.graphql.stock.subscriptions import StockSubscriptions
from api.graphql.system.mutations import SystemMutations
from api.graphql.system.queries import SystemQueries

Query = merge_types(
    "Query",
    (
        CartQueries,
        CatalogQueries,
        OrderQueries,
        PickupQueries,
        ReturnQueries,
        StockQueries,
        LocationQueries,
        StaffQueries,
        SystemQueries,
        CustomerQueries,
        CustomerDataQueries,
        AnalyticsQueries,
        TillShopperQueries,
        FeedbackQueries,
        NodeQueries,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        CartMutations,
        CheckoutMutations,
        ShippingMutations,
        PickupMutations,
        ReturnMutations,
        StockMutations,
        PosMutations,
        RingUpMutations,
        CustomerMutations,
        ConsentMutations,
        IdentityMutations,
        ErasureMutations,
        FeedbackMutations,
        SystemMutations,
        CounterMutations,
    ),
)
Subscription = merge_types(
    "Subscription", (CartSubscriptions, PickupSubscriptions, StockSubscriptions)
)

schema = build_schema(Query, Mutation, Subscription)


def sdl() -> str:
    """The schema as committed in schema.graphql (a test compares the two)."""
    return schema.as_str() + "\n"


if __name__ == "__main__":
    print(sdl(), end="")
