"""What each event means on a customer's timeline: pure functions, no database.

Every aggregate a customer has business with is a `Subject` (whose it is, which store, open or
not, its value); an event updates its subject and may describe one touchpoint.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID

from domain.cart.model import Cart
from domain.order.model import FulfillmentMethod, Order
from domain.pickup.model import Pickup
from domain.ports import RecordedEvent
from domain.returns.model import Return
from domain.sale.model import Sale


class Kind(enum.StrEnum):
    CART_STARTED = "cart_started"
    LINE_ADDED = "line_added"
    QUANTITY_CHANGED = "quantity_changed"
    LINE_REMOVED = "line_removed"
    CART_ASSIGNED = "cart_assigned"
    CART_MERGED = "cart_merged"
    CART_ABANDONED = "cart_abandoned"
    CART_RECOVERED = "cart_recovered"
    CART_BOUGHT_IN_STORE = "cart_bought_in_store"
    CHECKOUT = "checkout"
    PAYMENT_AUTHORIZED = "payment_authorized"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_CAPTURED = "payment_captured"
    ORDER_LINE_CANCELLED = "order_line_cancelled"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_SHIPPED = "order_shipped"
    ORDER_COMPLETED = "order_completed"
    PICKUP_LINE_SHORT = "pickup_line_short"
    PICKUP_READY = "pickup_ready"
    PICKUP_NOTIFIED = "pickup_notified"
    PICKUP_NOTIFICATION_FAILED = "pickup_notification_failed"
    PICKUP_COLLECTED = "pickup_collected"
    PICKUP_NO_SHOW = "pickup_no_show"
    PICKUP_CANCELLED = "pickup_cancelled"
    RETURN_REQUESTED = "return_requested"
    RETURN_RECEIVED = "return_received"
    RETURN_REFUNDED = "return_refunded"
    RETURN_CANCELLED = "return_cancelled"
    IN_STORE_SALE = "in_store_sale"
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    PROFILES_MERGED = "profiles_merged"
    SHOPPER_IDENTIFIED = "shopper_identified"
    MARKETING_SENT = "marketing_sent"
    ERASURE_REQUESTED = "erasure_requested"
    ERASED = "erased"  # the pseudonym's last touchpoint: keys forgotten, rows scrubbed
    FEEDBACK_GIVEN = "feedback_given"
    SERVICE_CASE_OPENED = "service_case_opened"
    SERVICE_CASE_CONTACTED = "service_case_contacted"
    SERVICE_CASE_RESOLVED = "service_case_resolved"
    POINTS_EARNED = "points_earned"
    POINTS_REDEEMED = "points_redeemed"
    POINTS_REVERSED = "points_reversed"
    POINTS_RESTORED = "points_restored"
    POINTS_EXPIRED = "points_expired"
    POINTS_TRANSFERRED_OUT = "points_transferred_out"  # a merge moved them to the survivor
    POINTS_TRANSFERRED_IN = "points_transferred_in"


OPEN, CLOSED, CANCELLED, ABANDONED = "open", "closed", "cancelled", "abandoned"


@dataclass
class Subject:
    """A cart, order, pickup, return or sale as the timeline keeps it."""

    id: UUID
    kind: str
    customer_id: str | None
    state: str = OPEN
    store_id: str | None = None
    channel: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    cart_id: UUID | None = None
    order_id: UUID | None = None
    sale_id: UUID | None = None


@dataclass
class Touch:
    """One touchpoint, before the event's context (channel, device, time) is added; where it
    happened, when that is not its subject's store."""

    kind: Kind
    summary: str
    store_id: str | None = None


@dataclass
class Fold:
    """The subjects a batch touched, the guest carts that became a customer's, and the
    profiles merged into another (duplicate -> survivor, in the batch's order)."""

    subjects: dict[UUID, Subject]
    claimed: dict[UUID, str] = field(default_factory=dict)  # guest cart -> customer
    merges: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, duplicate_id: str, survivor_id: str) -> None:
        """Whatever the batch holds of the duplicate is the survivor's from here on."""
        self.merges.append((duplicate_id, survivor_id))
        for subject in self.subjects.values():
            if subject.customer_id == duplicate_id:
                subject.customer_id = survivor_id
        for cart_id, customer_id in self.claimed.items():
            if customer_id == duplicate_id:
                self.claimed[cart_id] = survivor_id


def follow(recorded: RecordedEvent, fold: Fold) -> tuple[Subject, Touch] | None:
    """Update the event's subject; the touchpoint it makes, with its subject, if any."""
    e = recorded.event
    if isinstance(e, Cart.Event):
        return _cart(recorded.stream_id, e, fold)
    if isinstance(e, Order.Event):
        return _order(recorded.stream_id, e, fold)
    if isinstance(e, Pickup.Event):
        return _pickup(recorded.stream_id, e, fold)
    if isinstance(e, Return.Event):
        return _return(recorded.stream_id, e, fold)
    if isinstance(e, Sale.Recorded):
        sale = Subject(recorded.stream_id, "sale", e.customer_id, CLOSED, e.store_id, "pos")
        sale.amount, sale.currency, sale.sale_id = e.total.amount, e.total.currency, sale.id
        fold.subjects[sale.id] = sale
        items = sum(line.quantity for line in e.lines)
        return sale, Touch(Kind.IN_STORE_SALE, f"Bought {_items(items)} for {e.total}")
    return None


def _cart(cart_id: UUID, e: Cart.Event, fold: Fold) -> tuple[Subject, Touch] | None:
    if isinstance(e, Cart.Created):
        fold.subjects[cart_id] = Subject(cart_id, "cart", e.customer_id, channel=e.channel.value)
    cart = fold.subjects[cart_id]
    cart.cart_id = cart_id
    match e:
        case Cart.Created():
            return cart, Touch(Kind.CART_STARTED, "Started a cart")
        case Cart.LineAdded():
            return cart, Touch(Kind.LINE_ADDED, f"Added {e.quantity} x {e.sku}")
        case Cart.QuantityChanged():
            return cart, Touch(Kind.QUANTITY_CHANGED, f"Changed {e.sku} to {e.quantity}")
        case Cart.LineRemoved():
            return cart, Touch(Kind.LINE_REMOVED, f"Removed {e.sku}")
        case Cart.AssignedToCustomer():
            cart.customer_id = fold.claimed[cart_id] = e.customer_id
            return cart, Touch(Kind.CART_ASSIGNED, "Signed in: the guest cart became theirs")
        case Cart.LinesMerged():
            _claim(fold, e.source_cart_id, cart.customer_id)
            merged = f"Signed in: {_count(len(e.lines), 'line')} of a guest cart merged in"
            return cart, Touch(Kind.CART_MERGED, merged)
    return _cart_closing(cart, e)


def _cart_closing(cart: Subject, e: Cart.Event) -> tuple[Subject, Touch] | None:
    match e:
        case Cart.Abandoned():
            cart.state = ABANDONED
            return cart, Touch(Kind.CART_ABANDONED, "Cart given up after a month idle")
        case Cart.Recovered():
            cart.state = OPEN
            told = f"Cart recovered ({_count(len(e.changes), 'change')} to its lines)"
            return cart, Touch(Kind.CART_RECOVERED, told)
        case Cart.BoughtInStore():
            cart.state, cart.store_id = CLOSED, e.store_id
            return cart, Touch(Kind.CART_BOUGHT_IN_STORE, _rung_up(e))
        case Cart.CheckedOut() | Cart.MergedInto():
            cart.state = CLOSED  # the order's checkout, or the target's merge, tells it
    return None


def _rung_up(e: Cart.BoughtInStore) -> str:
    """What the till did with the cart; the sale's own touchpoint says what was paid."""
    told = f"Cart rung up at the till in {e.store_id}"
    added = sum(1 for c in e.changes if c.in_cart == 0)
    left = sum(1 for c in e.changes if c.bought == 0)
    changed = len(e.changes) - added - left
    parts = [
        f"{_count(added, 'line')} added at the counter" if added else "",
        f"{_count(left, 'line')} left out" if left else "",
        f"{_count(changed, 'quantity', 'quantities')} changed" if changed else "",
    ]
    said = ", ".join(part for part in parts if part)
    return f"{told}: {said}" if said else f"{told}, as it was"


def _claim(fold: Fold, guest_cart_id: UUID, customer_id: str | None) -> None:
    guest = fold.subjects.get(guest_cart_id)
    if customer_id is not None and guest is not None and guest.customer_id is None:
        guest.customer_id = fold.claimed[guest_cart_id] = customer_id


def _order(order_id: UUID, e: Order.Event, fold: Fold) -> tuple[Subject, Touch] | None:
    if isinstance(e, Order.Placed):
        order = Subject(order_id, "order", e.customer_id, OPEN, e.fulfillment.location_id)
        order.channel, order.amount, order.currency = e.channel.value, e.total.amount, e.currency
        order.cart_id, order.order_id = e.cart_id, order_id
        fold.subjects[order_id] = order
        how = "pick up at" if e.fulfillment.method is FulfillmentMethod.PICKUP else "ship from"
        items = _items(sum(line.quantity for line in e.lines))
        return order, Touch(Kind.CHECKOUT, f"Ordered {items} for {e.total}, {how} {order.store_id}")
    order = fold.subjects[order_id]
    match e:
        case Order.PaymentAuthorized():
            return order, Touch(Kind.PAYMENT_AUTHORIZED, f"Payment of {e.amount} authorized")
        case Order.PaymentFailed():
            return order, Touch(Kind.PAYMENT_FAILED, f"Payment failed: {e.reason}")
        case Order.PaymentCaptured():
            return order, Touch(Kind.PAYMENT_CAPTURED, f"Paid {e.amount}")
        case Order.LineCancelled():
            order.amount = (order.amount or Decimal(0)) - e.amount_due_back.amount
            told = f"{e.quantity} x {e.sku} cancelled ({e.reason}), {e.amount_due_back} owed back"
            return order, Touch(Kind.ORDER_LINE_CANCELLED, told)
        case Order.Cancelled():
            order.state = CANCELLED
            return order, Touch(Kind.ORDER_CANCELLED, f"Order cancelled: {e.reason}")
        case Order.Shipped():
            told = f"Shipped via {e.carrier} (tracking number {e.tracking_number})"
            return order, Touch(Kind.ORDER_SHIPPED, told)
        case Order.Completed():
            order.state = CLOSED
            return order, Touch(Kind.ORDER_COMPLETED, "Order completed")
    return None


def _pickup(pickup_id: UUID, e: Pickup.Event, fold: Fold) -> tuple[Subject, Touch] | None:
    if isinstance(e, Pickup.Requested):
        pickup = Subject(pickup_id, "pickup", e.customer_id, OPEN, e.store_id)
        pickup.order_id = e.order_id
        fold.subjects[pickup_id] = pickup
        return None  # the order's checkout is the touchpoint
    pickup = fold.subjects[pickup_id]
    if isinstance(e, Pickup.Collected | Pickup.NotCollected | Pickup.Cancelled):
        pickup.state = CLOSED
    match e:
        case Pickup.LineShort():
            told = f"{e.quantity_short} x {e.sku} short at the store"
            return pickup, Touch(Kind.PICKUP_LINE_SHORT, told)
        case Pickup.ReadyForPickup():
            return pickup, Touch(Kind.PICKUP_READY, f"Ready for pickup at {pickup.store_id}")
        case Pickup.CustomerNotified():
            return pickup, Touch(Kind.PICKUP_NOTIFIED, f"Told it is ready ({e.channel})")
        case Pickup.NotificationFailed():
            told = f"Not told it is ready: {e.channel} failed ({e.reason}), attempt {e.attempt}"
            return pickup, Touch(Kind.PICKUP_NOTIFICATION_FAILED, told)
        case Pickup.Collected():
            return pickup, Touch(Kind.PICKUP_COLLECTED, f"Collected at {pickup.store_id}")
        case Pickup.NotCollected():
            return pickup, Touch(Kind.PICKUP_NO_SHOW, "Not collected in time; order cancelled")
        case Pickup.Cancelled():
            return pickup, Touch(Kind.PICKUP_CANCELLED, f"Pickup cancelled: {e.reason}")
    return None


def _return(return_id: UUID, e: Return.Event, fold: Fold) -> tuple[Subject, Touch] | None:
    if isinstance(e, Return.Requested):
        item = Subject(return_id, "return", e.customer_id, channel=e.channel.value)
        item.order_id, item.sale_id = e.order_id, e.sale_id
        fold.subjects[return_id] = item
        units = _items(sum(line.quantity for line in e.lines))
        return item, Touch(Kind.RETURN_REQUESTED, f"Return of {units} requested ({e.channel})")
    item = fold.subjects[return_id]
    match e:
        case Return.Received():
            item.store_id = e.location_id
            return item, Touch(Kind.RETURN_RECEIVED, f"Return received at {e.location_id}")
        case Return.Refunded():
            item.state, item.amount, item.currency = CLOSED, e.amount.amount, e.amount.currency
            return item, Touch(Kind.RETURN_REFUNDED, f"Refunded {e.amount}")
        case Return.Cancelled():
            item.state = CANCELLED
            return item, Touch(Kind.RETURN_CANCELLED, f"Return withdrawn: {e.reason}")
    return None


def _items(count: int) -> str:
    return _count(count, "item")


def _count(count: int, noun: str, plural: str | None = None) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {plural or noun + 's'}"
