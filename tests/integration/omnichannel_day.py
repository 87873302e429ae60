"""A scripted omnichannel day (and the month after it) through the service, for the
customer-view read models: Ada crosses devices, collects, returns online purchases in a store
and store purchases online; Bob abandons a cart and recovers it on his phone, and misses a
pickup; a guest who never signs in; an anonymous till sale.

Carts and checkouts run at the real time (cart events carry only their commit time), then
the shop's clock moves ahead for what staff, tills and the scheduler do, so every read model
sees one coherent order of events.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.cart.model import Cart
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.returns.model import Inspection, Return, ReturnChannel
from domain.usecases.sales import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context
from tests.integration.conftest import Shop
from tests.shop import STAFF, as_uuid, ctx

ADA_LAPTOP = ctx(Channel.WEB, "laptop-ada")
ADA_PHONE = ctx(Channel.MOBILE, "phone-ada")
BOB = Actor(ActorKind.CUSTOMER, "cust-bob")
BOB_LAPTOP = ctx(Channel.WEB, "laptop-bob", BOB)
BOB_PHONE = ctx(Channel.MOBILE, "phone-bob", BOB)
# A guest's token names its one cart: the script picks the id the guest's cart gets.
GUEST_CART = UUID("9e570000-0000-4000-8000-000000000001")
GUEST_PHONE = ctx(
    Channel.MOBILE, "phone-guest", Actor(ActorKind.GUEST, "guest-1", cart_id=GUEST_CART)
)
TILL_ZUID = ctx(Channel.POS, "till-1", Actor(ActorKind.POS_TERMINAL, "till-1", ("AMS-ZUID",)))
TILL_CENTRAAL = ctx(
    Channel.POS, "till-7", Actor(ActorKind.POS_TERMINAL, "till-7", ("AMS-CENTRAAL",))
)
SCHEDULER = Context(channel=Channel.SYSTEM)
UNSET = UUID(int=0)


@dataclass
class Day:
    """The ids and business times the script produced, for the tests' expectations."""

    ada_web_cart: UUID
    ada_guest_cart: UUID
    ada_order: UUID
    ada_pickup: UUID
    bob_abandoned_cart: UUID
    bob_order: UUID
    guest_cart: UUID
    ada_sale: UUID = UNSET
    anonymous_sale: UUID = UNSET
    returns: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)  # asked, refunded


Check = Callable[["Day"], Awaitable[None]]


async def omnichannel_day(shop: Shop, before_recovery: Check | None = None) -> Day:
    """The whole script; `before_recovery` looks at the read models while Bob's cart is
    still abandoned."""
    service, clock = shop.service, shop.clock
    clock.current = datetime.now(UTC)
    for location, sku, units in [
        ("AMS-CENTRAAL", "RETRO-CLOCK", 10),
        ("AMS-CENTRAAL", "LAVA-LAMP", 5),
        ("AMS-ZUID", "LAVA-LAMP", 5),
        ("AMS-ZUID", "RETRO-CLOCK", 5),
        ("AMS-ZUID", "VINYL-PLAYER", 2),
    ]:
        await service.receive_stock(location, sku, units, "delivery-1", STAFF)

    # Ada: a cart on her laptop, then lamps as a guest on her phone, signs in there, checks out.
    web = (await service.start_cart(ADA_LAPTOP, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(web, "RETRO-CLOCK", 2, ADA_LAPTOP)
    guest = (await service.start_cart(ADA_PHONE)).result.cart_id
    await service.add_to_cart(guest, "LAVA-LAMP", 1, ADA_PHONE)
    await service.sign_in(guest, "cust-ada", ADA_PHONE)
    clock.current = datetime.now(UTC)
    centraal = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
    ada = await service.checkout(web, centraal, ADA_PHONE, payment_token="tok-ada")

    # Bob: an order to collect at Zuid, to be paid at the counter; then a cart he leaves (a
    # customer has one open cart at a time, whichever device asks).
    first = (await service.start_cart(BOB_LAPTOP, customer_id="cust-bob")).result.cart_id
    await service.add_to_cart(first, "RETRO-CLOCK", 1, BOB_LAPTOP)
    clock.current = datetime.now(UTC)
    zuid = Fulfillment(FulfillmentMethod.PICKUP, "AMS-ZUID")
    bob = await service.checkout(first, zuid, BOB_LAPTOP)
    left = (await service.start_cart(BOB_LAPTOP, customer_id="cust-bob")).result.cart_id
    await service.add_to_cart(left, "VINYL-PLAYER", 1, BOB_LAPTOP)
    await service.add_to_cart(left, "LAVA-LAMP", 1, BOB_LAPTOP)

    # A guest who never signs in.
    stranger = (await service.start_cart(GUEST_PHONE, cart_id=GUEST_CART)).result.cart_id
    await service.add_to_cart(stranger, "RETRO-CLOCK", 1, GUEST_PHONE)

    ada_pickup = as_uuid(ada.result.pickup_id)
    day = Day(web, guest, ada.result.order_id, ada_pickup, left, bob.result.order_id, stranger)
    await _in_the_stores(shop, day, as_uuid(bob.result.pickup_id))
    await _a_month_later(shop, day, before_recovery)
    return day


async def _in_the_stores(shop: Shop, day: Day, bob_pickup: UUID) -> None:
    service, clock = shop.service, shop.clock
    clock.advance(minutes=20)
    await service.start_picking(day.ada_pickup, "staff-bo", STAFF)
    code = (await service.mark_ready(day.ada_pickup, "A1", STAFF)).result.pickup_code
    await service.notify_customer(day.ada_pickup, "sms", STAFF)
    await service.start_picking(bob_pickup, "staff-cy", STAFF)
    await service.mark_ready(bob_pickup, "Z9", STAFF)
    clock.advance(hours=2)
    await service.collect(day.ada_pickup, code or "", "staff-bo", STAFF)

    # Ada buys a lamp and a clock at the Zuid till with her loyalty card, pays by card.
    clock.advance(minutes=30)
    sold = await service.record_pos_sale(
        "AMS-ZUID",
        "till-1",
        "000123",
        [PosSaleLine("LAVA-LAMP", 1), PosSaleLine("RETRO-CLOCK", 1)],
        TILL_ZUID,
        payment_reference="card-4411",
        loyalty_id="LOYAL-ADA",
    )
    day.ada_sale = as_uuid(sold.result.sale_id)
    anonymous = await service.record_pos_sale(
        "AMS-CENTRAAL", "till-7", "000001", [PosSaleLine("LAVA-LAMP", 1)], TILL_CENTRAAL
    )
    day.anonymous_sale = as_uuid(anonymous.result.sale_id)

    # Three days on: an online order brought back to a store, a store purchase sent back.
    clock.advance(days=3)
    online = await service.request_return(
        day.ada_order, {"RETRO-CLOCK": 1}, "too loud", ReturnChannel.STORE, TILL_ZUID
    )
    await _resolve(shop, day, "online order, in store", online.result.return_id, "AMS-ZUID", 45)
    in_store = await service.request_return_of_receipt(
        sold.result.receipt, {"LAVA-LAMP": 1}, "wrong colour", ReturnChannel.WEB, ADA_LAPTOP
    )
    await _resolve(
        shop, day, "till sale, by web", in_store.result.return_id, "AMS-CENTRAAL", 26 * 60
    )

    # Bob never comes: his pickup's window closes.
    clock.current = clock.now() + timedelta(days=8)
    await service.expire_pickup(bob_pickup, clock.now(), SCHEDULER)


async def _resolve(shop: Shop, day: Day, name: str, return_id: UUID, at: str, minutes: int) -> None:
    service, clock = shop.service, shop.clock
    asked = clock.now()
    item = await service.repository.get(return_id, Return)
    await service.receive_return(return_id, at, STAFF)
    sku = item.lines[0].sku
    await service.inspect_return(return_id, [Inspection(sku, 1, 0)], STAFF)
    clock.advance(minutes=minutes)
    await service.refund_return(return_id, STAFF)
    day.returns[name] = (asked, clock.now())
    clock.advance(minutes=1)


async def _a_month_later(shop: Shop, day: Day, before_recovery: Check | None) -> None:
    """Bob's and the guest's carts are given up; Bob recovers his on his phone."""
    service, clock = shop.service, shop.clock
    for cart_id in (day.bob_abandoned_cart, day.guest_cart):
        idle_since = (await service.repository.get(cart_id, Cart)).last_active_at
        clock.current = max(clock.now(), idle_since + timedelta(days=31))
        await service.abandon_cart(cart_id, clock.now(), SCHEDULER)
    if before_recovery is not None:
        await shop.settled()
        await before_recovery(day)
    clock.advance(hours=5)
    await service.recover_cart(day.bob_abandoned_cart, BOB_PHONE)
