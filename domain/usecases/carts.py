"""Cart use cases: start, change lines, sign-in attach or merge, abandon."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

import msgspec

from domain import access, bounds
from domain.cart.model import Cart, CartBelongsToAnotherCustomer
from domain.customer.model import CartBecameCurrentBecause, CurrentCartClosedBecause
from domain.usecases.base import Decision, Done, ProductDiscontinued, UnknownProduct
from domain.usecases.current_cart import CurrentCarts
from domain.values import Channel, Context

# Saleor drops anonymous checkouts after 30 days; we mark carts abandoned after as long idle.
CART_IDLE_LIMIT = timedelta(days=30)


class CartChanged(msgspec.Struct, frozen=True):
    cart_id: UUID


class CartStarted(msgspec.Struct, frozen=True):
    """The cart to use; `resumed` when it is the customer's open cart, not a new one."""

    cart_id: UUID
    resumed: bool = False


class MergeChange(enum.StrEnum):
    ADDED = "added"  # the current cart did not hold the SKU
    COMBINED = "combined"  # quantities summed
    CAPPED = "capped"  # summed beyond the line maximum: held at it


class MergedLine(msgspec.Struct, frozen=True):
    """One guest line as it landed in the customer's cart, for the app to tell the shopper."""

    sku: str
    change: MergeChange
    guest_quantity: int
    quantity_before: int
    quantity_after: int


class SignedIn(msgspec.Struct, frozen=True):
    """The customer's current cart after sign-in, and what the merge did, line by line."""

    cart_id: UUID
    merged_from: UUID | None = None
    capped_skus: list[str] = []
    lines: list[MergedLine] = []


class CartUseCases(CurrentCarts):
    async def start_cart(
        self,
        context: Context,
        customer_id: str | None = None,
        currency: str = "EUR",
        cart_id: UUID | None = None,
    ) -> Done[CartStarted]:
        """Open a cart on the caller's channel and device; a customer with an open cart gets
        that one back (one cart per customer, whichever device asks)."""
        access.require(context.actor, access.Capability.SHOP)
        bounds.require_id(customer_id, "customer_id")
        new_cart_id, now = cart_id or self.new_id(), self.clock.now()

        async def decide() -> Decision[CartStarted]:
            cart = Cart.create(
                new_cart_id, context.channel, context.device_id, customer_id, currency, at=now
            )
            if customer_id is None:
                return Decision([cart], CartStarted(new_cart_id))
            await self._require_not_erased(customer_id)
            carts = await self._customer_carts(customer_id, now)
            current = await self._current_cart(carts, now)
            if current is not None:
                return Decision([carts], CartStarted(current.id, resumed=True))
            carts.make_current(new_cart_id, CartBecameCurrentBecause.STARTED, now)
            return Decision([cart, carts], CartStarted(new_cart_id))

        return await self._execute(decide, CartStarted, context)

    async def add_to_cart(
        self, cart_id: UUID, sku: str, quantity: int, context: Context
    ) -> Done[CartChanged]:
        """Add units of a product at today's catalog price."""
        bounds.require_sku(sku)
        now = self.clock.now()

        async def decide() -> Decision[CartChanged]:
            cart = await self._held_cart(cart_id, context)
            products = await self.catalog.products([sku])
            if sku not in products:
                raise UnknownProduct(sku=sku)
            if products[sku].discontinued:
                raise ProductDiscontinued(sku=sku)
            cart.add_line(sku, quantity, products[sku].price, now)
            return Decision([cart], CartChanged(cart_id))

        return await self._execute(decide, CartChanged, context)

    async def change_cart_quantity(
        self, cart_id: UUID, sku: str, quantity: int, context: Context
    ) -> Done[CartChanged]:
        """Set a line's quantity; zero removes it. A discontinued product's line may shrink,
        never grow."""
        bounds.require_sku(sku)
        now = self.clock.now()

        async def decide() -> Decision[CartChanged]:
            cart = await self._held_cart(cart_id, context)
            if sku in cart.lines and quantity > cart.lines[sku].quantity:
                products = await self.catalog.products([sku])
                if sku in products and products[sku].discontinued:
                    raise ProductDiscontinued(sku=sku)
            cart.change_quantity(sku, quantity, now)
            return Decision([cart], CartChanged(cart_id))

        return await self._execute(decide, CartChanged, context)

    async def remove_from_cart(
        self, cart_id: UUID, sku: str, context: Context
    ) -> Done[CartChanged]:
        """Take a product out of the cart."""
        bounds.require_sku(sku)
        now = self.clock.now()
        return await self._on_cart(cart_id, context, lambda cart: cart.remove_line(sku, now))

    async def _on_cart(
        self, cart_id: UUID, context: Context, act: Callable[[Cart], None]
    ) -> Done[CartChanged]:
        async def decide() -> Decision[CartChanged]:
            cart = await self._held_cart(cart_id, context)
            act(cart)
            return Decision([cart], CartChanged(cart_id))

        return await self._execute(decide, CartChanged, context)

    async def _held_cart(self, cart_id: UUID, context: Context) -> Cart:
        """The cart, once the actor is known to hold it (its guest, customer, a till)."""
        cart = await self.repository.get(cart_id, Cart)
        access.require_cart_holder(context.actor, cart.id, cart.customer_id)
        return cart

    async def sign_in(
        self, guest_cart_id: UUID, customer_id: str, context: Context
    ) -> Done[SignedIn]:
        """A guest signs in: their cart merges into the customer's current cart, or becomes it.

        The current cart is decided on the write side (the customer's CustomerCarts, saved in
        the same append), so two sign-ins, or a sign-in and a cart change on another device,
        always leave exactly one open cart.
        """
        access.require_customer(context.actor, customer_id)
        bounds.require_id(customer_id, "customer_id")
        now = self.clock.now()

        async def decide() -> Decision[SignedIn]:
            await self._require_not_erased(customer_id)
            guest = await self.repository.get(guest_cart_id, Cart)
            carts = await self._customer_carts(customer_id, now)
            current = await self._current_cart(carts, now)
            if current is not None and current.id == guest.id:
                return Decision([carts], SignedIn(current.id))
            if not guest.is_open and current is not None and guest.merged_into == current.id:
                return Decision([carts], SignedIn(current.id))  # this sign-in, already done
            if guest.customer_id not in (None, customer_id):
                raise CartBelongsToAnotherCustomer(cart_id=guest.id, customer_id=customer_id)
            if current is None:
                guest.assign_to(customer_id, now)
                carts.make_current(guest.id, CartBecameCurrentBecause.SIGNED_IN, now)
                return Decision([guest, carts], SignedIn(guest.id))
            before = {sku: line.quantity for sku, line in current.lines.items()}
            capped = current.absorb(guest, now)
            guest.merge_into(current.id, now)
            carts.merge_guest_cart(guest.id, now)
            lines = _merged_lines(guest, current, before, capped)
            result = SignedIn(current.id, guest.id, capped, lines)
            return Decision([current, guest, carts], result)

        return await self._execute(decide, SignedIn, context)

    async def abandon_cart(
        self, cart_id: UUID, at: datetime, context: Context
    ) -> Done[CartChanged]:
        """No activity for CART_IDLE_LIMIT: give the cart up (once)."""

        async def decide() -> Decision[CartChanged]:
            cart = await self.repository.get(cart_id, Cart)
            cart.abandon(at, CART_IDLE_LIMIT)
            closing = await self._closing(cart, CurrentCartClosedBecause.ABANDONED, at)
            return Decision([cart, *closing], CartChanged(cart_id))

        return await self._execute(decide, CartChanged, context)


__all__ = ["CartChanged", "CartStarted", "CartUseCases", "Channel", "SignedIn"]


def _merged_lines(
    guest: Cart, current: Cart, before: dict[str, int], capped: list[str]
) -> list[MergedLine]:
    def change(sku: str) -> MergeChange:
        if sku in capped:
            return MergeChange.CAPPED
        return MergeChange.COMBINED if sku in before else MergeChange.ADDED

    return [
        MergedLine(sku, change(sku), line.quantity, before.get(sku, 0), current.lines[sku].quantity)
        for sku, line in guest.lines.items()
    ]
