"""The demo's past played through the use cases: each step of each planned pickup at its
moment on a clock the history walks forward (the service's own clock is not touched), as the
shopper, the store's associate or the clock's rules would have done it.

The stores play at the same time, each on a clock of its own: they share no stream (stock is
per store, and each demo customer shops at one store), and most of a step is waiting for the
database, so three stores take little longer than one."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from uuid import UUID, uuid5

from adapters.clock import ManualClock
from api.server.demo_history import PlannedPickup
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.service import CommerceService
from domain.values import OMNI_NAMESPACE, SYSTEM_ACTOR, Actor, ActorKind, Channel, Context

RULES = Context(channel=Channel.SYSTEM, actor=SYSTEM_ACTOR)
SHELVES = "ABCD"
TICK = timedelta(seconds=15)  # the scheduler's interval: when a rule that fell due fires


def at_another_time(service: CommerceService, clock: ManualClock) -> CommerceService:
    """The same service (store, catalog, payments, customers) on another clock."""
    return dataclasses.replace(service, clock=clock)


async def play_history(
    service: CommerceService, plan: Sequence[PlannedPickup], pickers: dict[str, str]
) -> None:
    """Every store's pickups, the stores at the same time."""
    stores = sorted({pickup.store_id for pickup in plan})
    playbacks = []
    for store in stores:
        ours = [pickup for pickup in plan if pickup.store_id == store]
        clock = ManualClock(ours[0].placed_at)
        playbacks.append(Playback(at_another_time(service, clock), clock, pickers).play(ours))
    await asyncio.gather(*playbacks)


@dataclasses.dataclass
class Playback:
    """Plays a plan: one step at a time, in the order of their moments."""

    service: CommerceService
    clock: ManualClock
    pickers: dict[str, str]  # store -> the associate who works its pickups
    pickups: dict[int, UUID] = dataclasses.field(default_factory=dict)
    codes: dict[int, str] = dataclasses.field(default_factory=dict)

    async def play(self, plan: Sequence[PlannedPickup]) -> None:
        steps = sorted(
            (step for pickup in plan for step in self._steps(pickup)), key=lambda s: s[:2]
        )
        for moment, _, act in steps:
            self.clock.current = moment
            await act()

    def _steps(
        self, p: PlannedPickup
    ) -> list[tuple[datetime, int, Callable[[], Awaitable[object]]]]:
        steps: list[tuple[datetime, int, Callable[[], Awaitable[object]]]] = [
            (p.placed_at, p.number, lambda: self._order(p)),
            (p.picking_at, p.number, lambda: self._pick(p)),
            (p.ready_at, p.number, lambda: self._ready(p)),
        ]
        if p.late:  # the clock's rule marks it overdue at its first tick past the promise
            steps.append((p.promised_at + TICK, p.number, lambda: self._overdue(p)))
        if p.collected_at is not None:
            steps.append((p.collected_at, p.number, lambda: self._collect(p)))
        if p.expired_at is not None:
            steps.append((p.expired_at, p.number, lambda: self._expire(p)))
        return steps

    async def _order(self, p: PlannedPickup) -> None:
        cart_id = uuid5(OMNI_NAMESPACE, f"demo-history-cart:{p.number}")
        shopper = _shopper(p, cart_id)
        await self.service.start_cart(shopper, customer_id=p.customer_id, cart_id=cart_id)
        for sku, units in p.lines:
            await self.service.add_to_cart(cart_id, sku, units, shopper)
        where = Fulfillment(FulfillmentMethod.PICKUP, p.store_id)
        placed = await self.service.checkout(cart_id, where, shopper, "tok-demo")
        assert placed.result.pickup_id is not None  # a pickup order always has one
        self.pickups[p.number] = placed.result.pickup_id

    async def _pick(self, p: PlannedPickup) -> None:
        staff = self._staff(p)
        await self.service.start_picking(self.pickups[p.number], staff.actor.id, staff)
        if p.short_sku is not None:
            line = [sku for sku, _ in p.lines].index(p.short_sku) + 1
            await self.service.report_short(self.pickups[p.number], f"L{line}", 1, staff)

    async def _ready(self, p: PlannedPickup) -> None:
        shelf = f"{SHELVES[p.number % len(SHELVES)]}{p.number % 9 + 1}"
        done = await self.service.mark_ready(self.pickups[p.number], shelf, self._staff(p))
        assert done.result.pickup_code is not None  # issued when it is made ready
        self.codes[p.number] = done.result.pickup_code

    async def _overdue(self, p: PlannedPickup) -> None:
        overdue_at = p.promised_at + TICK
        await self.service.mark_pickup_overdue(self.pickups[p.number], overdue_at, RULES)

    async def _collect(self, p: PlannedPickup) -> None:
        staff = self._staff(p)
        pickup_id, code = self.pickups[p.number], self.codes[p.number]
        await self.service.collect(pickup_id, code, staff.actor.id, staff)

    async def _expire(self, p: PlannedPickup) -> None:
        assert p.expired_at is not None
        await self.service.expire_pickup(self.pickups[p.number], p.expired_at, RULES)

    def _staff(self, p: PlannedPickup) -> Context:
        staff_id = self.pickers.get(p.store_id, "demo-associate")
        actor = Actor(ActorKind.STAFF, staff_id, (p.store_id,))
        return Context(channel=Channel.STAFF, device_id=f"{p.store_id}-handheld", actor=actor)


def _shopper(p: PlannedPickup, cart_id: UUID) -> Context:
    """A customer on their laptop or phone, or a guest holding the cart."""
    if p.customer_id is None:
        guest = Actor(ActorKind.GUEST, f"guest-{cart_id}", cart_id=cart_id)
        return Context(channel=Channel.MOBILE, device_id=f"phone-{p.number}", actor=guest)
    on_phone = p.number % 3 == 0
    channel = Channel.MOBILE if on_phone else Channel.WEB
    device = f"{p.customer_id}-{'phone' if on_phone else 'laptop'}"
    return Context(
        channel=channel, device_id=device, actor=Actor(ActorKind.CUSTOMER, p.customer_id)
    )
