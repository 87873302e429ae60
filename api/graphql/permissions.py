"""Who may see what, where more than one feature asks the same question."""

from __future__ import annotations

from uuid import UUID

from api.auth import Principal, Role


def is_shopper(caller: Principal | None, customer_id: str | None, cart_id: UUID) -> bool:
    """The customer an order is for, or the guest whose cart it was."""
    if caller is None:
        return False
    if caller.role is Role.GUEST:
        return caller.cart_id == cart_id
    return caller.role is Role.CUSTOMER and caller.subject == customer_id
