"""Who a shopper is: `identifyShopper` for a till or an associate (an exact loyalty id, e-mail
or phone; the customer's id and first name, or nobody; every lookup recorded), and
`mergeCustomers` for the service desk (two profiles of one person become the survivor)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.common import Payload, attempt
from api.graphql.context import Info
from api.graphql.enums import IdentifyBy, LookupOutcome
from api.graphql.errors import UserError
from api.graphql.limits import ID_LIMIT, BoundedId, described
from domain.usecases.base import Done
from domain.usecases.customers import CustomersMerged, ShopperIdentified


@strawberry.type
class IdentifyShopperPayload(Payload):
    outcome: LookupOutcome | None = None
    customer_id: str | None = strawberry.field(default=None, description="Only when FOUND.")
    first_name: str | None = strawberry.field(default=None, description="Only when FOUND.")


@strawberry.type
class MergeCustomersPayload(Payload):
    survivor_id: str | None = None
    duplicate_id: str | None = None
    cart_id: UUID | None = strawberry.field(
        default=None,
        description="The survivor's current cart, when the duplicate's open cart went into it.",
    )


@strawberry.type
class IdentityMutations:
    @strawberry.mutation(
        description="Identify the shopper at a till or in front of an associate by an exact "
        "loyalty id, e-mail address or phone number: their id and first name, or nobody, "
        "never a list. Every lookup is recorded: who asked, when and at which store."
    )
    async def identify_shopper(
        self,
        info: Info,
        by: IdentifyBy,
        value: Annotated[str, described(f"What the shopper gave. {ID_LIMIT}")],
        store_id: Annotated[
            str | None, described(f"For staff of several stores: which one. {ID_LIMIT}")
        ] = None,
    ) -> IdentifyShopperPayload:
        context = info.context
        context.require()
        use_case = context.services.service.identify_shopper
        outcome = await attempt(use_case(by, value, context.command(), store_id))
        return _identified(outcome)

    @strawberry.mutation(
        description="The service desk merges two profiles of one person: the duplicate's "
        "consents, open cart, orders and timeline follow the survivor, and nothing more is "
        "written under the duplicate's id. Refused while either is being erased."
    )
    async def merge_customers(
        self, info: Info, survivor_id: BoundedId, duplicate_id: BoundedId
    ) -> MergeCustomersPayload:
        context = info.context
        context.require()
        use_case = context.services.service.merge_customers
        outcome = await attempt(use_case(survivor_id, duplicate_id, context.command()))
        if isinstance(outcome, UserError):
            return MergeCustomersPayload(user_errors=[outcome])
        return _merged(outcome)


def _identified(outcome: Done[ShopperIdentified] | UserError) -> IdentifyShopperPayload:
    if isinstance(outcome, UserError):
        return IdentifyShopperPayload(user_errors=[outcome])
    found = outcome.result
    return IdentifyShopperPayload(
        user_errors=[],
        position=outcome.position.token(),
        outcome=found.outcome,
        customer_id=found.customer_id,
        first_name=found.first_name,
    )


def _merged(outcome: Done[CustomersMerged]) -> MergeCustomersPayload:
    merged = outcome.result
    return MergeCustomersPayload(
        user_errors=[],
        position=outcome.position.token(),
        survivor_id=merged.survivor_id,
        duplicate_id=merged.duplicate_id,
        cart_id=merged.cart_id,
    )
