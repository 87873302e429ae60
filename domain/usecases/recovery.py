"""Abandoned carts recovered from any device: lines re-checked against today's catalog and
stock, every change reported so the shopper can be told."""

from __future__ import annotations

import asyncio
from datetime import datetime
from uuid import UUID

import msgspec

from domain import access
from domain.cart.model import Cart, LineRecovery, Shopper, Supply
from domain.customer.model import CartBecameCurrentBecause
from domain.ports import Location
from domain.usecases.base import Decision, Done, nearest_first
from domain.usecases.current_cart import CurrentCarts
from domain.values import Actor, ActorKind, Context


class CartRecovered(msgspec.Struct, frozen=True):
    """`cart_id` is the cart to carry on with: the recovered one, or the customer's open cart
    it was merged into (then `merged_into` says so and `capped_skus` what hit the cap)."""

    cart_id: UUID
    recovered_cart_id: UUID
    changes: list[LineRecovery]
    merged_into: UUID | None = None
    capped_skus: list[str] = []


class RecoveryUseCases(CurrentCarts):
    async def recover_cart(
        self, cart_id: UUID, context: Context, location_id: str | None = None
    ) -> Done[CartRecovered]:
        """Reopen an abandoned cart for its owner, from any device. A customer whose current
        cart is another one carries on in it: the recovered lines merge in as at sign-in, so
        they never hold two open carts; with none, the recovered cart becomes current.

        Stock is re-checked at every location; with `location_id` (where the shopper means
        to check out), a line that location cannot serve is reported with where it can be had.
        """
        now = self.clock.now()

        async def decide() -> Decision[CartRecovered]:
            cart = await self.repository.get(cart_id, Cart)
            if context.actor.kind not in access.UNRESTRICTED:
                cart.require_owned_by(shopper_of(context.actor))
            here = await self._location(location_id) if location_id is not None else None
            skus = list(cart.lines)
            products = await self.catalog.products(skus)
            prices = {sku: p.price for sku, p in products.items() if not p.discontinued}
            changes = cart.recover(prices, await self._supplies(skus, here), now)
            if cart.customer_id is None:
                return Decision([cart], CartRecovered(cart.id, cart.id, changes))
            return await self._into_current(cart, cart.customer_id, changes, now)

        return await self._execute(decide, CartRecovered, context)

    async def _into_current(
        self, cart: Cart, customer_id: str, changes: list[LineRecovery], now: datetime
    ) -> Decision[CartRecovered]:
        carts = await self._customer_carts(customer_id, now)
        current = await self._current_cart(carts, now)
        if current is None:
            carts.make_current(cart.id, CartBecameCurrentBecause.RECOVERED, now)
            return Decision([cart, carts], CartRecovered(cart.id, cart.id, changes))
        capped = current.absorb(cart, now)
        cart.merge_into(current.id, now)
        result = CartRecovered(current.id, cart.id, changes, current.id, capped)
        return Decision([current, cart, carts], result)

    async def _supplies(self, skus: list[str], here: Location | None) -> dict[str, Supply]:
        """Per SKU, the units each location (store or warehouse) has available, nearest to
        `here` first (else by id): an order is served from one location."""
        if not skus:
            return {}
        locations = await self.catalog.locations()
        ordered = nearest_first(here, locations) if here else sorted(locations, key=_by_id)
        per_location = await asyncio.gather(
            *(self._stock_items(location.id, skus) for location in ordered)
        )
        supplies = {}
        for sku in skus:
            units = tuple(
                (location.id, max(items[sku].available, 0))
                for location, items in zip(ordered, per_location, strict=True)
            )
            supplies[sku] = Supply(units, dict(units).get(here.id, 0) if here else None)
        return supplies


def _by_id(location: Location) -> str:
    return location.id


def shopper_of(actor: Actor) -> Shopper:
    """Who asks, as the cart's ownership rule sees them: a customer, or a guest by its cart."""
    customer_id = actor.id if actor.kind is ActorKind.CUSTOMER else None
    return Shopper(customer_id=customer_id, guest_cart_id=actor.cart_id)
