"""The report: every figure read from the read models through the API, beside what the
simulator itself counted, and one customer's timeline across every channel."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from simulate.client import Api
from simulate.figures import POINT_KEYS, Reported, measures, text
from simulate.manager_figures import manager_measures
from simulate.point_figures import point_measures
from simulate.run import Outcome
from simulate.voice_figures import voice_measures
from simulate.world import stock_at

JOURNEYS = """query($from: Date!, $to: Date!, $zone: String!, $after: String) {
  journeyStats(firstDay: $from, lastDay: $to, timeZone: $zone, chainWide: true, first: 100,
    after: $after) { nodes { day channel crossChannel noShows shipped funnel { step reached } }
    pageInfo { hasNextPage endCursor } } }"""
RECOVERY = """query($from: Date!, $to: Date!, $zone: String!, $after: String) {
  recoveryStats(firstDay: $from, lastDay: $to, timeZone: $zone, first: 100, after: $after) {
    nodes { day channel abandoned value { amount } recovered valueRecovered { amount } }
    pageInfo { hasNextPage endCursor } } }"""
RETURNS = """query($from: Date!, $to: Date!, $zone: String!, $after: String) {
  returnStats(firstDay: $from, lastDay: $to, timeZone: $zone, chainWide: true, first: 100,
    after: $after) { nodes { day channel requested refunded crossChannel
    secondsToRefundP50 secondsToRefundP90 } pageInfo { hasNextPage endCursor } } }"""
SUMMARY = """query($id: String!) { customer(id: $id) { summary {
  purchases { channel purchases value { amount } } refunded { amount }
  openCarts openPickups openReturns } } }"""
POINTS = """loyalty { balance owed earned redeemed reversed expired restored
  history { kind points source } }"""
LOYALTY = f"{{ me {{ {POINTS} }} }}"
LOYALTY_OF = f"query($id: String!) {{ customer(id: $id) {{ {POINTS} }} }}"
TIMELINE = """query($id: String!) { customer(id: $id) {
  id: customerId firstName timeline(first: 100) {
  nodes { at kind channel deviceId storeId summary } } } }"""


@dataclass(frozen=True)
class Figure:
    group: str
    name: str
    reported: str  # from the read models, through the API
    counted: str  # by the simulator, from the answers to its own requests

    @property
    def equal(self) -> bool:
        return self.reported == self.counted


@dataclass
class Report:
    figures: list[Figure]
    showcase: dict[str, Any]
    outcome: Outcome
    reported: Reported
    notes: list[str] = field(default_factory=list)

    @property
    def all_equal(self) -> bool:
        return all(figure.equal for figure in self.figures)

    def by_group(self) -> dict[str, list[Figure]]:
        groups: dict[str, list[Figure]] = {}
        for figure in self.figures:
            groups.setdefault(figure.group, []).append(figure)
        return groups


def report_days(outcome: Outcome) -> tuple[date, date]:
    """The days every figure covers: the simulated ones, a day either side."""
    return outcome.days[0] - timedelta(days=1), outcome.days[1] + timedelta(days=1)


async def build_report(
    api: Api, admin: str, outcome: Outcome, time_zone: str, manager: dict[str, Any] | None = None
) -> Report:
    """`manager`: the manager's report over `report_days` (omni report's JSON), compared as a
    section of its own; None when it could not be read (a note says why)."""
    first, last = report_days(outcome)
    window = {"from": first.isoformat(), "to": last.isoformat(), "zone": time_zone}
    reported = Reported(
        journeys=await _pages(api, admin, JOURNEYS, "journeyStats", window),
        recovery=await _pages(api, admin, RECOVERY, "recoveryStats", window),
        returns=await _pages(api, admin, RETURNS, "returnStats", window),
        customers=await _summaries(api, admin, [s.id for s in outcome.world.shoppers]),
        stock={loc: await stock_at(api, admin, loc) for loc in outcome.world.locations},
        manager=manager,
        loyalty=await _loyalty(api, admin, [s.id for s in outcome.world.shoppers], outcome.erased),
    )
    if outcome.voice is not None:
        reported.voice_mails_without_consent = outcome.voice.mails_without_consent
        reported.voice_second_refused = outcome.voice.second_answers_refused
    chosen = [
        *measures(outcome.world.locations),
        *point_measures(),
        *(manager_measures() if manager else []),
        *(voice_measures() if manager and outcome.voice else []),
    ]
    figures = [
        Figure(m.group, m.name, text(m.reported(reported)), text(m.counted(outcome)))
        for m in chosen
    ]
    showcase = (await api.query(TIMELINE, admin, id=outcome.showcase))["customer"]
    notes = list(outcome.notes) + _stock_differences(outcome, reported)
    notes += _points_differences(outcome, reported)
    return Report(figures, showcase, outcome, reported, notes)


def _stock_differences(outcome: Outcome, reported: Reported) -> list[str]:
    found = []
    for location, levels in reported.stock.items():
        levels_of = {level["sku"]: (level["onHand"], level["reserved"]) for level in levels}
        found += outcome.ledger.differences(location, levels_of)
    return found


def _points_differences(outcome: Outcome, reported: Reported) -> list[str]:
    """Customers whose points `me { loyalty }` shows otherwise than the simulator expects."""
    found = []
    for customer, read in reported.loyalty.items():
        expected = outcome.points.of(customer).as_read()
        shown = tuple(read[key] for key in POINT_KEYS)
        if shown != expected:
            found.append(f"{customer}'s points {POINT_KEYS}: expected {expected}, read {shown}")
    return found


async def _loyalty(api: Api, admin: str, ids: list[str], erased: list[str]) -> dict[str, dict]:
    """Each simulated customer's own view of their points, with their own token; an erased
    customer's token is refused, so the desk reads hers."""
    limit = asyncio.Semaphore(16)

    async def one(customer_id: str) -> dict:
        async with limit:
            if customer_id in erased:
                answer = await api.query(LOYALTY_OF, admin, id=customer_id)
                return answer["customer"]["loyalty"]  # type: ignore[no-any-return]
            answer = await api.query(LOYALTY, api.token("customer", customer_id))
        return answer["me"]["loyalty"]  # type: ignore[no-any-return]

    return dict(zip(ids, await asyncio.gather(*(one(i) for i in ids)), strict=True))


async def _pages(api: Api, admin: str, query: str, field: str, window: dict) -> list[dict]:
    nodes: list[dict] = []
    after = None
    while True:
        page = (await api.query(query, admin, **window, after=after))[field]
        nodes += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]


async def _summaries(api: Api, admin: str, ids: list[str]) -> list[dict]:
    limit = asyncio.Semaphore(16)

    async def one(customer_id: str) -> dict:
        async with limit:
            answer = await api.query(SUMMARY, admin, id=customer_id)
        return answer["customer"]["summary"]  # type: ignore[no-any-return]

    return list(await asyncio.gather(*(one(customer_id) for customer_id in ids)))
