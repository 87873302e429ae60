"""Who may see and change what: customers their own, staff and POS their stores."""

from __future__ import annotations

from uuid import UUID

from strawberry.types import Info

from api.auth import Principal, Role
from api.graphql.context import NotAllowed, principal, require, services
from domain.cart.model import Cart
from projections.orders import OrderView


async def require_cart_access(info: Info, cart_id: UUID) -> Principal | None:
    """Guests hold a token for their cart; customers own theirs; POS and admins may serve any."""
    caller = principal(info)
    if caller is not None and caller.role in (Role.POS, Role.ADMIN):
        return caller
    if caller is not None and caller.role is Role.GUEST and caller.cart_id == cart_id:
        return caller
    if caller is not None and caller.role is Role.CUSTOMER:
        cart = await services(info).service.repository.find(cart_id, Cart)
        if cart is None or cart.customer_id == caller.subject or caller.cart_id == cart_id:
            return caller  # an unknown cart fails in the use case with a NOT_FOUND userError
    raise NotAllowed("this cart is not yours")


def require_store(info: Info, store_id: str) -> Principal:
    caller = require(info, Role.STAFF, Role.POS)
    if not caller.works_at(store_id):
        raise NotAllowed(f"not allowed at store {store_id}")
    return caller


def require_order_access(info: Info, order: OrderView) -> Principal:
    caller = require(info)
    if caller.role is Role.CUSTOMER and order.customer_id == caller.subject:
        return caller
    if caller.works_at(order.location_id):
        return caller
    raise NotAllowed("this order is not yours")
