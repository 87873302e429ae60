"""The demo's past: days of click-and-collect in every store, so that a new user's dashboard
has history. What the plan says happened is then played through the use cases
(demo_playback.py) on a clock that walks through those days: nothing is written as rows.

Orders come in while a store is open, mostly by the demo's customers and some by guests, and
are picked within the store's promise, except some that are late; most are collected within a
day or two in opening hours, a few never are (released when their window closed, so only
those old enough), and now and then a unit is short on the shelf. The plan is the same for the
same `now` and seed."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.ports import Location

# Each shops at one store (the first at the first store, ...): the stores play back at once.
SHOPPERS = ("cust-ada", "cust-grace", "cust-alan", "cust-edsger", "cust-barbara")
GUEST_SHARE = 0.35
LATE_SHARE = 0.15
NO_SHOW_SHARE = 0.10  # of the pickups whose window has closed by now
SHORT_SHARE = 0.2  # of the orders with a line of two units
HISTORY_SKUS = (
    "RETRO-CLOCK", "DESK-FAN", "TEA-KETTLE", "CANVAS-TOTE", "NOTEBOOK-A5", "BIKE-LIGHT",
    "ESPRESSO-POT", "WOOL-SCARF", "PLANT-POT",
)  # fmt: skip


@dataclass(frozen=True)
class PlannedPickup:
    """One order to collect, from the order to its end, in business time (UTC)."""

    number: int
    store_id: str
    customer_id: str | None  # None: a guest
    lines: tuple[tuple[str, int], ...]  # (sku, units), in the order they were added
    placed_at: datetime
    picking_at: datetime
    ready_at: datetime
    promised_at: datetime
    short_sku: str | None  # one unit of a two-unit line was not on the shelf
    collected_at: datetime | None
    expired_at: datetime | None  # never collected: released when the window closed

    @property
    def late(self) -> bool:
        return self.ready_at > self.promised_at

    def handed_over(self) -> dict[str, int]:
        """Units that left the store with the customer."""
        if self.collected_at is None:
            return {}
        return {sku: units - (sku == self.short_sku) for sku, units in self.lines}


def plan_history(
    stores: Sequence[Location], now: datetime, days: int, seed: int = 21
) -> list[PlannedPickup]:
    """Every store's pickups over the `days` before today (in its time zone), ordered by
    when they were placed; all of them finished by `now`."""
    rng = random.Random(seed)
    planned: list[PlannedPickup] = []
    for index, store in enumerate(stores):
        shoppers = SHOPPERS[index :: len(stores)]
        zone = ZoneInfo(store.time_zone)
        today = now.astimezone(zone).date()
        for back in range(days, 0, -1):
            day = today - timedelta(days=back)
            finished: list[PlannedPickup] = []
            unfinished: list[PlannedPickup] = []
            for _ in range(_orders_on(day.weekday(), rng)):
                opening = datetime.combine(day, store.opens_at, zone)
                number = len(planned) + len(finished) + 1
                pickup, quick = _pickup(number, store, shoppers, opening, now, rng)
                (finished if pickup is not None else unfinished).append(pickup or quick)
            # Every past day shows figures: just after midnight, a day whose customers would
            # all come later still has its first order collected soon after it was ready.
            planned += finished or unfinished[:1]
    return sorted(planned, key=lambda p: (p.placed_at, p.number))


def _orders_on(weekday: int, rng: random.Random) -> int:
    return rng.randint(4, 6) if weekday >= 4 else rng.randint(3, 4)  # busier from Friday


def _pickup(
    number: int,
    store: Location,
    shoppers: Sequence[str],
    opening: datetime,
    now: datetime,
    rng: random.Random,
) -> tuple[PlannedPickup | None, PlannedPickup]:
    """One order placed that day and what became of it, None if it would still be open (it
    would wait on today's board); beside it, the same order by a guest collected half an hour
    after it was ready (drawing nothing more, so the rest of the plan stays the same)."""
    placed, picking, ready, promised = _until_ready(store, opening, rng)
    lines = _lines(rng)
    two_units = [sku for sku, units in lines if units == 2]
    short = two_units[0] if two_units and rng.random() < SHORT_SHARE else None
    quick = PlannedPickup(
        number, store.id, None, lines, placed, picking, ready, promised, short,
        ready + timedelta(minutes=30), None,
    )  # fmt: skip
    end = _end(store, ready, now, rng)
    if end is None:
        return None, quick
    customer = None if rng.random() < GUEST_SHARE or not shoppers else rng.choice(shoppers)
    finished = PlannedPickup(
        number, store.id, customer, lines, placed, picking, ready, promised, short, *end
    )
    return finished, quick


def _until_ready(
    store: Location, opening: datetime, rng: random.Random
) -> tuple[datetime, datetime, datetime, datetime]:
    """(placed, picking started, ready, promised): placed while the store is open, picked
    within the promise unless late."""
    placed = opening + timedelta(minutes=rng.uniform(20, max(30, _minutes_open(store) - 120)))
    promised = placed + timedelta(minutes=store.pickup_service_minutes)
    if rng.random() < LATE_SHARE:
        picking = promised + timedelta(minutes=rng.uniform(5, 60))
    else:
        picking = placed + timedelta(minutes=rng.uniform(0.1, 0.6) * store.pickup_service_minutes)
    return placed, picking, picking + timedelta(minutes=rng.uniform(6, 20)), promised


def _end(
    store: Location, ready: datetime, now: datetime, rng: random.Random
) -> tuple[datetime | None, datetime | None] | None:
    """(collected, expired): a few never collected once their window closed; None when the
    customer would come only after now."""
    window_closes = ready + timedelta(days=store.pickup_window_days)
    if window_closes < now and rng.random() < NO_SHOW_SHARE:
        return None, window_closes
    collected = _in_opening_hours(ready + timedelta(hours=rng.uniform(0.5, 30)), store, rng)
    return (collected, None) if collected < now else None


def _lines(rng: random.Random) -> tuple[tuple[str, int], ...]:
    skus = rng.sample(HISTORY_SKUS, rng.choice((1, 1, 1, 2, 2, 3)))
    return tuple((sku, rng.choice((1, 1, 1, 2))) for sku in skus)


def _minutes_open(store: Location) -> float:
    opens, closes = (t.hour * 60 + t.minute for t in (store.opens_at, store.closes_at))
    return float(closes - opens)


def _in_opening_hours(moment: datetime, store: Location, rng: random.Random) -> datetime:
    """The moment if the store is open then, else soon after it next opens."""
    zone = ZoneInfo(store.time_zone)
    local = moment.astimezone(zone)
    if store.opens_at <= local.time() < _before_closing(store.closes_at):
        return moment
    day = local.date() if local.time() < store.opens_at else local.date() + timedelta(days=1)
    opening = datetime.combine(day, store.opens_at, zone)
    return opening + timedelta(minutes=rng.uniform(10, 240))


def _before_closing(closes_at: time) -> time:
    return time(max(closes_at.hour - 1, 0), closes_at.minute)


def units_handed_over(plan: Sequence[PlannedPickup]) -> dict[tuple[str, str], int]:
    """(store, sku): units that left each store in the plan, for the opening stock to cover."""
    totals: dict[tuple[str, str], int] = {}
    for pickup in plan:
        for sku, units in pickup.handed_over().items():
            key = (pickup.store_id, sku)
            totals[key] = totals.get(key, 0) + units
    return totals
