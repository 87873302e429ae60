"""Abandoned carts recovered from any device: lines re-checked against today's catalog and
stock, every change reported so the shopper can be told."""

from __future__ import annotations

import asyncio
from uuid import UUID

import msgspec

from domain.cart.model import Cart, LineRecovery, NotCartOwner, Shopper
from domain.usecases.base import Decision, Done, UseCases
from domain.values import Context


class CartRecovered(msgspec.Struct, frozen=True):
    """`cart_id` is the cart to carry on with: the recovered one, or the customer's open cart
    it was merged into (then `merged_into` says so and `capped_skus` what hit the cap)."""

    cart_id: UUID
    recovered_cart_id: UUID
    changes: list[LineRecovery]
    merged_into: UUID | None = None
    capped_skus: list[str] = []


class RecoveryUseCases(UseCases):
    async def recover_cart(
        self,
        cart_id: UUID,
        shopper: Shopper,
        context: Context,
        open_cart_id: UUID | None = None,
    ) -> Done[CartRecovered]:
        """Reopen an abandoned cart for its owner. A customer who has another open cart
        (`open_cart_id`) carries on in that one: the recovered lines merge into it as at
        sign-in, so they never hold two open carts."""

        async def decide() -> Decision[CartRecovered]:
            cart = await self.repository.get(cart_id, Cart)
            cart.require_owned_by(shopper)
            skus = list(cart.lines)
            products = await self.catalog.products(skus)
            prices = {sku: product.price for sku, product in products.items()}
            changes = cart.recover(prices, await self._obtainable(skus), self.clock.now())
            target = await self._open_cart_to_join(cart, open_cart_id)
            if target is None:
                return Decision([cart], CartRecovered(cart.id, cart.id, changes))
            capped = target.absorb(cart)
            cart.merge_into(target.id)
            result = CartRecovered(target.id, cart.id, changes, target.id, capped)
            return Decision([target, cart], result)

        return await self._execute(decide, CartRecovered, context)

    async def _obtainable(self, skus: list[str]) -> dict[str, int]:
        """Per SKU, the most units any one location (store or warehouse) has available: an
        order is served from one location, so that is the most a line can still hold."""
        if not skus:
            return {}
        locations = await self.catalog.locations()
        per_location = await asyncio.gather(
            *(self._stock_items(location.id, skus) for location in locations)
        )
        return {
            sku: max((items[sku].available for items in per_location), default=0) for sku in skus
        }

    async def _open_cart_to_join(self, cart: Cart, open_cart_id: UUID | None) -> Cart | None:
        if cart.customer_id is None or open_cart_id is None or open_cart_id == cart.id:
            return None  # a guest holds one cart
        target = await self.repository.find(open_cart_id, Cart)
        if target is None or not target.is_open:
            return None
        if target.customer_id != cart.customer_id:
            raise NotCartOwner(cart_id=open_cart_id)
        return target
