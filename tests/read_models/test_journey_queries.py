"""Queries of the journeys read model: given a day of journeys, then the funnel with its
drop-off, cross-channel journeys and no-shows per day, store and channel; return times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import asyncpg
import msgspec
import pytest

from domain.returns.model import ReturnChannel
from domain.values import Channel
from projections import journey_queries
from projections.journey_queries import FunnelStep, JourneyStats, ReturnStats
from projections.journeys import Journeys
from tests.projection_spec import Fact, ProjectionSpec, answer
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    LAPTOP,
    PHONE,
    T0,
    TILL,
    WAREHOUSE_SHIPPING,
    line_added,
    stream,
    t,
)
from tests.read_models.journey_facts import (
    ADAS,
    MONDAY,
    Journey,
    funnels,
    received,
    refunded,
    requested,
)


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(Journeys())


def a_day_of_journeys() -> list[Fact]:
    """Ada's collected journey, Bob's no-show at Centraal, a shipped order started on the phone,
    a cart with a line only and one left empty (no store: they count in the zone asked for)."""
    bobs, shipped = Journey(2, LAPTOP), Journey(3, PHONE)
    return [
        *ADAS.with_a_line(),
        *ADAS.checkout(on=PHONE),
        ADAS.paid(),
        ADAS.ready(),
        ADAS.collected(),
        *bobs.with_a_line(),
        *bobs.checkout(),
        bobs.ready(),  # to be paid at the counter: counts as paid
        bobs.not_collected(),
        *shipped.with_a_line(),
        *shipped.checkout(fulfillment=WAREHOUSE_SHIPPING),
        shipped.paid(),
        *Journey(4, LAPTOP).with_a_line(),
        *Journey(5, LAPTOP).started(),
    ]


async def test_the_funnel_drops_off_step_by_step_per_store_and_channel(
    spec: ProjectionSpec,
) -> None:
    await spec.given(*a_day_of_journeys()).then(
        answer(funnels, MONDAY).equals(
            {
                ("AMS-CENTRAAL", "web"): [2, 2, 2, 2, 2, 1],
                ("WH-NL", "mobile"): [1, 1, 1, 1, 0, 0],
                (None, "web"): [2, 1, 0, 0, 0, 0],
            }
        ),
        answer(funnels, MONDAY, chain_wide=True).equals(
            {(None, "mobile"): [1, 1, 1, 1, 0, 0], (None, "web"): [4, 3, 2, 2, 2, 1]}
        ),
        answer(funnels, MONDAY, store_id="WH-NL").equals({("WH-NL", "mobile"): [1, 1, 1, 1, 0, 0]}),
        answer(funnels, MONDAY + timedelta(days=1)).equals({}),
    )


async def test_drop_off_cross_channel_share_and_no_show_rate(spec: ProjectionSpec) -> None:
    await spec.given(*a_day_of_journeys()).then(
        answer(journey_queries.journey_stats, MONDAY, MONDAY, store_id="AMS-CENTRAAL").equals(
            [
                JourneyStats(
                    day=MONDAY,
                    store_id="AMS-CENTRAAL",
                    channel="web",
                    funnel=[
                        FunnelStep("started", 2, 0, 0.0),
                        FunnelStep("first_line", 2, 0, 0.0),
                        FunnelStep("checked_out", 2, 0, 0.0),
                        FunnelStep("paid", 2, 0, 0.0),
                        FunnelStep("ready", 2, 1, 0.5),
                        FunnelStep("collected", 1, 0, 0.0),
                    ],
                    cross_channel=1,  # Ada started on her laptop and checked out on her phone
                    cross_channel_share=0.5,
                    no_shows=1,
                    no_show_rate=0.5,
                    notified=0,
                    notified_share=0.0,
                )
            ]
        )
    )


async def test_a_journey_counts_on_its_stores_day_or_in_the_zone_asked_for(
    spec: ProjectionSpec,
) -> None:
    sunday_night = (datetime(2026, 11, 1, 23, 30, tzinfo=UTC) - T0).total_seconds() / 60
    late = Journey(6, LAPTOP)
    await spec.given(
        *late.started(at=sunday_night),  # 00:30 on Monday in Amsterdam
        line_added(late.cart, "RETRO-CLOCK", 1, t(1)),
        *late.checkout(),
        *Journey(7, LAPTOP).started(at=sunday_night),
    ).then(
        answer(funnels, MONDAY).equals({("AMS-CENTRAAL", "web"): [1, 1, 1, 0, 0, 0]}),
        answer(funnels, MONDAY, time_zone="Europe/Amsterdam").equals(
            {("AMS-CENTRAAL", "web"): [1, 1, 1, 0, 0, 0], (None, "web"): [1, 0, 0, 0, 0, 0]}
        ),
        answer(
            journey_queries.journey_stats,
            MONDAY,
            MONDAY,
            "Europe/Amsterdam",
            after=(MONDAY, "AMS-CENTRAAL", "web"),
            limit=5,
        ).equals([JourneyStats(MONDAY, None, "web", [
            FunnelStep("started", 1, 1, 1.0), FunnelStep("first_line", 0, 0, None),
            FunnelStep("checked_out", 0, 0, None), FunnelStep("paid", 0, 0, None),
            FunnelStep("ready", 0, 0, None), FunnelStep("collected", 0, 0, None),
        ], 0, None, 0, None, 0, None)]),
    )  # fmt: skip


async def cross_channel(pool: asyncpg.Pool, day: date) -> dict[str, int]:
    """Journeys that crossed channels, per channel they started on (the chain's)."""
    stats = await journey_queries.journey_stats(pool, day, day, chain_wide=True)
    return {row.channel: row.cross_channel for row in stats}


async def test_an_unknown_device_or_channel_is_never_a_switch(spec: ProjectionSpec) -> None:
    """Started on tab-2; finished with no device id, with an empty one, or by a client that
    declared no channel: the same journey. Finished on the phone: crossed."""
    tab = msgspec.structs.replace(LAPTOP, device_id="tab-2")
    no_device = msgspec.structs.replace(LAPTOP, device_id=None)
    blank_device = msgspec.structs.replace(LAPTOP, device_id="")
    undeclared = msgspec.structs.replace(tab, channel=Channel.UNKNOWN)
    same, blank, unsaid, crossed = (Journey(n, tab) for n in (8, 9, 10, 12))
    undeclared_start = Journey(11, undeclared)
    await spec.given(
        *same.with_a_line(),
        *same.checkout(on=no_device),
        *blank.with_a_line(),
        *blank.checkout(on=blank_device),
        *unsaid.with_a_line(),
        *unsaid.checkout(on=undeclared),
        *undeclared_start.with_a_line(),
        *undeclared_start.checkout(on=tab),
        *crossed.with_a_line(),
        *crossed.checkout(on=PHONE),
    ).then(answer(cross_channel, MONDAY).equals({"web": 1, "unknown": 0}))


async def test_return_resolution_percentiles_per_store_and_day(spec: ProjectionSpec) -> None:
    facts: list[Fact] = []
    for number, minutes in enumerate((30, 60, 240), start=1):  # requested -> refunded
        item = stream(60 + number, TILL)
        facts += [
            requested(item, ReturnChannel.STORE, 60, None, sale_id=UUID(int=number)),
            received(item, "AMS-ZUID", 61),
            refunded(item, 60 + minutes),
        ]
    # percentile_cont over 30, 60, 240 minutes: p50 = 60, p90 = 60 + 0.8 * (240 - 60) = 204.
    await spec.given(*facts).then(
        answer(journey_queries.return_stats, MONDAY, MONDAY).equals(
            [ReturnStats(MONDAY, "AMS-ZUID", "store", 3, 3, 60 * 60, 204 * 60, 0)]
        ),
        answer(journey_queries.return_stats, MONDAY, MONDAY, chain_wide=True).equals(
            [ReturnStats(MONDAY, None, "store", 3, 3, 60 * 60, 204 * 60, 0)]
        ),
    )
