"""A return: for its customer, and for staff and tills (who take returns at any store)."""

from __future__ import annotations

from uuid import UUID

import strawberry

from api.auth import Principal, Role
from api.graphql.context import Info, RequestContext, path_of
from api.graphql.errors import Forbidden
from api.graphql.returns.types import Return
from projections import orders
from projections.orders import ReturnView

RETURN_VIEWS = ("orders",)


async def readable_return(context: RequestContext, return_id: UUID) -> Return | None:
    caller = context.require()
    view = await orders.return_by_id(context.read_pool, return_id)
    if view is None:
        return None
    if not may_read(caller, view):
        raise Forbidden("this return is not yours")
    return Return.of(view)


def may_read(caller: Principal, view: ReturnView) -> bool:
    """Its customer, or any store's staff, till or an admin."""
    own = caller.role is Role.CUSTOMER and view.customer_id == caller.subject
    return own or caller.role in (Role.STAFF, Role.POS, Role.ADMIN)


@strawberry.type
class ReturnQueries:
    @strawberry.field(name="return")
    async def return_(
        self, info: Info, id: UUID, consistent_with: str | None = None
    ) -> Return | None:
        info.context.require()
        await info.context.consistent_with(consistent_with, RETURN_VIEWS, path_of(info))
        found = await readable_return(info.context, id)
        info.context.flag_parked(RETURN_VIEWS, (id,), path_of(info))
        return found
