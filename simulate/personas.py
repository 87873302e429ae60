"""Who the simulated customers are and what each does on the day.

Every customer follows one persona; the first few are fixed so that even a small simulation
has every kind of journey (the showcase customer does web, mobile, pickup, a store sale and a
return), the rest are drawn from a seeded random generator, so a seed replays the same plan."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass

from simulate.client import Device
from simulate.points import points_to_pay
from simulate.shopping import (
    Order,
    Sim,
    add_line,
    checkout,
    collect,
    devices,
    fill,
    recover,
    ship,
    sign_in,
    start_cart,
)
from simulate.store_visits import return_order_in_store, return_order_online, return_sale, till_sale
from simulate.tally import Journey
from simulate.world import Shopper


class Persona(enum.StrEnum):
    SHOWCASE = "showcase"  # guest on the phone, signs in, buys on the laptop, collects, ...
    WEB_BUYER = "web buyer"  # signed in, one device, checks out
    GUEST_SIGNS_IN = "guest who signs in"  # the guest cart becomes theirs, bought on the laptop
    GUEST_MERGES = "guest who merges"  # a laptop cart first; the phone's guest cart merges in
    BROWSER = "browser"  # starts a cart, maybe a line, leaves
    RECOVERER = "recoverer"  # left a cart a month ago, brings it back on the other device
    STORE_REGULAR = "store regular"  # buys at a till with a card or the app, maybe returns


FIXED = (
    Persona.SHOWCASE,
    Persona.RECOVERER,
    Persona.GUEST_MERGES,
    Persona.WEB_BUYER,
    Persona.STORE_REGULAR,
    Persona.BROWSER,
    Persona.GUEST_SIGNS_IN,
)
WEIGHTS = {
    Persona.WEB_BUYER: 25,
    Persona.GUEST_SIGNS_IN: 15,
    Persona.GUEST_MERGES: 8,
    Persona.BROWSER: 15,
    Persona.RECOVERER: 20,
    Persona.STORE_REGULAR: 17,
}


@dataclass(frozen=True)
class Plan:
    shopper: Shopper
    persona: Persona
    starts_after: float  # minutes after the stores open
    ships: bool | None  # None: decided at checkout (three in ten have it shipped)
    collects: bool  # comes for a pickup (else a no-show)
    comes_back: bool  # a recoverer who returns for the cart left a month ago
    leaves: bool  # a recoverer who looks at the recovered cart and leaves it
    returns: str | None  # orders: "store" or "online"; till sales: "store" or "mail"
    also_in_store: bool  # buys at a till too
    seed: str
    store_first: bool = False  # that till visit comes first (its points can pay online)
    with_points: float = 0.0  # how likely they pay part of a purchase with points, if they have

    def rng(self) -> random.Random:
        return random.Random(self.seed)


# The fixed first customers' plans, so that a small simulation has every kind of journey
# (the showcase pays at the till with the points its pickup earned; the third customer earns
# at a till first, then pays part of a pickup with those points and brings it back: the refund
# gives points back; the fourth does the same and never comes: the no-show gives them back).
OVERRIDES: dict[int, dict[str, object]] = {
    0: {
        "ships": False,
        "collects": True,
        "returns": "store",
        "also_in_store": False,
        "with_points": 1.0,
    },
    1: {"ships": False, "collects": True, "comes_back": True, "leaves": False, "returns": "online"},
    2: {
        "also_in_store": True,
        "store_first": True,
        "with_points": 1.0,
        "ships": False,
        "collects": True,
        "returns": "store",
    },
    3: {
        "ships": False,
        "collects": False,
        "also_in_store": True,
        "store_first": True,
        "with_points": 1.0,
    },
    4: {"returns": "mail"},
}


def make_plans(shoppers: list[Shopper], seed: int, can_skip: bool) -> list[Plan]:
    rng = random.Random(f"{seed}:plans")
    personas, weights = list(WEIGHTS), list(WEIGHTS.values())
    plans = []
    for n, shopper in enumerate(shoppers):
        persona = FIXED[n] if n < len(FIXED) else rng.choices(personas, weights)[0]
        if persona is Persona.RECOVERER and not can_skip:
            persona = Persona.WEB_BUYER  # nothing is abandoned before a month has passed
        in_store = persona is Persona.STORE_REGULAR
        returns = rng.choice(("store", "mail" if in_store else "online", None, None, None))
        drawn: dict[str, object] = {
            "starts_after": 60.0 if n == 0 else rng.uniform(0, 600),
            "ships": None,
            "collects": rng.random() < 0.85,
            "comes_back": rng.random() < 0.6,
            "leaves": rng.random() < 0.3,
            "returns": returns,
            "also_in_store": rng.random() < 0.25,
        }
        # Points are drawn apart, so the plans drawn before points were used stay as they were.
        points_rng = random.Random(f"{seed}:{shopper.id}:points")
        drawn["store_first"] = points_rng.random() < 0.5
        drawn["with_points"] = points_rng.choice((0.0, 0.5, 0.8))
        drawn.update(OVERRIDES.get(n, {}))
        seeded = f"{seed}:{shopper.id}"
        plans.append(Plan(shopper=shopper, persona=persona, seed=seeded, **drawn))  # type: ignore[arg-type]
    return plans


async def month_ago(sim: Sim, plan: Plan) -> None:
    """A recoverer fills a cart and leaves it: a month later the rule gives it up."""
    rng = plan.rng()
    device = devices(plan.shopper.id)[rng.random() < 0.5]
    token = sim.api.token("customer", plan.shopper.id)
    await sim.clock.sleep(minutes=rng.uniform(0, 90))
    journey, _ = await start_cart(sim, device, token, plan.shopper.id)
    await fill(sim, journey, device, token, rng)


async def the_day(sim: Sim, plan: Plan) -> None:
    """The persona's day, from its start time on."""
    rng = plan.rng()
    rng.random()  # the month-ago choices came first
    in_store = plan.also_in_store and plan.persona not in (Persona.STORE_REGULAR, Persona.SHOWCASE)
    if in_store and plan.store_first:  # the points it earns can pay part of a checkout
        await _store_visit(sim, plan, random.Random(f"{plan.seed}:till"), returns=False)
        await sim.clock.sleep(minutes=rng.uniform(20, 120))
    await PERSONAS[plan.persona](sim, plan, rng)
    if in_store and not plan.store_first:
        await sim.clock.sleep(minutes=rng.uniform(20, 120))
        await _store_visit(sim, plan, rng, returns=False)


async def _web_buyer(sim: Sim, plan: Plan, rng: random.Random) -> None:
    who, token = plan.shopper, sim.api.token("customer", plan.shopper.id)
    device = devices(who.id)[rng.random() < 0.6]
    journey, _ = await start_cart(sim, device, token, who.id)
    await fill(sim, journey, device, token, rng)
    await sim.clock.sleep(minutes=rng.uniform(1, 5))
    await _after_checkout(sim, plan, rng, await _checkout(sim, plan, rng, journey, device))


async def _guest_signs_in(sim: Sim, plan: Plan, rng: random.Random) -> None:
    who, token = plan.shopper, sim.api.token("customer", plan.shopper.id)
    phone, laptop = devices(who.id)
    guest, guest_token = await start_cart(sim, phone)
    await fill(sim, guest, phone, guest_token, rng)
    await sim.clock.sleep(minutes=rng.uniform(5, 30))
    journey = await sign_in(sim, guest, guest_token, who.id, token, phone)
    await sim.clock.sleep(minutes=rng.uniform(10, 120))  # home, on the laptop
    await add_line(sim, journey, laptop, token, rng.choice(sim.world.skus), 1)
    await _after_checkout(sim, plan, rng, await _checkout(sim, plan, rng, journey, laptop))


async def _guest_merges(sim: Sim, plan: Plan, rng: random.Random) -> None:
    who, token = plan.shopper, sim.api.token("customer", plan.shopper.id)
    phone, laptop = devices(who.id)
    journey, _ = await start_cart(sim, laptop, token, who.id)
    await fill(sim, journey, laptop, token, rng)
    await sim.clock.sleep(minutes=rng.uniform(30, 120))
    guest, guest_token = await start_cart(sim, phone)
    await fill(sim, guest, phone, guest_token, rng)
    journey = await sign_in(sim, guest, guest_token, who.id, token, phone)
    await sim.clock.sleep(minutes=rng.uniform(10, 60))
    await _after_checkout(sim, plan, rng, await _checkout(sim, plan, rng, journey, laptop))


async def _browser(sim: Sim, plan: Plan, rng: random.Random) -> None:
    device = devices(plan.shopper.id)[rng.random() < 0.5]
    as_guest = rng.random() < 0.5
    token = None if as_guest else sim.api.token("customer", plan.shopper.id)
    journey, held = await start_cart(sim, device, token, None if as_guest else plan.shopper.id)
    if rng.random() < 0.7:
        await add_line(sim, journey, device, held, rng.choice(sim.world.skus), 1)


async def _recoverer(sim: Sim, plan: Plan, rng: random.Random) -> None:
    who, token = plan.shopper, sim.api.token("customer", plan.shopper.id)
    if not plan.comes_back:
        return  # the cart left a month ago stays given up
    month_ago_device = sim.tally.journeys_of(who.id)[0].device
    device = next(d for d in devices(who.id) if d.id != month_ago_device)
    journey = await recover(sim, token, device)
    if journey is None or plan.leaves:
        return  # looked, and left it
    await sim.clock.sleep(minutes=rng.uniform(2, 20))
    await _after_checkout(sim, plan, rng, await _checkout(sim, plan, rng, journey, device))


async def _store_regular(sim: Sim, plan: Plan, rng: random.Random) -> None:
    await _store_visit(sim, plan, rng, returns=True)


async def _showcase(sim: Sim, plan: Plan, rng: random.Random) -> None:
    await _guest_signs_in(sim, plan, rng)
    await sim.clock.sleep(minutes=30)
    sale = await till_sale(
        sim, plan.shopper.home_store, rng, plan.shopper, with_points=plan.with_points
    )
    assert sale is not None, "the showcase customer's till sale found no stock"


async def _store_visit(sim: Sim, plan: Plan, rng: random.Random, returns: bool) -> None:
    """At the home store's till, with the loyalty card (or, without one, the app's token)."""
    who = plan.shopper
    app = "" if who.loyalty_id else sim.api.token("customer", who.id)
    sale = await till_sale(sim, who.home_store, rng, who, app, plan.with_points)
    if sale is None or not returns or plan.returns is None:
        return
    await sim.clock.sleep(minutes=rng.uniform(30, 180))
    by_mail = sim.api.token("customer", who.id) if plan.returns == "mail" else None
    await return_sale(sim, sale, rng, by_mail)


async def _checkout(
    sim: Sim, plan: Plan, rng: random.Random, journey: Journey, device: Device
) -> Order | None:
    ships = plan.ships if plan.ships is not None else rng.random() < 0.3
    token = sim.api.token("customer", plan.shopper.id)
    points = points_to_pay(sim.points, journey.customer, journey.value, rng, plan.with_points)
    return await checkout(sim, journey, device, token, plan.shopper.home_store, ships, points)


async def _after_checkout(sim: Sim, plan: Plan, rng: random.Random, order: Order | None) -> None:
    """A pickup: collected (or not), then perhaps brought back, in a store or online; a
    parcel: shipped from the warehouse."""
    if order is None:
        return
    if order.pickup_id is None:
        await ship(sim, order, rng)
        return
    token = sim.api.token("customer", plan.shopper.id)
    if not await collect(sim, order, token, rng, comes=plan.collects):
        return
    if plan.returns is None:
        return
    await sim.clock.sleep(minutes=rng.uniform(30, 180))
    if plan.returns == "store":
        await return_order_in_store(sim, order, rng.choice(sim.world.stores), rng)
    else:
        await return_order_online(sim, order, token, devices(plan.shopper.id)[1], rng)


PERSONAS = {
    Persona.SHOWCASE: _showcase,
    Persona.WEB_BUYER: _web_buyer,
    Persona.GUEST_SIGNS_IN: _guest_signs_in,
    Persona.GUEST_MERGES: _guest_merges,
    Persona.BROWSER: _browser,
    Persona.RECOVERER: _recoverer,
    Persona.STORE_REGULAR: _store_regular,
}
