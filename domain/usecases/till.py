"""The till continues the shopper's online cart: who the shopper is (their loyalty card, or
the cart's code their app shows), and the cart rung up as the till's sale in one append."""

from __future__ import annotations

import enum
from uuid import UUID

import msgspec

from domain import access, bounds
from domain.access import Capability
from domain.cart.code import parse_cart_code
from domain.cart.model import Cart, CartClosed, CounterChange
from domain.customer.model import CurrentCartClosedBecause
from domain.errors import NotFound
from domain.idempotency import IdempotencyKeyReused, idempotent
from domain.loyalty.model import require_redeemable
from domain.sale.model import Receipt, Sale
from domain.usecases.base import Decision, Done
from domain.usecases.checkout_rules import StaleVersion
from domain.usecases.current_cart import CurrentCarts
from domain.usecases.sales import (
    PosSaleLine,
    SaleUseCases,
    UnknownLoyaltyId,
    points_moved,
    require_bounded,
)
from domain.values import Context, Money


class CartChangedSinceSeen(StaleVersion):
    """The till showed the associate an older cart than the one there is now."""

    subject = "cart_version"


class ShopperKey(enum.StrEnum):
    """What the shopper shows the till. E-mail and phone come through the audited identity
    lookup (`identify_shopper`): one more member here, resolved in `_shopper_by`."""

    LOYALTY_ID = "loyalty_id"
    CART_CODE = "cart_code"  # the QR of the cart in the shopper's app (domain/cart/code.py)


class ShopperAtTill(msgspec.Struct, frozen=True):
    """Who the shopper is (None: a guest, known by their cart only) and their open cart."""

    customer_id: str | None
    first_name: str | None
    cart_id: UUID | None


class CartRungUp(msgspec.Struct, frozen=True):
    """The sale that continued the online cart, and how the counter's basket differed."""

    sale_id: UUID
    receipt: str
    cart_id: UUID
    customer_id: str | None
    total: Money
    location_id: str
    changes: list[CounterChange]
    points_redeemed: int = 0
    points_earned: int = 0


class TillUseCases(SaleUseCases, CurrentCarts):
    async def shopper_at_till(self, by: ShopperKey, value: str, context: Context) -> ShopperAtTill:
        """The shopper a till is serving and their open online cart, read from the write side
        (exact): the customer's current cart, or the cart whose code was scanned."""
        access.require(context.actor, Capability.SELL)
        bounds.require_id(value, "value")
        customer_id, cart = await self._shopper_by(by, value)
        if cart is None and customer_id is not None:
            now = self.clock.now()
            cart = await self._current_cart(await self._customer_carts(customer_id, now), now)
        first_name = None
        if customer_id is not None and self.customers is not None:
            known = await self.customers.customer(customer_id)
            first_name = known.first_name if known is not None else None
        return ShopperAtTill(customer_id, first_name, cart.id if cart is not None else None)

    async def _shopper_by(self, by: ShopperKey, value: str) -> tuple[str | None, Cart | None]:
        """The one place a way of identifying the shopper plugs in: the customer it names
        and, for a cart's code, that cart (open, or refused)."""
        if by is ShopperKey.LOYALTY_ID:
            found = await self.customers.by_loyalty_id(value) if self.customers else None
            if found is None:
                raise UnknownLoyaltyId(loyalty_id=value)
            return await self.survivor_of(found.id), None  # a merged card names the survivor
        cart = await self.repository.find(parse_cart_code(value), Cart)
        if cart is None:
            raise NotFound(f"no cart has the code {value}", value=value)
        if not cart.is_open:
            raise CartClosed(cart_id=cart.id, status=cart.status.value)
        return cart.customer_id, cart

    async def ring_up_cart(
        self,
        location_id: str,
        terminal_id: str,
        sale_number: str,
        cart_id: UUID,
        cart_version: int,
        lines: list[PosSaleLine],
        context: Context,
        *,
        payment_reference: str | None = None,
        redeem_points: int | None = None,
    ) -> Done[CartRungUp]:
        """The basket at the counter sold as the continuation of the online cart the till saw
        (at `cart_version`): the sale with the cart's customer, its stock, the cart closed as
        bought in store and the customer's current cart cleared, in one append. The stock
        rules and the idempotency (store, till and sale number) are those of a till sale."""
        access.require(context.actor, Capability.SELL, location_id)
        require_bounded(terminal_id, sale_number, lines, payment_reference, None)
        if redeem_points is not None:
            require_redeemable(redeem_points)
        receipt, now = Receipt(location_id, terminal_id, sale_number), self.clock.now()
        key = f"pos-sale:{location_id}:{terminal_id}:{sale_number}"

        async def decide() -> Decision[CartRungUp]:
            await self._location(location_id)
            cart = await self._cart_as_seen(cart_id, cart_version)
            sale_lines = await self._priced(lines)
            if await self.repository.find(receipt.sale_id, Sale) is not None:
                raise IdempotencyKeyReused(key=key)  # this number is another sale already
            sale = Sale.record(receipt, sale_lines, payment_reference, cart.customer_id, now)
            sold = sale.sold_quantities()
            changes = cart.buy_in_store(sale.id, location_id, sold, now)
            items = await self._stock_items(location_id, list(sold))
            for sku, quantity in sold.items():
                items[sku].sell_at_pos(sale_number, terminal_id, quantity)
            closing = await self._closing(cart, CurrentCartClosedBecause.BOUGHT_IN_STORE, now)
            ledger = await self._points_of_sale(sale, redeem_points, now)
            rung_up = CartRungUp(
                sale.id,
                receipt.number,
                cart.id,
                sale.customer_id,
                sale.total,
                location_id,
                changes,
                *points_moved(ledger),
            )
            return Decision([cart, sale, *items.values(), *closing, *ledger], rung_up)

        request = idempotent(
            key,
            "ring_up_cart",
            cart_id=cart_id,
            cart_version=cart_version,
            lines=lines,
            payment_reference=payment_reference,
            **({"redeem_points": redeem_points} if redeem_points is not None else {}),
        )
        return await self._execute(decide, CartRungUp, context, request)

    async def _cart_as_seen(self, cart_id: UUID, version: int) -> Cart:
        """The cart, open and still at the version the till showed the associate: a line the
        shopper added since would otherwise be closed unsold without anyone seeing it."""
        cart = await self.repository.get(cart_id, Cart)
        if not cart.is_open:
            raise CartClosed(cart_id=cart.id, status=cart.status.value)
        if cart.version != version:
            raise CartChangedSinceSeen(cart.id, "cart", version, cart.version)
        return cart
