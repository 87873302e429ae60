"""Checkout and order use cases: one atomic append places the order, reserves stock at the
chosen location, closes the cart and, for click-and-collect, opens the pickup."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from domain import access, bounds
from domain.cart.model import Cart
from domain.customer.model import CurrentCartClosedBecause
from domain.idempotency import idempotent
from domain.loyalty.model import purchase_source, require_redeemable
from domain.order.model import Fulfillment, FulfillmentMethod, Order, OrderLine
from domain.pickup.model import FINISHED, Pickup, PickupLine
from domain.ports import Location
from domain.stock.model import StockItem
from domain.usecases.base import Decision, Done, UnknownProduct, nearest_first
from domain.usecases.checkout_rules import (
    CheckedOut,
    DiscontinuedLines,
    NotInCheckout,
    OrderChanged,
    OutOfStock,
    PickupNotOffered,
    PricesChanged,
    ShortLine,
    StaleVersion,
    order_id_for,
    pickup_id_for,
    require_expected_versions,
)
from domain.usecases.current_cart import CurrentCarts
from domain.usecases.loyalty import LoyaltyUseCases
from domain.usecases.payments import PaymentCalls, PaymentRejected
from domain.values import Context

__all__ = [
    "CheckedOut",
    "CheckoutUseCases",
    "DiscontinuedLines",
    "NotInCheckout",
    "OrderChanged",
    "OutOfStock",
    "PaymentRejected",
    "PickupNotOffered",
    "PricesChanged",
    "ShortLine",
    "StaleVersion",
    "order_id_for",
    "pickup_id_for",
]

NEARBY_ALTERNATIVES = 5


async def _none() -> None:
    return None


ORDER_CANCELLED = "order cancelled"  # the reason stock items record for a cancellation


class CheckoutUseCases(LoyaltyUseCases, CurrentCarts):
    async def checkout(
        self,
        cart_id: UUID,
        fulfillment: Fulfillment,
        context: Context,
        payment_token: str | None = None,
        idempotency_key: str | None = None,
        expected_versions: Mapping[UUID, int] | None = None,
        redeem_points: int | None = None,
    ) -> Done[CheckedOut]:
        """Turn a cart into an order with its stock reserved; all or nothing.

        With `expected_versions` (stream id to version, for the cart and the stock items of its
        lines at the location), a stream at another version refuses it at once (STALE_VERSION).
        With `redeem_points`, the customer's points pay part of it: the ledger's redemption is
        in the same append (INSUFFICIENT_POINTS beyond the balance).
        """
        bounds.require_id(payment_token, "payment_token")
        if redeem_points is not None:
            require_redeemable(redeem_points)
        order_id, now, payments = (
            order_id_for(cart_id),
            self.clock.now(),
            PaymentCalls(self.payments),
        )

        async def decide() -> Decision[CheckedOut]:
            cart = await self.repository.get(cart_id, Cart)
            access.require_cart_holder(context.actor, cart.id, cart.customer_id)
            cart.require_checkout_possible()
            if cart.customer_id is not None:  # no new order under an erased customer's id
                await self._require_not_erased(cart.customer_id)
            location = await self._fulfillment_location(fulfillment)
            await self._require_current_prices(cart)
            # The ledger loads beside the stock items: a redemption adds no round trip.
            items, ledger = await asyncio.gather(
                self._stock_items(location.id, list(cart.lines)),
                self._spender(cart.customer_id, now) if redeem_points is not None else _none(),
            )
            require_expected_versions(expected_versions, cart, items)
            await self._reserve(cart, location, order_id, items)
            order = self._place(order_id, cart, fulfillment, now)
            spent = []
            if redeem_points is not None:
                source = purchase_source("order", order_id)
                account, value = await self._redemption(
                    cart.customer_id, source, redeem_points, order.currency, now, ledger
                )
                order.tender_points(redeem_points, value, now)
                spent.append(account)
            if payment_token is not None:
                reference = await payments.authorize(order_id, order.amount_payable, payment_token)
                order.authorize_payment(reference, now)
            cart.check_out(order_id, now)
            changed: list[Aggregate] = [cart, order, *items.values(), *spent]
            changed += await self._closing(cart, CurrentCartClosedBecause.CHECKED_OUT, now)
            pickup_id = None
            if fulfillment.method is FulfillmentMethod.PICKUP:
                pickup = self._request_pickup(order, location)
                changed.append(pickup)
                pickup_id = pickup.id
            return Decision(changed, CheckedOut(order_id, pickup_id, order.total))

        request = idempotent(
            idempotency_key,
            "checkout",
            cart_id=cart_id,
            fulfillment=fulfillment,
            payment_token=payment_token,
            expected_versions=expected_versions,
            **({"redeem_points": redeem_points} if redeem_points is not None else {}),
        )
        return await self._execute(decide, CheckedOut, context, request)

    async def _fulfillment_location(self, fulfillment: Fulfillment) -> Location:
        location = await self._location(fulfillment.location_id)
        if fulfillment.method is FulfillmentMethod.PICKUP and not location.offers_pickup:
            raise PickupNotOffered(location_id=location.id)
        return location

    async def _require_current_prices(self, cart: Cart) -> None:
        products = await self.catalog.products(list(cart.lines))
        for sku in cart.lines:
            if sku not in products:
                raise UnknownProduct(sku=sku)
        discontinued = [sku for sku in cart.lines if products[sku].discontinued]
        if discontinued:
            raise DiscontinuedLines(cart_id=cart.id, skus=discontinued)
        changed = [
            sku for sku, line in cart.lines.items() if line.unit_price != products[sku].price
        ]
        if changed:
            raise PricesChanged(cart_id=cart.id, skus=changed)

    async def _reserve(
        self, cart: Cart, location: Location, order_id: UUID, items: dict[str, StockItem]
    ) -> None:
        short = [
            ShortLine(sku, line.quantity, max(items[sku].available, 0))
            for sku, line in cart.lines.items()
            if line.quantity > items[sku].available
        ]
        if short:
            raise OutOfStock(location.id, await self._with_alternatives(location, short))
        for sku, line in cart.lines.items():
            items[sku].reserve(order_id, line.quantity)

    async def _with_alternatives(self, here: Location, short: list[ShortLine]) -> list[ShortLine]:
        """Nearest locations of the same kind that could serve each short line on their own."""
        same_kind = [loc for loc in await self.catalog.locations() if loc.kind is here.kind]
        others = [loc for loc in nearest_first(here, same_kind) if loc.id != here.id]
        others = others[:NEARBY_ALTERNATIVES]
        described = []
        for line in short:
            at = [
                loc.id
                for loc in others
                if (await self._stock_item(loc.id, line.sku)).available >= line.requested
            ]
            described.append(msgspec.structs.replace(line, available_at=at))
        return described

    def _place(self, order_id: UUID, cart: Cart, fulfillment: Fulfillment, now: datetime) -> Order:
        lines = [
            OrderLine(f"L{number}", line.sku, line.quantity, line.unit_price)
            for number, line in enumerate(cart.lines.values(), start=1)
        ]
        return Order.place(
            order_id, cart.id, cart.customer_id, cart.channel, lines, fulfillment, now
        )

    def _request_pickup(self, order: Order, store: Location) -> Pickup:
        lines = [PickupLine(line.line_id, line.sku, line.quantity) for line in order.lines]
        return Pickup.request(
            pickup_id_for(order.id),
            order.id,
            store.id,
            order.customer_id,
            lines,
            order.placed_at,
            store.pickup_service_minutes,
            store.pickup_window_days,
        )

    async def _owned_order(self, order_id: UUID, context: Context) -> Order:
        order = await self.repository.get(order_id, Order)
        access.require_owner(context.actor, order.customer_id, order.fulfillment.location_id)
        return order

    async def authorize_payment(
        self, order_id: UUID, payment_token: str, context: Context
    ) -> Done[OrderChanged]:
        """Pay for an order placed without payment, or after a decline."""
        bounds.require_id(payment_token, "payment_token")
        payments, now = PaymentCalls(self.payments), self.clock.now()

        async def decide() -> Decision[OrderChanged]:
            order = await self._owned_order(order_id, context)
            order.require_payable()
            reference = await payments.authorize(order_id, order.amount_payable, payment_token)
            order.authorize_payment(reference, now)
            return Decision([order], OrderChanged(order_id))

        return await self._execute(decide, OrderChanged, context)

    async def cancel_order(
        self, order_id: UUID, reason: str, context: Context
    ) -> Done[OrderChanged]:
        """Cancel before hand-over: reservations are released, the pickup is cancelled and
        the points the order paid with are given back, in one append."""
        bounds.require_text(reason, "reason")

        async def decide() -> Decision[OrderChanged]:
            order = await self._owned_order(order_id, context)
            now = self.clock.now()
            order.cancel(reason, now)
            # The stock's history says why in its own words: a customer's reason is personal
            # and stock has no data subject (domain/personal.py).
            released = await self._release_reservations(order, ORDER_CANCELLED)
            changed: list = [order, *released, *await self._points_back(order, now)]
            if order.fulfillment.method is FulfillmentMethod.PICKUP:
                pickup = await self.repository.get(pickup_id_for(order_id), Pickup)
                if pickup.status not in FINISHED:
                    pickup.cancel(reason, now)
                    changed.append(pickup)
            return Decision(changed, OrderChanged(order_id))

        return await self._execute(decide, OrderChanged, context)
