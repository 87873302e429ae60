"""What a shopper does, one request at a time, and what the simulator counts from each answer:
carts started, lines added, sign-in on a device, checkout, collection, recovery."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from simulate.client import Api, Device, UserErrors
from simulate.clock import SimClock
from simulate.ledger import Ledger
from simulate.points import Points
from simulate.staff import Notices, hand_over
from simulate.tally import Journey, Purchase, Tally
from simulate.world import World

START = """mutation($channel: ShopperChannel) { startCart(channel: $channel) {
  cartId cartToken userErrors { code message } } }"""
ADD = """mutation($cart: UUID!, $sku: String!, $n: Int!) { addToCart(cartId: $cart, sku: $sku,
  quantity: $n) { position userErrors { code message } } }"""
SIGN_IN = """mutation($t: String!) { signIn(guestCartToken: $t) {
  cartId mergedFrom position userErrors { code message } } }"""
CHECKOUT = """mutation($input: CheckoutInput!) { checkout(input: $input) {
  orderId pickupId position userErrors { code message } } }"""
CODE = """query($id: UUID!, $after: String) { order(id: $id, consistentWith: $after) {
  pickup { status pickupCode } } }"""
RECOVERABLE = "{ me { recoverableCarts(first: 10) { nodes { cartId } } } }"
SHIP = """mutation($id: UUID!, $carrier: String!, $tracking: String!) {
  shipOrder(orderId: $id, carrier: $carrier, trackingNumber: $tracking) {
  position userErrors { code message } } }"""
RECOVER = """mutation($cart: UUID!) { recoverCart(cartId: $cart) { cartId mergedInto position
  changes { sku change newQuantity newPrice { amount } } userErrors { code message } } }"""


@dataclass
class Sim:
    """Everything a simulated person acts through, and what the simulator keeps count of."""

    api: Api
    clock: SimClock
    world: World
    ledger: Ledger
    tally: Tally
    notices: Notices
    orders_by_journey: dict[str, Order] = field(default_factory=dict)  # cart id -> its order
    own_pickups: set[str] = field(default_factory=set)  # the only ones its pickers work
    wait_seconds: float = 120.0  # for anything the server does by itself, in real seconds
    points: Points = field(default_factory=Points)  # what each customer's ledger should hold


@dataclass
class Order:
    order_id: str
    location: str
    lines: list[tuple[str, int]]
    journey: Journey
    pickup_id: str | None = None
    paid_in_points: Decimal = Decimal("0.00")

    @property
    def paid_in_money(self) -> Decimal:
        return self.journey.value - self.paid_in_points


def devices(shopper_id: str) -> tuple[Device, Device]:
    """Everyone's phone (the app) and laptop (the web shop)."""
    return Device(f"{shopper_id}-phone", "mobile"), Device(f"{shopper_id}-laptop", "web")


async def start_cart(
    sim: Sim, device: Device, token: str | None = None, customer: str | None = None
) -> tuple[Journey, str]:
    """A new cart (or, for a customer with an open one, that one): the journey, a guest token."""
    channel = device.channel.upper()  # a guest declares it; a customer's app token claims it
    started = await sim.api.mutate("startCart", START, token, device, channel=channel)
    cart_id = started["cartId"]
    if cart_id not in sim.tally.journeys:
        sim.tally.journeys[cart_id] = Journey(cart_id, device.channel.upper(), device.id, customer)
    return sim.tally.journey(cart_id), started["cartToken"] or token or ""


async def add_line(
    sim: Sim, journey: Journey, device: Device, token: str, sku: str, units: int
) -> None:
    await sim.api.mutate("addToCart", ADD, token, device, cart=journey.cart_id, sku=sku, n=units)
    held = journey.lines.get(sku, (0, sim.world.prices[sku]))[0]
    journey.lines[sku] = (held + units, sim.world.prices[sku])
    journey.first_line = True


async def fill(sim: Sim, journey: Journey, device: Device, token: str, rng: random.Random) -> None:
    """One to three products, a few minutes apart."""
    for sku in rng.sample(sim.world.skus, rng.randint(1, 3)):
        await sim.clock.sleep(minutes=rng.uniform(1, 8))
        await add_line(sim, journey, device, token, sku, 1 if rng.random() < 0.8 else 2)


async def sign_in(
    sim: Sim, guest: Journey, guest_token: str, customer: str, token: str, device: Device
) -> Journey:
    """The guest signs in on their device: the cart becomes theirs, or merges into theirs."""
    signed = await sim.api.mutate("signIn", SIGN_IN, token, device, t=guest_token)
    if signed["cartId"] == guest.cart_id:
        guest.customer = customer
        return guest
    target = sim.tally.journey(signed["cartId"])
    _merge_lines(guest, target)
    return target


async def checkout(
    sim: Sim, journey: Journey, device: Device, token: str, home: str, ship: bool, points: int = 0
) -> Order | None:
    """For pickup (at home, else another store with the units) or shipped from the warehouse;
    a card declined first now and then; `points` pay part of it (redeemPoints). None when no
    location can serve every line."""
    lines = [(sku, units) for sku, (units, _) in journey.lines.items()]
    if not lines:
        return None
    options = [] if ship else [home, *(s for s in sim.world.stores if s != home)]
    rng = random.Random(journey.cart_id)
    for location in [*options, sim.world.warehouse]:
        if sim.ledger.claim(location, lines):
            return await _place(sim, journey, device, token, rng, location, lines, points)
    return None


async def _place(
    sim: Sim,
    journey: Journey,
    device: Device,
    token: str,
    rng: random.Random,
    location: str,
    lines: list[tuple[str, int]],
    points: int = 0,
) -> Order | None:
    method = "SHIP" if location == sim.world.warehouse else "PICKUP"
    wanted = {"cartId": journey.cart_id, "method": method, "locationId": location}
    try:
        if rng.random() < 0.1:
            await _refused_card(sim, wanted, token, device)
        tender = {"redeemPoints": points} if points else {}
        placed = await sim.api.mutate(
            "checkout",
            CHECKOUT,
            token,
            device,
            input={**wanted, **tender, "paymentToken": "tok-sim"},
        )
    except UserErrors as refused:
        sim.ledger.release_claim(location, lines)
        if refused.codes == ["OUT_OF_STOCK"]:  # others' business on a shared server
            sim.tally.errors.append(f"checkout refused, out of stock at {location}")
            return None
        raise
    sim.ledger.reserved(location, lines)
    journey.checkout, journey.order_id = (device.channel.upper(), device.id), placed["orderId"]
    journey.store = location if method == "PICKUP" else None
    customer = journey.customer or ""
    sim.tally.purchases[placed["orderId"]] = Purchase(customer, journey.channel, journey.value)
    order = Order(placed["orderId"], location, lines, journey, placed["pickupId"])
    if points:
        order.paid_in_points = sim.points.redeemed(
            customer, points, "order", placed["orderId"], journey.value
        )
    sim.orders_by_journey[journey.cart_id] = order
    if placed["pickupId"]:
        sim.own_pickups.add(placed["pickupId"])
    return order


async def _refused_card(sim: Sim, order: dict, token: str, device: Device) -> None:
    try:
        await sim.api.mutate(
            "checkout", CHECKOUT, token, device, input={**order, "paymentToken": "decline-sim"}
        )
    except UserErrors as declined:
        if declined.codes != ["PAYMENT_DECLINED"]:
            raise
        return
    raise AssertionError("a declined card placed an order")


async def collect(sim: Sim, order: Order, token: str, rng: random.Random, comes: bool) -> bool:
    """Told it is ready, the customer comes by (30 min to 4 h later) with the code; or never."""
    assert order.pickup_id is not None
    await asyncio.wait_for(sim.notices.event(order.pickup_id).wait(), sim.wait_seconds * 5)
    order.journey.ready = True
    if not comes:
        return False
    await sim.clock.sleep_until(sim.clock.now() + timedelta(minutes=rng.uniform(30, 240)))
    after = sim.notices.positions[order.pickup_id]
    pickup = (await sim.api.query(CODE, token, id=order.order_id, after=after))["order"]["pickup"]
    await hand_over(sim.api, order.location, order.pickup_id, pickup["pickupCode"])
    sim.ledger.handed_over(order.location, order.lines)
    order.journey.collected = True
    if order.journey.customer:  # the payment is captured at hand-over: the money earns
        sim.points.earned(order.journey.customer, order.order_id, order.paid_in_money)
    return True


async def ship(sim: Sim, order: Order, rng: random.Random) -> None:
    """The warehouse packs a shipped order (one to six hours later) and the parcel leaves: the
    stock goes, the payment is captured, and the money earns its customer points."""
    await sim.clock.sleep(minutes=rng.uniform(60, 360))
    staff = sim.api.token("staff", f"sim-packer-{order.location}", order.location)
    tracking = f"SIM{order.order_id.replace('-', '')[:16].upper()}"
    await sim.api.mutate("shipOrder", SHIP, staff, id=order.order_id, carrier="PostNL",
                         tracking=tracking)  # fmt: skip
    sim.ledger.handed_over(order.location, order.lines)
    order.journey.shipped = True
    if order.journey.customer:
        sim.points.earned(order.journey.customer, order.order_id, order.paid_in_money)


async def recover(sim: Sim, token: str, device: Device) -> Journey | None:
    """The customer finds their abandoned cart on another device and brings it back; with
    another cart open, the lines go into that one."""
    listed = (await sim.api.query(RECOVERABLE, token))["me"]["recoverableCarts"]["nodes"]
    if not listed:
        return None
    cart_id = listed[0]["cartId"]
    recovered = await sim.api.mutate("recoverCart", RECOVER, token, device, cart=cart_id)
    journey = sim.tally.journey(cart_id)
    journey.abandoned = False
    for change in recovered["changes"]:
        price = journey.lines.pop(change["sku"])[1]
        if change["newQuantity"]:
            new_price = change["newPrice"]["amount"] if change["newPrice"] else price
            journey.lines[change["sku"]] = (change["newQuantity"], Decimal(new_price))
    record = sim.tally.abandonments[cart_id]
    record.recovered, record.value_recovered = True, journey.value
    if recovered["mergedInto"] is None:
        return journey
    target = sim.tally.journey(recovered["mergedInto"])
    _merge_lines(journey, target)
    return target


def _merge_lines(source: Journey, target: Journey) -> None:
    """Sign-in and recovery merge alike: quantities summed, capped at 99 a line."""
    for sku, (units, price) in source.lines.items():
        held = target.lines.get(sku, (0, price))[0]
        target.lines[sku] = (min(held + units, 99), price)
    source.merged, target.first_line = True, target.first_line or bool(source.lines)
