"""Mutations: one per use case. Domain refusals come back as userErrors, never as exceptions;
every payload carries the position of its last event for read-your-writes."""

from __future__ import annotations

import enum
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from uuid import UUID

import msgspec
import strawberry
from strawberry.types import Info

from api.auth import InvalidToken, Principal, Role
from api.graphql.context import command_context, principal, require, services
from api.graphql.errors import UserError, invalid, user_error
from api.graphql.permissions import require_cart_access, require_store
from domain.errors import DomainError
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.pickup.model import Pickup
from domain.returns.model import InspectionResult, Return, ReturnChannel
from domain.usecases.base import Done
from domain.usecases.stock import PosSaleLine

T = TypeVar("T", bound=msgspec.Struct)


@strawberry.type
class Payload:
    user_errors: list[UserError]
    position: str | None = None


@strawberry.type
class CartPayload(Payload):
    cart_id: UUID | None = None
    cart_token: str | None = None


@strawberry.type
class SignInPayload(Payload):
    cart_id: UUID | None = None
    merged_from: UUID | None = None
    capped_skus: list[str] | None = None


@strawberry.type
class CheckoutPayload(Payload):
    order_id: UUID | None = None
    pickup_id: UUID | None = None
    total: str | None = None


@strawberry.type
class OrderPayload(Payload):
    order_id: UUID | None = None


@strawberry.type
class PickupPayload(Payload):
    pickup_id: UUID | None = None
    status: str | None = None
    pickup_code: str | None = None


@strawberry.type
class ReturnPayload(Payload):
    return_id: UUID | None = None
    status: str | None = None


@strawberry.type
class StockPayload(Payload):
    location_id: str | None = None


@strawberry.enum
class Method(enum.Enum):
    SHIP = "ship"
    PICKUP = "pickup"


@strawberry.enum
class ReturnVia(enum.Enum):
    STORE = "store"
    MAIL = "mail"
    WEB = "web"


@strawberry.input
class CheckoutInput:
    cart_id: UUID
    method: Method
    location_id: str
    payment_token: str | None = None
    idempotency_key: str | None = None


@strawberry.input
class SkuQuantity:
    sku: str
    quantity: int


@strawberry.input
class InspectionInput:
    sku: str
    resellable: int
    damaged: int


async def attempt(
    payload: type[Any],
    run: Callable[[], Awaitable[Done[T]]],
    fields: Callable[[T], dict[str, Any]],
) -> Any:
    """Run a use case; a domain refusal becomes a userError and changes nothing."""
    try:
        done = await run()
    except DomainError as refused:
        return payload(user_errors=[user_error(refused)])
    return payload(user_errors=[], position=done.position.token(), **fields(done.result))


def _cart(result: Any) -> dict[str, Any]:
    return {"cart_id": result.cart_id}


def _pickup(result: Any) -> dict[str, Any]:
    return {
        "pickup_id": result.pickup_id,
        "status": result.status,
        "pickup_code": result.pickup_code,
    }


def _return(result: Any) -> dict[str, Any]:
    return {"return_id": result.return_id, "status": result.status}


async def _pickup_store(info: Info, pickup_id: UUID) -> str:
    pickup = await services(info).service.repository.find(pickup_id, Pickup)
    if pickup is None:
        return ""
    require_store(info, pickup.store_id)
    return pickup.store_id


def _staff_id(caller: Principal) -> str:
    return caller.subject


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Start a cart; a guest gets a cart token to hold it by.")
    async def start_cart(self, info: Info, device_id: str | None = None) -> CartPayload:
        caller = principal(info)
        customer_id = caller.subject if caller and caller.role is Role.CUSTOMER else None
        done = await services(info).service.start_cart(
            command_context(info, device_id), customer_id=customer_id
        )
        cart_id = done.result.cart_id
        token = None
        if customer_id is None:
            guest = Principal(role=Role.GUEST, subject=f"guest-{cart_id}", cart_id=cart_id)
            token = services(info).tokens.mint(guest)
        return CartPayload(
            user_errors=[], position=done.position.token(), cart_id=cart_id, cart_token=token
        )

    @strawberry.mutation
    async def add_to_cart(
        self, info: Info, cart_id: UUID, sku: str, quantity: int = 1, device_id: str | None = None
    ) -> CartPayload:
        await require_cart_access(info, cart_id)
        service, ctx = services(info).service, command_context(info, device_id)
        return await attempt(
            CartPayload, lambda: service.add_to_cart(cart_id, sku, quantity, ctx), _cart
        )

    @strawberry.mutation(description="Set a line's quantity; zero removes it.")
    async def change_cart_quantity(
        self, info: Info, cart_id: UUID, sku: str, quantity: int, device_id: str | None = None
    ) -> CartPayload:
        await require_cart_access(info, cart_id)
        service, ctx = services(info).service, command_context(info, device_id)
        return await attempt(
            CartPayload, lambda: service.change_cart_quantity(cart_id, sku, quantity, ctx), _cart
        )

    @strawberry.mutation
    async def remove_from_cart(
        self, info: Info, cart_id: UUID, sku: str, device_id: str | None = None
    ) -> CartPayload:
        await require_cart_access(info, cart_id)
        service, ctx = services(info).service, command_context(info, device_id)
        return await attempt(
            CartPayload, lambda: service.remove_from_cart(cart_id, sku, ctx), _cart
        )

    @strawberry.mutation(description="After sign-in: merge the guest cart into the current one.")
    async def sign_in(
        self, info: Info, guest_cart_token: str, device_id: str | None = None
    ) -> SignInPayload:
        caller = require(info, Role.CUSTOMER)
        try:
            guest = services(info).tokens.verify(guest_cart_token, time.time())
        except InvalidToken as error:
            return SignInPayload(user_errors=[invalid("guestCartToken", str(error))])
        if guest.role is not Role.GUEST or guest.cart_id is None:
            return SignInPayload(user_errors=[invalid("guestCartToken", "not a cart token")])
        service, ctx = services(info).service, command_context(info, device_id)
        return await attempt(
            SignInPayload,
            lambda: service.sign_in(guest.cart_id, caller.subject, ctx),  # type: ignore[arg-type]
            lambda r: {
                "cart_id": r.cart_id,
                "merged_from": r.merged_from,
                "capped_skus": list(r.capped_skus),
            },
        )

    @strawberry.mutation(description="Place the order: ship, or pick up at a store.")
    async def checkout(
        self, info: Info, input: CheckoutInput, device_id: str | None = None
    ) -> CheckoutPayload:
        await require_cart_access(info, input.cart_id)
        if input.idempotency_key is not None and not 8 <= len(input.idempotency_key) <= 100:
            return CheckoutPayload(user_errors=[invalid("idempotencyKey", "8 to 100 characters")])
        caller = principal(info)
        # Keys are per caller: one customer's key can never replay another's checkout.
        key = (
            f"checkout:{caller.subject if caller else 'guest'}:{input.idempotency_key}"
            if input.idempotency_key
            else None
        )
        fulfillment = Fulfillment(FulfillmentMethod(input.method.value), input.location_id)
        service, ctx = services(info).service, command_context(info, device_id)
        return await attempt(
            CheckoutPayload,
            lambda: service.checkout(input.cart_id, fulfillment, ctx, input.payment_token, key),
            lambda r: {"order_id": r.order_id, "pickup_id": r.pickup_id, "total": str(r.total)},
        )

    @strawberry.mutation(description="Record a payment for an order placed without one.")
    async def authorize_payment(
        self, info: Info, order_id: UUID, payment_token: str
    ) -> OrderPayload:
        await _require_own_order(info, order_id)
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            OrderPayload,
            lambda: service.authorize_payment(order_id, payment_token, ctx),
            lambda r: {"order_id": r.order_id},
        )

    @strawberry.mutation
    async def cancel_order(self, info: Info, order_id: UUID, reason: str) -> OrderPayload:
        await _require_own_order(info, order_id)
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            OrderPayload,
            lambda: service.cancel_order(order_id, reason, ctx),
            lambda r: {"order_id": r.order_id},
        )

    @strawberry.mutation
    async def start_picking(self, info: Info, pickup_id: UUID) -> PickupPayload:
        caller = require(info, Role.STAFF, Role.POS)
        store = await _pickup_store(info, pickup_id)
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            PickupPayload,
            lambda: service.start_picking(
                pickup_id, _staff_id(caller), ctx, store_id=store or None
            ),
            _pickup,
        )

    @strawberry.mutation(description="The shelf is short: cancel those units of the order line.")
    async def report_short(
        self, info: Info, pickup_id: UUID, line_id: str, quantity: int
    ) -> PickupPayload:
        require(info, Role.STAFF, Role.POS)
        store = await _pickup_store(info, pickup_id)
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            PickupPayload,
            lambda: service.report_short(pickup_id, line_id, quantity, ctx, store_id=store or None),
            _pickup,
        )

    @strawberry.mutation
    async def mark_ready(self, info: Info, pickup_id: UUID, shelf_spot: str) -> PickupPayload:
        require(info, Role.STAFF, Role.POS)
        store = await _pickup_store(info, pickup_id)
        if not shelf_spot.strip():
            return PickupPayload(user_errors=[invalid("shelfSpot", "say where it is")])
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            PickupPayload,
            lambda: service.mark_ready(pickup_id, shelf_spot.strip(), ctx, store_id=store or None),
            _pickup,
        )

    @strawberry.mutation
    async def notify_customer(
        self, info: Info, pickup_id: UUID, channel: str = "sms"
    ) -> PickupPayload:
        require(info, Role.STAFF, Role.POS)
        store = await _pickup_store(info, pickup_id)
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            PickupPayload,
            lambda: service.notify_customer(pickup_id, channel, ctx, store_id=store or None),
            _pickup,
        )

    @strawberry.mutation(description="Hand over against the pickup code.")
    async def collect_pickup(
        self, info: Info, pickup_id: UUID, code: str, collected_by: str | None = None
    ) -> PickupPayload:
        caller = require(info, Role.STAFF, Role.POS)
        store = await _pickup_store(info, pickup_id)
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            PickupPayload,
            lambda: service.collect(
                pickup_id, code, _staff_id(caller), ctx, collected_by, store_id=store or None
            ),
            _pickup,
        )

    @strawberry.mutation(description="Return units of an order, online or at any store.")
    async def request_return(
        self, info: Info, order_id: UUID, lines: list[SkuQuantity], reason: str, via: ReturnVia
    ) -> ReturnPayload:
        await _require_own_order(info, order_id, staff_anywhere=True)
        quantities: dict[str, int] = {}
        for line in lines:
            quantities[line.sku] = quantities.get(line.sku, 0) + line.quantity
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            ReturnPayload,
            lambda: service.request_return(
                order_id, quantities, reason, ReturnChannel(via.value), ctx
            ),
            _return,
        )

    @strawberry.mutation
    async def receive_return(self, info: Info, return_id: UUID, location_id: str) -> ReturnPayload:
        require_store(info, location_id)
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            ReturnPayload, lambda: service.receive_return(return_id, location_id, ctx), _return
        )

    @strawberry.mutation
    async def inspect_return(
        self, info: Info, return_id: UUID, results: list[InspectionInput]
    ) -> ReturnPayload:
        await _require_return_location(info, return_id)
        judged = [InspectionResult(r.sku, r.resellable, r.damaged) for r in results]
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            ReturnPayload, lambda: service.inspect_return(return_id, judged, ctx), _return
        )

    @strawberry.mutation
    async def refund_return(self, info: Info, return_id: UUID) -> ReturnPayload:
        await _require_return_location(info, return_id)
        service, ctx = services(info).service, command_context(info)
        return await attempt(ReturnPayload, lambda: service.refund_return(return_id, ctx), _return)

    @strawberry.mutation
    async def restock_return(self, info: Info, return_id: UUID) -> ReturnPayload:
        await _require_return_location(info, return_id)
        service, ctx = services(info).service, command_context(info)
        return await attempt(ReturnPayload, lambda: service.restock_return(return_id, ctx), _return)

    @strawberry.mutation(description="Goods in at a location.")
    async def receive_stock(
        self, info: Info, location_id: str, sku: str, quantity: int, reference: str
    ) -> StockPayload:
        require_store(info, location_id)
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            StockPayload,
            lambda: service.receive_stock(location_id, sku, quantity, reference, ctx),
            lambda r: {"location_id": r.location_id},
        )

    @strawberry.mutation(description="A stock count sets what is on hand.")
    async def count_stock(
        self, info: Info, location_id: str, sku: str, counted: int, reason: str
    ) -> StockPayload:
        require_store(info, location_id)
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            StockPayload,
            lambda: service.count_stock(location_id, sku, counted, reason, ctx),
            lambda r: {"location_id": r.location_id},
        )

    @strawberry.mutation(description="A counter sale at this POS (safe to send again).")
    async def record_pos_sale(
        self, info: Info, sale_id: str, lines: list[SkuQuantity]
    ) -> StockPayload:
        caller = require(info, Role.POS)
        store = caller.stores[0]
        sold = [PosSaleLine(line.sku, line.quantity) for line in lines]
        service, ctx = services(info).service, command_context(info)
        return await attempt(
            StockPayload,
            lambda: service.record_pos_sale(store, caller.subject, sale_id, sold, ctx),
            lambda r: {"location_id": r.location_id},
        )


async def _require_own_order(info: Info, order_id: UUID, staff_anywhere: bool = False) -> None:
    from domain.order.model import Order

    caller = require(info)
    order = await services(info).service.repository.find(order_id, Order)
    if order is None:
        return  # the use case answers NOT_FOUND as a userError
    if caller.role is Role.CUSTOMER and order.customer_id == caller.subject:
        return
    if staff_anywhere and caller.role in (Role.STAFF, Role.POS):
        return  # buy online, return in any store
    if caller.works_at(order.fulfillment.location_id):
        return
    from api.graphql.context import NotAllowed

    raise NotAllowed("this order is not yours")


async def _require_return_location(info: Info, return_id: UUID) -> None:
    item = await services(info).service.repository.find(return_id, Return)
    if item is None or item.received_at_location is None:
        require(info, Role.STAFF, Role.POS)
        return
    require_store(info, item.received_at_location)
