"""Customer mutations: recover an abandoned cart from any device, and (for admins) load
customers from the retailer's identity provider, as `omni catalog import --customers` does."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import asyncpg
import strawberry

from adapters.catalog_files import CatalogFileError, customers_from_rows
from adapters.postgres.customers import upsert_customers
from api.auth import Role
from api.graphql.carts.mutations import CartPayload, caller_is_guest
from api.graphql.common import Money, Payload, attempt
from api.graphql.context import Info, RequestContext
from api.graphql.enums import RecoveryChange
from api.graphql.errors import Forbidden, UserError, invalid
from api.graphql.limits import ID_LIMIT, TEXT_LIMIT, DeviceId
from domain.cart.model import Cart as CartState
from domain.errors import ErrorCode
from domain.usecases.base import Done
from domain.usecases.recovery import CartRecovered

MAX_CUSTOMERS_PER_IMPORT = 1000


@strawberry.type(description="What re-checking one line against today's catalog and stock did.")
class RecoveredLine:
    sku: str
    change: RecoveryChange
    old_quantity: int
    new_quantity: int = strawberry.field(description="0 when the line was dropped.")
    old_price: Money
    new_price: Money | None = strawberry.field(description="None when the line was dropped.")
    available_at: list[str] = strawberry.field(
        description="REDUCED and ONLY_ELSEWHERE: the stores and warehouses that have the new "
        "quantity now (at most 5; nearest to `locationId` first, else by id), to check out at."
    )


@strawberry.type
class RecoverCartPayload(CartPayload):
    recovered_cart_id: UUID | None = strawberry.field(
        default=None, description="The cart asked for."
    )
    merged_into: UUID | None = strawberry.field(
        default=None,
        description="Set when the customer had another open cart: the lines went into it, and "
        "`cartId` is that cart.",
    )
    capped_skus: list[str] | None = None
    changes: list[RecoveredLine] | None = strawberry.field(
        default=None, description="Every line that changed; lines not named came back as they were."
    )


@strawberry.input
class CustomerInput:
    id: str = strawberry.field(description="Printable, no spaces: 1 to 128 characters.")
    first_name: str = strawberry.field(description=TEXT_LIMIT)
    last_name: str = strawberry.field(default="", description=TEXT_LIMIT)
    email: str | None = strawberry.field(default=None, description=TEXT_LIMIT)
    phone: str | None = strawberry.field(default=None, description=ID_LIMIT)
    loyalty_id: str | None = strawberry.field(
        default=None, description=f"What a till scans. {ID_LIMIT}"
    )


@strawberry.type
class ImportCustomersPayload(Payload):
    imported: int = 0


@strawberry.type
class CustomerMutations:
    @strawberry.mutation(
        description="Reopen an abandoned cart, from any device, its lines re-checked against "
        "today's prices and every location's stock; a customer with another open cart carries "
        "on in that one."
    )
    async def recover_cart(
        self,
        info: Info,
        cart_id: UUID,
        device_id: DeviceId = None,
        location_id: Annotated[
            str | None,
            strawberry.argument(
                description="Where the shopper means to check out (a store or warehouse): a "
                f"line it cannot serve in full is ONLY_ELSEWHERE. {ID_LIMIT}"
            ),
        ] = None,
    ) -> RecoverCartPayload:
        context = info.context
        caller = context.require(Role.CUSTOMER, Role.GUEST)
        use_case = context.services.service.recover_cart
        outcome = await attempt(use_case(cart_id, context.command(device_id), location_id))
        if isinstance(outcome, UserError):
            if outcome.code is ErrorCode.NOT_FOUND and caller.role is not Role.ADMIN:
                # A shopper hears the same for an unknown cart as for another's.
                raise Forbidden("this cart is not yours")
            return RecoverCartPayload(user_errors=[outcome])
        return _recovered(context, outcome)

    @strawberry.mutation(description="Load or update customers (admin): all of them or none.")
    async def import_customers(
        self, info: Info, customers: list[CustomerInput]
    ) -> ImportCustomersPayload:
        context = info.context
        context.require(Role.ADMIN)
        refusal = await _import(context, customers)
        if refusal is not None:
            return ImportCustomersPayload(user_errors=[refusal])
        return ImportCustomersPayload(user_errors=[], imported=len(customers))


def _recovered(context: RequestContext, outcome: Done[CartRecovered]) -> RecoverCartPayload:
    result = outcome.result
    return RecoverCartPayload(
        user_errors=[],
        position=outcome.position.token(),
        cart_id=result.cart_id,
        held_by_guest=caller_is_guest(context),
        decided=outcome.decided_state(result.cart_id, CartState),
        recovered_cart_id=result.recovered_cart_id,
        merged_into=result.merged_into,
        capped_skus=list(result.capped_skus),
        changes=[
            RecoveredLine(
                sku=change.sku,
                change=change.change,
                old_quantity=change.old_quantity,
                new_quantity=change.new_quantity,
                old_price=Money.of(change.old_price),
                new_price=Money.of(change.new_price) if change.new_price else None,
                available_at=list(change.available_at),
            )
            for change in result.changes
        ],
    )


async def _import(context: RequestContext, customers: list[CustomerInput]) -> UserError | None:
    if not 0 < len(customers) <= MAX_CUSTOMERS_PER_IMPORT:
        return invalid("customers", f"1 to {MAX_CUSTOMERS_PER_IMPORT} customers at a time")
    try:
        parsed = customers_from_rows((vars(c) for c in customers), "customers")
    except CatalogFileError as error:
        return invalid(f"customers[{error.row - 1}].{_camel(error.field)}", str(error))
    ids = [c.id for c in parsed]
    loyalty = [c.loyalty_id for c in parsed if c.loyalty_id is not None]
    if len(set(ids)) < len(ids) or len(set(loyalty)) < len(loyalty):
        return invalid("customers", "each id and each loyalty id at most once")
    try:
        pool = context.services.database.pool
        async with pool.acquire() as connection, connection.transaction():
            await upsert_customers(connection, parsed)
    except asyncpg.UniqueViolationError:
        return invalid("customers", "a loyalty id already belongs to another customer")
    return None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
