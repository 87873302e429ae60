# Over 300 lines: the simulated day's phases in the order they run; split across files, the
# order would be read across them.
"""The simulated day, phase by phase: set-up, a month ago (carts left behind), the morning
delivery, the day itself (shoppers, tills, pickers), closing (no-shows once the pickup window
passed), and waiting for the read models to take it all in; surveys after the day, when
the server mails them."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from simulate.client import Api
from simulate.clock import SimClock
from simulate.display import Display
from simulate.ledger import Ledger
from simulate.mailbox import Mailbox
from simulate.personas import Persona, Plan, make_plans, month_ago, the_day
from simulate.points import PointRules, Points
from simulate.shopping import Sim
from simulate.staff import Notices, Pickers
from simulate.store_visits import till_sale
from simulate.tally import Abandonment, Tally
from simulate.voice import Voice, agree_to_marketing, answer_surveys
from simulate.world import World, import_shoppers, learn_products, morning_delivery, read_stock

DAY_HOURS = 13  # the stores are open 08:00 to 21:00
PROJECTIONS = "{ projections { name state lagEvents } }"
RECOVERABLE = "{ me { recoverableCarts(first: 10) { nodes { cartId } } } }"
PICKUP = "query($id: UUID!) { pickup(id: $id) { status } }"
ERASE = """mutation($id: String!) { eraseCustomer(customerId: $id, reason: "simulated request") {
  customerId userErrors { code } } }"""
ERASED_CUSTOMERS = 3  # erased at the end of the day: the figures must still add up


@dataclass(frozen=True)
class Options:
    customers: int = 300
    speed: float = 720.0
    seed: int = 1
    run: str = "1"
    stores: tuple[str, ...] = ("AMS-CENTRAAL", "AMS-ZUID", "UTR-CENTRUM")
    warehouse: str = "WH-NL"
    time_zone: str = "Europe/Amsterdam"
    wait_seconds: float = 120.0  # for the server's rules and read models, in real seconds
    # The server's loyalty rules (OMNI_LOYALTY_POINTS_PER_UNIT, OMNI_LOYALTY_POINT_VALUE)
    points_per_unit: int = 1
    point_value: Decimal = Decimal("0.01")
    # The question after each point (OMNI_SURVEY_AFTER_*), as the server asks it.
    questions: dict[str, str] = field(
        default_factory=lambda: {"pickup": "csat", "return": "csat", "till_sale": "nps"}
    )


@dataclass
class Outcome:
    """What happened, as the simulator counted it, and where to look for it."""

    world: World
    tally: Tally
    ledger: Ledger
    points: Points
    plans: list[Plan]
    can_skip: bool
    days: tuple[date, date]
    started: datetime
    time_zone: str = "UTC"
    notes: list[str] = field(default_factory=list)
    voice: Voice | None = None  # None: surveys were not simulated (a note says why)
    real_seconds: float = 0.0
    requests: int = 0
    erased: list[str] = field(default_factory=list)  # their own tokens are refused now

    @property
    def showcase(self) -> str:
        return self.plans[0].shopper.id


async def simulate(
    api: Api, minted_admin: str, options: Options, display: Display, mailbox: Mailbox | None = None
) -> Outcome:
    """`mailbox`: where the server's notifier mails its customers; without one, nobody is
    asked a survey (a note says so)."""
    began = time.monotonic()
    clock = SimClock(api, minted_admin, options.speed)
    await clock.sync()
    world = World(options.run, options.stores, options.warehouse)
    sim = Sim(api, clock, world, Ledger(), Tally(), Notices(), wait_seconds=options.wait_seconds)
    sim.points = Points(PointRules(options.points_per_unit, options.point_value))
    display.phase("setting up: products, customers, stock")
    await _set_up(sim, minted_admin, options)
    plans = make_plans(world.shoppers, options.seed, clock.can_skip)
    zone = ZoneInfo(options.time_zone)
    started = await clock.server_now()
    day = started.astimezone(zone).date()
    outcome = Outcome(
        world, sim.tally, sim.ledger, sim.points, plans, clock.can_skip, (day, day), started,
        options.time_zone,
    )  # fmt: skip
    if mailbox is not None:
        outcome.voice = Voice(options.questions)
        await agree_to_marketing(api, [s.id for s in world.shoppers], options.seed, outcome.voice)
        display.log(f"{len(outcome.voice.agreed)} customers agreed to marketing by e-mail")
    else:
        outcome.notes.append(NO_SURVEYS_NOTE)
    if clock.can_skip:
        await _a_month_ago(sim, plans, options, display)
    day_open = _opening(clock, zone)
    display.phase("the morning delivery")
    units = await morning_delivery(api, world, sim.ledger, options.customers)
    display.log(f"goods in: {units} units across {len(world.locations)} locations")
    await _the_day(sim, plans, options, day_open, display)
    if outcome.voice is not None and mailbox is not None:
        await _surveys(sim, outcome.voice, mailbox, options, display)
    if clock.can_skip:
        await _closing(sim, day_open, options, display)
    else:
        outcome.notes += REAL_CLOCK_NOTES
    note, outcome.erased = await _erasures(sim, plans, minted_admin, display)
    outcome.notes.append(note)
    display.phase("waiting for the read models")
    await _settled(api, minted_admin, options.wait_seconds)
    ended = await clock.server_now()
    outcome.days = (started.astimezone(zone).date(), ended.astimezone(zone).date())
    outcome.real_seconds, outcome.requests = time.monotonic() - began, api.requests
    return outcome


NO_SURVEYS_NOTE = (
    "No surveys: the simulated customers cannot read this server's mail. A private server "
    "(`omni simulate --own-server`) mails them, and its surveys are answered and compared."
)
REAL_CLOCK_NOTES = [
    "The server runs on the real clock: the day was played on the simulator's own clock, and "
    "the times on record are the real ones.",
    "Abandonments, recoveries and no-shows need a month and a pickup window to pass: none were "
    "simulated. Pickups not collected are still open.",
    "Figures from the read models include whatever else this server did on these days.",
    "Start `omni simulate --own-server` (or with no server running) for all of it.",
]


async def _surveys(
    sim: Sim, voice: Voice, mailbox: Mailbox, options: Options, display: Display
) -> None:
    """The day's journey points are asked about (the notifier, as they happen); the
    customers read their mail and answer, before anybody is erased."""
    display.phase("the customers' surveys")
    voice.expect(sim.tally)
    job = answer_surveys(sim.api, mailbox, voice, options.seed, options.wait_seconds)
    await _guarded(sim, "surveys", job)
    answered = sum(len(scores) for scores in voice.scores.values())
    display.log(f"{sum(voice.expected.values())} surveys expected, {answered} answered")


async def _set_up(sim: Sim, admin: str, options: Options) -> None:
    await learn_products(sim.api, sim.world)
    await import_shoppers(sim.api, admin, sim.world, options.customers, options.seed)
    await _settled(sim.api, admin, options.wait_seconds)
    await read_stock(sim.api, admin, sim.world, sim.ledger)


async def _a_month_ago(sim: Sim, plans: list[Plan], options: Options, display: Display) -> None:
    display.phase("a month ago: carts left behind")
    recoverers = [plan for plan in plans if plan.persona is Persona.RECOVERER]
    await _all(sim, [(p.shopper.id, month_ago(sim, p)) for p in recoverers])
    month_later = sim.clock.now() + timedelta(days=31)
    zone = ZoneInfo(options.time_zone)
    await sim.clock.skip_to(
        datetime.combine(month_later.astimezone(zone).date(), datetime.min.time(), zone)
        + timedelta(hours=7)
    )
    display.log(f"{len(recoverers)} carts left a month ago; the clock skipped 31 days")
    await _until_abandoned(sim, recoverers, options.wait_seconds)
    display.log(f"{len(sim.tally.abandonments)} carts given up by the idle-cart rule")


async def _until_abandoned(sim: Sim, recoverers: list[Plan], wait_seconds: float) -> None:
    """Each cart left a month ago shows up as recoverable (the scheduler fired the rule)."""
    deadline = time.monotonic() + wait_seconds
    for plan in recoverers:
        token = sim.api.token("customer", plan.shopper.id)
        if not sim.tally.journeys_of(plan.shopper.id):
            continue  # its cart never got started: an error the report names already
        journey = sim.tally.journeys_of(plan.shopper.id)[0]
        while journey.cart_id not in await _recoverable(sim, token):
            if time.monotonic() > deadline:
                raise RuntimeError(f"cart {journey.cart_id} was never abandoned by the server")
            await asyncio.sleep(0.2)
        journey.abandoned = True
        sim.tally.abandonments[journey.cart_id] = Abandonment(journey.channel, journey.value)


async def _recoverable(sim: Sim, token: str) -> set[str]:
    nodes = (await sim.api.query(RECOVERABLE, token))["me"]["recoverableCarts"]["nodes"]
    return {node["cartId"] for node in nodes}


def _opening(clock: SimClock, zone: ZoneInfo) -> datetime:
    """08:00 on the day, or (on the real clock, where the day is played compressed) now."""
    if not clock.can_skip:
        return clock.now()
    today = clock.now().astimezone(zone).date()
    return datetime.combine(today, datetime.min.time(), zone) + timedelta(hours=8)


async def _the_day(
    sim: Sim, plans: list[Plan], options: Options, day_open: datetime, display: Display
) -> None:
    display.phase("the day", day_open, timedelta(hours=DAY_HOURS))
    pickers = [
        Pickers(
            sim.api, sim.clock, store, sim.notices, options.seed, sim.tally.errors, sim.own_pickups
        )
        for store in sim.world.stores
    ]
    staff = [asyncio.create_task(_guarded(sim, f"pickers {p.store}", p.work())) for p in pickers]
    ticker = asyncio.create_task(display.follow(sim.clock, sim.tally))
    rng = random.Random(f"{options.seed}:walk-ins")
    walk_ins = [
        (f"walk-in {n}", _walk_in(sim, day_open, rng)) for n in range(max(2, len(plans) // 3))
    ]
    shoppers = [(p.shopper.id, _later(sim, day_open, p)) for p in plans]
    await _all(sim, [*shoppers, *walk_ins])
    for team in pickers:
        team.day_over.set()
    await asyncio.gather(*staff)
    ticker.cancel()
    display.log(f"the day is over at {sim.clock.now():%H:%M}: {display.summary(sim.tally)}")


async def _later(sim: Sim, day_open: datetime, plan: Plan) -> None:
    await sim.clock.sleep_until(day_open + timedelta(minutes=plan.starts_after))
    await the_day(sim, plan)


async def _walk_in(sim: Sim, day_open: datetime, rng: random.Random) -> None:
    at = day_open + timedelta(minutes=rng.uniform(30, DAY_HOURS * 60 - 30))
    store, sale_rng = rng.choice(sim.world.stores), random.Random(rng.random())
    await sim.clock.sleep_until(at)
    await till_sale(sim, store, sale_rng)


async def _closing(sim: Sim, day_open: datetime, options: Options, display: Display) -> None:
    """A week later the pickup windows have closed: the expiry rule records the no-shows."""
    display.phase("closing: the pickup windows pass")
    await sim.clock.skip_to(day_open + timedelta(days=9))
    waiting = [j for j in sim.tally.journeys.values() if j.ready and not j.collected and j.store]
    deadline = time.monotonic() + options.wait_seconds
    for journey in waiting:
        staff = sim.api.token(
            "staff", f"sim-counter-{journey.store}", journey.store or "", staff_role="picker"
        )
        order = sim.orders_by_journey[journey.cart_id]
        while (await sim.api.query(PICKUP, staff, id=order.pickup_id))["pickup"][
            "status"
        ] != "NOT_COLLECTED":
            if time.monotonic() > deadline:
                raise RuntimeError(f"pickup {order.pickup_id} never expired on the server")
            await asyncio.sleep(0.2)
        journey.no_show = True
        sim.tally.purchases[order.order_id].cancelled = True
        if journey.customer:  # a cancellation gives back every point the order paid with
            sim.points.cancelled(journey.customer, order.order_id)
        sim.ledger.released(order.location, order.lines)
    display.log(f"the clock skipped to {sim.clock.now():%Y-%m-%d}: {len(waiting)} no-shows")


async def _erasures(
    sim: Sim, plans: list[Plan], admin: str, display: Display
) -> tuple[str, list[str]]:
    """A few customers who shopped ask to be forgotten and the service desk erases them (never
    the showcase): their business stays in every figure, under a pseudonymous id."""
    display.phase("erasures: a few customers are forgotten")
    erased: list[str] = []
    blocked = 0
    for plan in plans[1:]:
        if len(erased) == ERASED_CUSTOMERS:
            break
        if not sim.tally.journeys_of(plan.shopper.id):
            continue
        answer = (await sim.api.query(ERASE, admin, id=plan.shopper.id))["eraseCustomer"]
        if answer["userErrors"]:
            blocked += 1  # an open pickup or a return not yet refunded
            continue
        erased.append(plan.shopper.id)
    note = (
        f"Erased after the day: {len(erased)} customers who shopped ({', '.join(erased)}); "
        f"{blocked} more were refused while a pickup or a return of theirs was open. Their "
        "orders, amounts and stock are in every figure."
    )
    display.log(note)
    return note, erased


async def _settled(api: Api, admin: str, wait_seconds: float) -> None:
    """Every read model caught up, twice in a row (the scheduler may still be writing)."""
    deadline, calm = time.monotonic() + wait_seconds, 0
    while calm < 2:
        statuses = (await api.query(PROJECTIONS, admin))["projections"]
        failed = [s["name"] for s in statuses if s["state"] == "failed"]
        if failed:
            raise RuntimeError(f"read models failed on the server: {failed}")
        calm = calm + 1 if all(s["lagEvents"] == 0 for s in statuses) else 0
        if time.monotonic() > deadline:
            raise RuntimeError("the read models did not catch up in time")
        await asyncio.sleep(0.3)


async def _all(sim: Sim, jobs: list[tuple[str, Awaitable[None]]]) -> None:
    await asyncio.gather(*(_guarded(sim, label, job) for label, job in jobs))


async def _guarded(sim: Sim, label: str, job: Awaitable[None]) -> None:
    """Whatever goes wrong for one simulated person is reported, never hidden."""
    try:
        await job
    except Exception as error:  # noqa: BLE001 - any failure is one line of the report
        sim.tally.errors.append(f"{label}: {type(error).__name__}: {error}")
