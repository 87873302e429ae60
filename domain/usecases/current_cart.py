"""The customer's one current cart, as every cart use case reads and writes it.

A use case that opens, assigns, merges into, checks out or abandons a customer's cart loads
the customer's `CustomerCarts` and saves it in the same append: two such commands for one
customer collide on that stream and the later one decides again on fresh state.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.cart.model import Cart
from domain.customer.model import CurrentCartClosedBecause, CustomerCarts
from domain.usecases.base import UseCases
from domain.values import customer_carts_id


class CurrentCarts(UseCases):
    async def _customer_carts(self, customer_id: str, at: datetime) -> CustomerCarts:
        """The customer's stream, opened on first use (adopting a cart from before it)."""
        found = await self.repository.find(customer_carts_id(customer_id), CustomerCarts)
        if found is not None:
            return found
        adopted = await self._open_cart_from_before(customer_id)
        return CustomerCarts.open(customer_id, adopted, at)

    async def _open_cart_from_before(self, customer_id: str) -> UUID | None:
        """Carts written before CustomerCarts existed: the most recently active open one.

        The cart continuity read model chose the same one as "current" (latest activity, then
        the larger id); older open carts stay open, unlisted, until the idle rule abandons them.
        """
        open_carts = []
        for cart_id in await self.carts_of_customers.carts_of(customer_id):
            cart = await self.repository.find(cart_id, Cart)
            if cart is not None and cart.is_open and cart.customer_id == customer_id:
                open_carts.append(cart)
        if not open_carts:
            return None
        return max(open_carts, key=lambda cart: (cart.last_active_at, str(cart.id))).id

    async def _current_cart(self, carts: CustomerCarts, at: datetime) -> Cart | None:
        """The customer's current cart while it is open; one found closed is let go."""
        if carts.current_cart_id is None:
            return None
        cart = await self.repository.get(carts.current_cart_id, Cart)
        if cart.is_open:
            return cart
        carts.cart_closed(cart.id, CurrentCartClosedBecause.FOUND_CLOSED, at)
        return None

    async def _closing(
        self, cart: Cart, because: CurrentCartClosedBecause, at: datetime
    ) -> list[CustomerCarts]:
        """A customer's cart closes: their stream to save with it (none for a guest cart)."""
        if cart.customer_id is None:
            return []
        carts = await self._customer_carts(cart.customer_id, at)
        carts.cart_closed(cart.id, because, at)
        return [carts]
