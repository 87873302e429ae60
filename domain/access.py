"""Who may do what, and where: the roles of DESIGN §9, checked by the use cases against the
aggregates they load anyway, before anything is written.

- a guest holds one cart (by a token naming it); a customer their own carts, orders, returns;
- a till sells, looks up and serves a customer's cart, and takes returns at its store's counter;
- staff (a person) pick, hand over, count, receive, inspect and refund at their stores, ship
  from a warehouse among them, and identify a shopper in front of them; at the service desk
  they also record consent given in person, merge duplicate profiles and export a customer's
  data;
- a till identifies the shopper at its counter and records consent given there;
- an admin and the system (the clock's rules) may do everything.
"""

from __future__ import annotations

import enum

from domain.errors import NotAllowed
from domain.values import Actor, ActorKind, StaffRole


class Capability(enum.StrEnum):
    SHOP = "shop"  # change a cart, check out, pay for and cancel an order, ask for a return
    SELL = "sell"  # record a sale at a till
    TAKE_RETURN = "take returns"  # request and receive a return at the counter
    PICK = "pick"  # start picking, report short, mark ready, notify, mark a no-show
    HAND_OVER = "hand over pickups"
    SHIP = "ship orders"  # dispatch a shipped order from its warehouse
    MANAGE_STOCK = "manage stock"  # goods in and counts
    INSPECT_RETURN = "inspect returns"
    REFUND = "refund"
    IDENTIFY_SHOPPER = "identify shoppers"  # by loyalty id, e-mail or phone, exact match only
    RECORD_CONSENT = "record consent given in person"
    SERVE_CUSTOMERS = "serve customers at the service desk"  # merge profiles, export, erasure
    NOTIFY = "record what was sent to customers"  # the notifier: the system's, or an admin's


STORE_FLOOR = frozenset(
    {
        Capability.PICK,
        Capability.HAND_OVER,
        Capability.SHIP,
        Capability.MANAGE_STOCK,
        Capability.INSPECT_RETURN,
        Capability.REFUND,
        Capability.TAKE_RETURN,
        Capability.IDENTIFY_SHOPPER,
    }
)
TILL = frozenset(
    {
        Capability.SHOP,
        Capability.SELL,
        Capability.TAKE_RETURN,
        Capability.IDENTIFY_SHOPPER,
        Capability.RECORD_CONSENT,
    }
)
CAPABILITIES: dict[ActorKind, frozenset[Capability]] = {
    ActorKind.GUEST: frozenset({Capability.SHOP}),
    ActorKind.CUSTOMER: frozenset({Capability.SHOP}),
    ActorKind.POS_TERMINAL: TILL,
    ActorKind.STAFF: STORE_FLOOR,
    ActorKind.ADMIN: frozenset(Capability),
    ActorKind.SYSTEM: frozenset(Capability),
}
SERVICE_DESK = frozenset({Capability.RECORD_CONSENT, Capability.SERVE_CUSTOMERS})
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
    if capability not in capabilities_of(actor):
        raise NotAllowed(f"{_role(actor)} may not {capability.value}", capability=capability)


def capabilities_of(actor: Actor) -> frozenset[Capability]:
    """The role's capabilities; staff at the service desk have the desk's too."""
    granted = CAPABILITIES[actor.kind]
    if actor.kind is ActorKind.STAFF and actor.staff_role is StaffRole.SERVICE_DESK:
        return granted | SERVICE_DESK
    return granted


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
    if actor.kind is ActorKind.POS_TERMINAL:
        return "a till"
    if actor.staff_role is not None:
        return f"a {actor.staff_role.value.replace('_', ' ')}"
    return f"a {actor.kind.value}"
