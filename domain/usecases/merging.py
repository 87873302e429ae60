"""When two profiles of one person are merged, the duplicate's open cart comes to the survivor:
its lines go into the survivor's current cart (one is started if they have none), as a guest
cart's do at sign-in, and the duplicate's carts stream takes no current cart again."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.cart.model import Cart
from domain.customer.model import CartBecameCurrentBecause
from domain.usecases.current_cart import CurrentCarts
from domain.values import Context


class MergeCarts(CurrentCarts):
    async def _carts_follow(
        self, survivor_id: str, duplicate_id: str, at: datetime, context: Context
    ) -> tuple[list[Aggregate], UUID | None]:
        """The aggregates to save with the merge, and the survivor's cart that took the lines."""
        duplicate_carts = await self._customer_carts(duplicate_id, at)
        open_cart = await self._current_cart(duplicate_carts, at)
        if open_cart is None:
            duplicate_carts.merge_into(survivor_id, at)
            return [duplicate_carts], None
        survivor_carts = await self._customer_carts(survivor_id, at)
        target = await self._current_cart(survivor_carts, at)
        if target is None:
            target = Cart.create(
                self.new_id(), context.channel, None, survivor_id, open_cart.currency, at=at
            )
            survivor_carts.make_current(target.id, CartBecameCurrentBecause.PROFILES_MERGED, at)
        target.absorb(open_cart, at)
        open_cart.merge_into(target.id, at)
        duplicate_carts.merge_into(survivor_id, at)
        return [target, open_cart, survivor_carts, duplicate_carts], target.id
