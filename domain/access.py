"""Who may do what, and where: the roles of DESIGN §9, checked by the use cases against the
aggregates they load anyway, before anything is written.

- a guest holds one cart (by a token naming it); a customer their own carts, orders, returns;
- a till sells, looks up and serves a customer's cart, and takes returns at its store's counter;
- staff (a person) pick, hand over, count, receive, inspect and refund at their stores;
- an admin and the system (the clock's rules) may do everything.
"""

from __future__ import annotations

import enum

from domain.errors import NotAllowed
from domain.values import Actor, ActorKind


class Capability(enum.StrEnum):
    SHOP = "shop"  # change a cart, check out, pay for and cancel an order, ask for a return
    SELL = "sell"  # record a sale at a till
    TAKE_RETURN = "take returns"  # request and receive a return at the counter
    PICK = "pick"  # start picking, report short, mark ready, notify, mark a no-show
    HAND_OVER = "hand over pickups"
    MANAGE_STOCK = "manage stock"  # goods in and counts
    INSPECT_RETURN = "inspect returns"
    REFUND = "refund"


CAPABILITIES: dict[ActorKind, frozenset[Capability]] = {
    ActorKind.GUEST: frozenset({Capability.SHOP}),
    ActorKind.CUSTOMER: frozenset({Capability.SHOP}),
    ActorKind.POS_TERMINAL: frozenset({Capability.SHOP, Capability.SELL, Capability.TAKE_RETURN}),
    ActorKind.STAFF: frozenset(set(Capability) - {Capability.SHOP, Capability.SELL}),
    ActorKind.ADMIN: frozenset(Capability),
    ActorKind.SYSTEM: frozenset(Capability),
}
STORE_SCOPED = frozenset({ActorKind.STAFF, ActorKind.POS_TERMINAL})
UNRESTRICTED = frozenset({ActorKind.ADMIN, ActorKind.SYSTEM})


def require(actor: Actor, capability: Capability, store_id: str | None = None) -> None:
    """Refuse unless the actor's role has the capability (at `store_id`, for store roles).

    A store role outside its stores hears about the store first: that is what it can fix."""
    if actor.kind in UNRESTRICTED:
        return
    scoped = actor.kind in STORE_SCOPED
    if scoped and store_id is not None and store_id not in actor.stores:
        raise NotAllowed(f"not allowed at store {store_id}", store_id=store_id)
    if capability not in CAPABILITIES[actor.kind]:
        raise NotAllowed(f"{_role(actor)} may not {capability.value}", capability=capability)


def require_cart_holder(actor: Actor, cart_id: object, customer_id: str | None) -> None:
    """A cart is changed by its guest (by token), its customer, a till or staff serving it."""
    require(actor, Capability.SHOP)
    shopper = actor.kind in (ActorKind.GUEST, ActorKind.CUSTOMER)
    if shopper and not _holds(actor, cart_id, customer_id):
        raise NotAllowed("this cart is not yours", cart_id=cart_id)


def require_return_requester(actor: Actor, customer_id: str | None) -> None:
    """A return is asked for by the customer, or at any store's counter (bought online,
    returned in any store)."""
    if actor.kind in STORE_SCOPED:
        require(actor, Capability.TAKE_RETURN)
        return
    require_owner(actor, customer_id)


def require_owner(actor: Actor, customer_id: str | None, store_id: str | None = None) -> None:
    """An order or return: its customer, or (for store roles) the store it belongs to."""
    if actor.kind in UNRESTRICTED:
        return
    if actor.kind is ActorKind.CUSTOMER and customer_id is not None and actor.id == customer_id:
        return
    if actor.kind in STORE_SCOPED and store_id is not None and store_id in actor.stores:
        return
    raise NotAllowed("this order is not yours")


def require_customer(actor: Actor, customer_id: str) -> None:
    """Only the customer themself (or an admin) acts as that customer."""
    if actor.kind in UNRESTRICTED:
        return
    if actor.kind is not ActorKind.CUSTOMER or actor.id != customer_id:
        raise NotAllowed("only the customer may do this for themself")


def require_arrival_reporter(
    actor: Actor, customer_id: str | None, cart_id: object, store_id: str
) -> None:
    """Who may say "I'm here": the order's customer (or the guest holding its cart), or the
    store's staff who hear it (a call from the car park); a till hands nothing over."""
    if actor.kind in UNRESTRICTED:
        return
    if actor.kind in (ActorKind.GUEST, ActorKind.CUSTOMER):
        if not _holds(actor, cart_id, customer_id):
            raise NotAllowed("this order is not yours")
        return
    require(actor, Capability.HAND_OVER, store_id)


def _holds(actor: Actor, cart_id: object, customer_id: str | None) -> bool:
    if actor.cart_id is not None and actor.cart_id == cart_id:
        return True
    return actor.kind is ActorKind.CUSTOMER and customer_id == actor.id


def _role(actor: Actor) -> str:
    return "a till" if actor.kind is ActorKind.POS_TERMINAL else f"a {actor.kind.value}"
