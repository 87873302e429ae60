"""Simulated store staff: pickers who work through their store's open pickups with human
delays, the counter that hands an order over against the customer's code, and the returns
desk that receives, inspects, refunds and restocks."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from simulate.client import Api, ApiRefused, UserErrors
from simulate.clock import SimClock
from simulate.ledger import Ledger
from simulate.tally import ReturnRecord

OPEN_PICKUPS = """query($store: String!) { pickups(storeId: $store,
  status: [REQUESTED, PICKING], first: 100) { nodes { id: pickupId status } } }"""
RECEIVE = """mutation($id: UUID!, $at: String!) { receiveReturn(returnId: $id, locationId: $at) {
  position userErrors { code message } } }"""
INSPECT = """mutation($id: UUID!, $results: [InspectionInput!]!) { inspectReturn(returnId: $id,
  results: $results) { position userErrors { code message } } }"""
REFUND = """mutation($id: UUID!) { refundReturn(returnId: $id) {
  position userErrors { code message } } }"""
RESTOCK = """mutation($id: UUID!) { restockReturn(returnId: $id) {
  position userErrors { code message } } }"""


@dataclass
class Notices:
    """A pickup made ready reaches its customer (the e-mail the service sends), here in-process."""

    ready: dict[str, asyncio.Event] = field(default_factory=dict)
    positions: dict[str, str] = field(default_factory=dict)

    def event(self, pickup_id: str) -> asyncio.Event:
        return self.ready.setdefault(pickup_id, asyncio.Event())

    def made_ready(self, pickup_id: str, position: str) -> None:
        self.positions[pickup_id] = position
        self.event(pickup_id).set()


class Pickers:
    """The staff of one store, working through its open pickups until told the day is over:
    only the simulation's own (`ours`), never an order someone else placed on the server."""

    def __init__(
        self, api: Api, clock: SimClock, store: str, notices: Notices, seed: int, errors: list[str],
        ours: Collection[str],
    ) -> None:  # fmt: skip
        self.api, self.clock, self.store, self.notices = api, clock, store, notices
        self.ours = ours
        self.errors = errors
        self.token = api.token("staff", f"sim-picker-{store}", store, staff_role="picker")
        self.rng = random.Random(f"{seed}:pickers:{store}")
        self.due: dict[str, datetime] = {}  # pickup id -> when its next step is due
        # What this team did last to each pickup: the list they read may not show it yet.
        self.done: dict[str, str] = {}
        self.day_over = asyncio.Event()
        self.made_ready = 0

    async def work(self) -> None:
        while True:
            listed = (await self.api.query(OPEN_PICKUPS, self.token, store=self.store))["pickups"][
                "nodes"
            ]
            open_pickups = [pickup for pickup in listed if pickup["id"] in self.ours]
            for pickup in open_pickups:
                try:
                    await self._step(pickup["id"], pickup["status"])
                except (ApiRefused, UserErrors) as refused:
                    self.errors.append(f"pickers at {self.store}, pickup {pickup['id']}: {refused}")
                    self.due[pickup["id"]] = self.clock.now() + _minutes(24 * 60)
            if self.day_over.is_set() and not open_pickups:
                return
            await self.clock.sleep(minutes=4)

    async def _step(self, pickup_id: str, listed: str) -> None:
        status = self.done.get(pickup_id, listed)
        now = self.clock.now()
        if pickup_id not in self.due:  # first seen: picked in 5 to 40 minutes
            self.due[pickup_id] = now + _minutes(self.rng.uniform(5, 40))
        if now < self.due[pickup_id] or status == "READY":
            return
        if status == "REQUESTED":
            await self.api.mutate("startPicking", act("startPicking"), self.token, id=pickup_id)
            self.done[pickup_id] = "PICKING"
            self.due[pickup_id] = now + _minutes(self.rng.uniform(4, 25))
        elif status == "PICKING":
            spot = f"{self.rng.choice('ABCDEF')}{self.rng.randint(1, 20)}"
            ready = await self.api.mutate(
                "markReady", act("markReady", f', shelfSpot: "{spot}"'), self.token, id=pickup_id
            )
            self.done[pickup_id] = "READY"
            self.made_ready += 1
            self.notices.made_ready(pickup_id, ready["position"])


async def hand_over(api: Api, store: str, pickup_id: str, code: str) -> None:
    """At the counter: the customer shows the code, the associate hands the order over."""
    staff = api.token("staff", f"sim-counter-{store}", store, staff_role="picker")
    collect = act("collectPickup", f', code: "{code}"')
    await api.mutate("collectPickup", collect, staff, id=pickup_id)


async def settle_return(
    api: Api,
    ledger: Ledger,
    location: str,
    return_id: str,
    lines: list[tuple[str, int]],
    record: ReturnRecord,
    damaged: bool,
) -> None:
    """Receive, inspect (one unit damaged when `damaged`), refund and restock the rest."""
    staff = api.token("staff", f"sim-returns-{location}", location, staff_role="manager")
    await api.mutate("receiveReturn", RECEIVE, staff, id=return_id, at=location)
    results, resellable = [], []
    for n, (sku, units) in enumerate(lines):
        broken = 1 if damaged and n == 0 else 0
        results.append({"sku": sku, "resellable": units - broken, "damaged": broken})
        if units - broken:
            resellable.append((sku, units - broken))
    await api.mutate("inspectReturn", INSPECT, staff, id=return_id, results=results)
    await api.mutate("refundReturn", REFUND, staff, id=return_id)
    record.refunded = True
    if resellable:
        await api.mutate("restockReturn", RESTOCK, staff, id=return_id)
        for sku, units in resellable:
            ledger.restocked(location, sku, units)


def act(name: str, extra: str = "") -> str:
    """A pickup mutation by name, with extra arguments after the pickup id."""
    return (
        f"mutation($id: UUID!) {{ {name}(pickupId: $id{extra}) {{ position status "
        "userErrors { code message } } }"
    )


def _minutes(minutes: float) -> timedelta:
    return timedelta(minutes=minutes)
