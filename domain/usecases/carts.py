"""Cart use cases: start, change lines, sign-in attach or merge, abandon."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import msgspec

from domain import access
from domain.cart.model import Cart
from domain.usecases.base import Decision, Done, UnknownProduct, UseCases
from domain.values import Channel, Context

# Saleor drops anonymous checkouts after 30 days; we mark carts abandoned after as long idle.
CART_IDLE_LIMIT = timedelta(days=30)


class CartChanged(msgspec.Struct, frozen=True):
    cart_id: UUID


class SignedIn(msgspec.Struct, frozen=True):
    """The customer's current cart after sign-in, and what the merge did."""

    cart_id: UUID
    merged_from: UUID | None = None
    capped_skus: list[str] = []


class CartUseCases(UseCases):
    async def start_cart(
        self,
        context: Context,
        customer_id: str | None = None,
        currency: str = "EUR",
        cart_id: UUID | None = None,
    ) -> Done[CartChanged]:
        """Open a cart on the caller's channel and device, for a customer or a guest."""
        access.require(context.actor, access.Capability.SHOP)
        new_cart_id = cart_id or self.new_id()

        async def decide() -> Decision[CartChanged]:
            cart = Cart.create(
                new_cart_id, context.channel, context.device_id, customer_id, currency
            )
            return Decision([cart], CartChanged(new_cart_id))

        return await self._execute(decide, CartChanged, context)

    async def add_to_cart(
        self, cart_id: UUID, sku: str, quantity: int, context: Context
    ) -> Done[CartChanged]:
        """Add units of a product at today's catalog price."""

        async def decide() -> Decision[CartChanged]:
            cart = await self._held_cart(cart_id, context)
            products = await self.catalog.products([sku])
            if sku not in products:
                raise UnknownProduct(sku=sku)
            cart.add_line(sku, quantity, products[sku].price)
            return Decision([cart], CartChanged(cart_id))

        return await self._execute(decide, CartChanged, context)

    async def change_cart_quantity(
        self, cart_id: UUID, sku: str, quantity: int, context: Context
    ) -> Done[CartChanged]:
        """Set a line's quantity; zero removes it."""

        async def decide() -> Decision[CartChanged]:
            cart = await self._held_cart(cart_id, context)
            cart.change_quantity(sku, quantity)
            return Decision([cart], CartChanged(cart_id))

        return await self._execute(decide, CartChanged, context)

    async def remove_from_cart(
        self, cart_id: UUID, sku: str, context: Context
    ) -> Done[CartChanged]:
        """Take a product out of the cart."""

        async def decide() -> Decision[CartChanged]:
            cart = await self._held_cart(cart_id, context)
            cart.remove_line(sku)
            return Decision([cart], CartChanged(cart_id))

        return await self._execute(decide, CartChanged, context)

    async def sign_in(
        self,
        guest_cart_id: UUID,
        customer_id: str,
        customer_cart_id: UUID | None,
        context: Context,
    ) -> Done[SignedIn]:
        """A guest signs in: merge into the customer's open cart if there is one, else attach."""

        access.require_customer(context.actor, customer_id)

        async def decide() -> Decision[SignedIn]:
            guest = await self.repository.get(guest_cart_id, Cart)
            target = await self._open_cart_of(customer_cart_id, guest_cart_id)
            if target is None or not guest.lines:
                return self._attach_or_keep(guest, target, customer_id)
            capped = target.absorb(guest)
            guest.merge_into(target.id)
            return Decision([target, guest], SignedIn(target.id, guest.id, capped))

        return await self._execute(decide, SignedIn, context)

    async def _held_cart(self, cart_id: UUID, context: Context) -> Cart:
        cart = await self.repository.get(cart_id, Cart)
        access.require_cart_holder(context.actor, cart.id, cart.customer_id)
        return cart

    async def _open_cart_of(self, cart_id: UUID | None, guest_cart_id: UUID) -> Cart | None:
        if cart_id is None or cart_id == guest_cart_id:
            return None
        cart = await self.repository.find(cart_id, Cart)
        return cart if cart is not None and cart.is_open else None

    def _attach_or_keep(
        self, guest: Cart, target: Cart | None, customer_id: str
    ) -> Decision[SignedIn]:
        if target is not None:  # an empty guest cart brings nothing: keep the customer's cart
            return Decision([], SignedIn(target.id))
        guest.assign_to(customer_id)
        return Decision([guest], SignedIn(guest.id))

    async def abandon_cart(
        self, cart_id: UUID, at: datetime, context: Context
    ) -> Done[CartChanged]:
        """No activity for CART_IDLE_LIMIT: give the cart up (once)."""

        async def decide() -> Decision[CartChanged]:
            cart = await self.repository.get(cart_id, Cart)
            cart.abandon(at, CART_IDLE_LIMIT)
            return Decision([cart], CartChanged(cart_id))

        return await self._execute(decide, CartChanged, context)


__all__ = ["CartChanged", "CartUseCases", "Channel", "SignedIn"]
