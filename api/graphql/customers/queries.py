"""Who may see a customer's view.

- a customer sees only themself, through `me`;
- staff see, through `customer(id)`, the customers with business at one of their stores (a
  pickup, a sale, a return received there, an order served from there), unless their token
  carries the service-desk role, which looks any customer up by id;
- admins see anyone; guests and tills see no one.

Refusals never tell whether the customer exists: staff asking for a customer without business
at their stores hear NOT_ALLOWED whether or not the id is known. Only those allowed to look
anyone up (the service desk, admins) hear NOT_FOUND for an unknown id.
"""

from __future__ import annotations

import strawberry

from adapters.catalog_files import CUSTOMER_ID_PATTERN as CUSTOMER_ID
from api.auth import Principal, Role, StaffRole
from api.graphql.context import Info, RequestContext, path_of
from api.graphql.customers.types import Customer
from api.graphql.errors import BadInput, Forbidden, NotFoundError
from api.graphql.limits import BoundedArguments
from api.graphql.relay import global_id
from projections import timeline_queries

CUSTOMER_VIEWS = ("customer_timeline", "cart_recovery", "loyalty")
# What consistentWith waits for: the view, and the read models its recommendations read.
VIEWS_READ = (*CUSTOMER_VIEWS, "copurchase", "store_inventory")


def looks_anyone_up(caller: Principal) -> bool:
    return caller.role is Role.ADMIN or (
        caller.role is Role.STAFF and caller.staff_role is StaffRole.SERVICE_DESK
    )


def require_lookup(context: RequestContext, customer_id: str) -> Principal:
    """Staff, the service desk or an admin, asking for something that is a customer id."""
    caller = context.require()
    if caller.role is not Role.STAFF and not looks_anyone_up(caller):
        raise Forbidden(_refusal(caller))
    if not CUSTOMER_ID.fullmatch(customer_id):
        raise BadInput("id: not a customer id")
    return caller


async def customer_view(context: RequestContext, customer_id: str) -> Customer:
    """The customer, once the caller may see them (GraphQL errors otherwise; writes nothing)."""
    caller = require_lookup(context, customer_id)
    if looks_anyone_up(caller):
        if not await exists(context, customer_id):
            raise NotFoundError(f"no customer {customer_id}")
    elif not await _has_business_with_stores(context, customer_id, caller.stores):
        raise Forbidden("this customer has no business with your stores")
    return await customer_of(context, customer_id)


async def exists(context: RequestContext, customer_id: str) -> bool:
    if await context.services.customers.customer(customer_id) is not None:
        return True
    pool = context.read_pool
    if await timeline_queries.is_known(pool, customer_id):
        return True
    await context.caught_up(CUSTOMER_VIEWS)  # perhaps only not projected yet
    return await timeline_queries.is_known(pool, customer_id)


async def _has_business_with_stores(
    context: RequestContext, customer_id: str, stores: tuple[str, ...]
) -> bool:
    pool = context.read_pool
    if await timeline_queries.has_business_at(pool, customer_id, stores):
        return True
    await context.caught_up(CUSTOMER_VIEWS)  # a sale a moment ago counts too
    return await timeline_queries.has_business_at(pool, customer_id, stores)


async def customer_of(context: RequestContext, customer_id: str) -> Customer:
    known = await context.services.customers.customer(customer_id)
    return Customer(
        id=global_id("Customer", customer_id),
        customer_id=customer_id,
        first_name=known.first_name if known else None,
    )


def _refusal(caller: Principal) -> str:
    if caller.role is Role.CUSTOMER:
        return "a customer sees their own view through `me`"
    if caller.role is Role.POS:
        return "a till may not look customers up"
    return "a guest sees no customer's view"


@strawberry.type
class CustomerQueries:
    @strawberry.field(description="The signed-in customer's own view: timeline, summary, carts.")
    async def me(self, info: Info, consistent_with: str | None = None) -> Customer:
        caller = info.context.require()
        if caller.role is not Role.CUSTOMER:
            raise Forbidden("only a signed-in customer has a `me`; staff use customer(id)")
        await info.context.consistent_with(consistent_with, VIEWS_READ, path_of(info))
        return await customer_of(info.context, caller.subject)

    @strawberry.field(
        description="A customer's view, for staff of a store they have business with, the "
        "service desk and admins.",
        extensions=[BoundedArguments()],
    )
    async def customer(self, info: Info, id: str, consistent_with: str | None = None) -> Customer:
        require_lookup(info.context, id)  # before waiting on anyone's behalf
        await info.context.consistent_with(consistent_with, VIEWS_READ, path_of(info))
        return await customer_view(info.context, id)
