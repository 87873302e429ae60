"""Cart mutations: start, change lines, sign in. A guest's cart token is renewed by every
change it makes, so a cart in use never loses its holder."""

from __future__ import annotations

import enum
import time
from typing import Annotated
from uuid import UUID

import strawberry

from api.auth import InvalidToken, Role
from api.graphql.carts.queries import CART_VIEWS, may_read, readable_cart
from api.graphql.carts.types import Cart, view_of
from api.graphql.common import Payload, attempt
from api.graphql.context import Info, RequestContext, path_of
from api.graphql.enums import ShopperChannel
from api.graphql.errors import Forbidden, UserError, invalid
from api.graphql.limits import DeviceId, Sku
from domain.cart.model import Cart as CartState
from domain.cart.model import CartStatus as StateStatus
from domain.usecases.base import Done
from domain.usecases.carts import CartChanged, CartStarted, MergeChange, SignedIn
from projections import cart_continuity
from projections.cart_continuity import CartTouch


@strawberry.type
class CartPayload(Payload):
    cart_id: UUID | None = None
    held_by_guest: strawberry.Private[bool] = False

    @strawberry.field(description="For a guest: the token that holds this cart (renewed).")
    def cart_token(self, info: Info) -> str | None:
        # Minted only when asked for: signing is most of a small mutation's own work.
        if not self.held_by_guest or self.cart_id is None:
            return None
        context = info.context
        channel = context.shopper_channel  # the token keeps the cart's channel
        return context.services.tokens.mint_guest(self.cart_id, context.minted_at, channel)

    # The cart as this mutation decided and saved it (None: answered from the read model)
    decided: strawberry.Private[CartState | None] = None

    @strawberry.field(
        description="The cart after this change: the state the mutation decided on, the very "
        "fields a later `cart(id:, consistentWith: position)` answers (a closed or replayed "
        "cart, and `devices`, wait until the read model shows the change)."
    )
    async def cart(self, info: Info) -> Cart | None:
        if self.cart_id is None:
            return None
        context, path = info.context, path_of(info)
        if self.decided is not None and self.decided.status is StateStatus.OPEN:
            return decided_cart(context, self.decided, self.position, path)
        await context.consistent_with(self.position, CART_VIEWS, path)
        return await readable_cart(context, self.cart_id, path)


def decided_cart(
    context: RequestContext, state: CartState, position: str | None, path: tuple[str | int, ...]
) -> Cart:
    """A cart from a mutation's decided state, refused to whom may not read it exactly as
    `readable_cart` refuses; its devices come from the read model at the mutation's position."""
    caller = context.caller
    if caller is None or (caller.role is Role.GUEST and caller.cart_id != state.id):
        raise Forbidden("this cart is not yours")
    view = view_of(state)
    if not may_read(caller, view):
        raise Forbidden("this cart is not yours")

    async def touches() -> list[CartTouch]:
        await context.consistent_with(position, CART_VIEWS, path)
        shown = await cart_continuity.cart(context.read_pool, state.id)
        return shown.touches if shown is not None else []

    return Cart.of(view, touches)


@strawberry.enum(description="What startCart did.")
class CartStartOutcome(enum.Enum):
    STARTED = "started"  # a new, empty cart
    RESUMED = "resumed"  # the customer's open cart, with whatever lines it holds


@strawberry.type
class StartCartPayload(CartPayload):
    outcome: CartStartOutcome | None = strawberry.field(
        default=None,
        description="STARTED: a new, empty cart. RESUMED: the signed-in customer's open cart "
        "(one per customer, whichever device asks), with the lines already in it, also those "
        "a checkout that failed left behind: show `cart { lines }` before adding more.",
    )


@strawberry.type(description="One guest line as it landed in the customer's cart.")
class MergedLine:
    sku: str
    change: MergeChange
    guest_quantity: int
    quantity_before: int
    quantity_after: int


@strawberry.type
class SignInPayload(CartPayload):
    merged_from: UUID | None = None
    capped_skus: list[str] | None = None
    merged_lines: list[MergedLine] | None = strawberry.field(
        default=None, description="What the merge did to each guest line, to tell the shopper."
    )


def cart_payload(
    context: RequestContext, outcome: Done[CartChanged] | Done[CartStarted] | UserError
) -> CartPayload:
    if isinstance(outcome, UserError):
        return CartPayload(user_errors=[outcome])
    cart_id = outcome.result.cart_id
    return CartPayload(
        user_errors=[],
        position=outcome.position.token(),
        cart_id=cart_id,
        held_by_guest=caller_is_guest(context),
        decided=outcome.decided_state(cart_id, CartState),
    )


def caller_is_guest(context: RequestContext) -> bool:
    caller = context.caller
    return caller is None or caller.role is Role.GUEST


@strawberry.type
class CartMutations:
    @strawberry.mutation(
        description="Start a cart, or resume the signed-in customer's open one (`outcome` says "
        "which); a guest gets a cart token to hold it by, and may read the cart in the answer."
    )
    async def start_cart(
        self,
        info: Info,
        device_id: DeviceId = None,
        channel: Annotated[
            ShopperChannel | None,
            strawberry.argument(
                description="The channel the cart is started on, for a caller whose token "
                "claims none (a guest's first request); the guest's cart token then claims "
                "it. Without either, the cart's channel is UNKNOWN."
            ),
        ] = None,
    ) -> StartCartPayload:
        context = info.context
        context.declare_channel(channel.value if channel else None)
        caller = context.caller
        customer_id = caller.subject if caller and caller.role is Role.CUSTOMER else None
        started = await attempt(
            context.services.service.start_cart(context.command(device_id), customer_id)
        )
        if isinstance(started, UserError):
            return StartCartPayload(user_errors=[started])
        context.hold_cart(started.result.cart_id)
        resumed = started.result.resumed
        return StartCartPayload(
            user_errors=[],
            position=started.position.token(),
            cart_id=started.result.cart_id,
            held_by_guest=caller_is_guest(context),
            outcome=CartStartOutcome.RESUMED if resumed else CartStartOutcome.STARTED,
            decided=started.decided_state(started.result.cart_id, CartState),
        )

    @strawberry.mutation
    async def add_to_cart(
        self, info: Info, cart_id: UUID, sku: Sku, quantity: int = 1, device_id: DeviceId = None
    ) -> CartPayload:
        context = info.context
        use_case = context.services.service.add_to_cart
        return cart_payload(
            context, await attempt(use_case(cart_id, sku, quantity, context.command(device_id)))
        )

    @strawberry.mutation(description="Set a line's quantity; zero removes it.")
    async def change_cart_quantity(
        self, info: Info, cart_id: UUID, sku: Sku, quantity: int, device_id: DeviceId = None
    ) -> CartPayload:
        context = info.context
        use_case = context.services.service.change_cart_quantity
        return cart_payload(
            context, await attempt(use_case(cart_id, sku, quantity, context.command(device_id)))
        )

    @strawberry.mutation
    async def remove_from_cart(
        self, info: Info, cart_id: UUID, sku: Sku, device_id: DeviceId = None
    ) -> CartPayload:
        context = info.context
        use_case = context.services.service.remove_from_cart
        return cart_payload(
            context, await attempt(use_case(cart_id, sku, context.command(device_id)))
        )

    @strawberry.mutation(description="After sign-in: merge the guest cart into the current one.")
    async def sign_in(
        self, info: Info, guest_cart_token: str, device_id: DeviceId = None
    ) -> SignInPayload:
        context = info.context
        customer = context.require(Role.CUSTOMER)
        try:
            guest = context.services.tokens.verify(guest_cart_token, time.time())
        except InvalidToken as error:
            return SignInPayload(user_errors=[invalid("guestCartToken", str(error))])
        if guest.role is not Role.GUEST or guest.cart_id is None:
            return SignInPayload(user_errors=[invalid("guestCartToken", "not a cart token")])
        signed_in = await attempt(
            context.services.service.sign_in(
                guest.cart_id, customer.subject, context.command(device_id)
            )
        )
        return _signed_in(signed_in)


def _signed_in(outcome: Done[SignedIn] | UserError) -> SignInPayload:
    if isinstance(outcome, UserError):
        return SignInPayload(user_errors=[outcome])
    result = outcome.result
    return SignInPayload(
        user_errors=[],
        position=outcome.position.token(),
        cart_id=result.cart_id,
        decided=outcome.decided_state(result.cart_id, CartState),
        merged_from=result.merged_from,
        capped_skus=list(result.capped_skus),
        merged_lines=[
            MergedLine(
                sku=line.sku,
                change=line.change,
                guest_quantity=line.guest_quantity,
                quantity_before=line.quantity_before,
                quantity_after=line.quantity_after,
            )
            for line in result.lines
        ],
    )
