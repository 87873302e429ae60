"""Fulfillment times: given pickup facts, then each pickup's card as the facts left it, the
store's board at a given moment (overdue and "today" decided then, in the store's time zone),
and click-to-collect statistics per store and day."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import asyncpg
import msgspec
import pytest

from domain.pickup.model import Pickup
from projections import fulfillment_stats, fulfillment_times
from projections.fulfillment_stats import FulfillmentStats, TimeStats
from projections.fulfillment_times import FulfillmentTimes
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import SCHEDULER, T0, order_lines, pickup_requested, stream, t
from tests.shop import STAFF

CLOCKS_AND_LAMP = order_lines(RETRO_CLOCK=2, LAVA_LAMP=1)
MONDAY = date(2026, 11, 2)


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(FulfillmentTimes())


def order_of(pickup: Stream) -> UUID:
    return UUID(int=pickup.id.int + 1000)


def requested(pickup: Stream, at: float, store_id: str = "AMS-CENTRAAL") -> Fact:
    return pickup_requested(pickup, order_of(pickup), CLOCKS_AND_LAMP, t(at), store_id=store_id)


def picking(pickup: Stream, at: float, staff_id: str = "staff-bo") -> Fact:
    return pickup.recorded(Pickup.PickingStarted, staff_id=staff_id, at=t(at))


def ready(pickup: Stream, at: float, spot: str = "A1") -> Fact:
    code = f"CODE{pickup.id.int:02d}"
    collect_by = t(at) + timedelta(days=7)
    return pickup.recorded(
        Pickup.ReadyForPickup, shelf_spot=spot, pickup_code=code, at=t(at), collect_by=collect_by
    )


def collected(pickup: Stream, at: float, proof: str | None = None) -> Fact:
    return pickup.recorded(
        Pickup.Collected, staff_id="staff-cy", at=t(at), verified_code=proof is None, proof=proof
    )


def short(pickup: Stream, line_id: str, sku: str, units: int, at: float) -> Fact:
    return pickup.recorded(
        Pickup.LineShort, line_id=line_id, sku=sku, quantity_short=units, at=t(at)
    )


async def test_a_pickup_card_records_each_step_of_its_way_to_the_customer(
    spec: ProjectionSpec,
) -> None:
    pickup = stream(1, STAFF)
    await (
        spec.given(requested(pickup, 0), picking(pickup, 10))
        .when(
            ready(pickup, 25),
            pickup.recorded(Pickup.CustomerNotified, channel="email", at=t(26), context=SCHEDULER),
            collected(pickup, 90, proof="passport shown"),
        )
        .then(
            rows(
                "pickup_view",
                "pickup_id order_id store_id customer_id status placed_at promised_ready_at"
                " picker_id picking_started_at ready_at collect_by shelf_spot pickup_code"
                " notified_at overdue_at finished_at collected_by collection_proof",
                [
                    (
                        pickup.id,
                        order_of(pickup),
                        "AMS-CENTRAAL",
                        "cust-ada",
                        "collected",
                        t(0),
                        t(60),
                        "staff-bo",
                        t(10),
                        t(25),
                        t(25) + timedelta(days=7),
                        "A1",
                        "CODE01",
                        t(26),
                        None,
                        t(90),
                        "staff-cy",
                        "passport shown",
                    )
                ],
            )
        )
    )


async def test_an_overdue_pickup_keeps_its_place_on_the_board(spec: ProjectionSpec) -> None:
    pickup = stream(1, STAFF)
    await (
        spec.given(requested(pickup, 0), picking(pickup, 10))
        .when(pickup.recorded(Pickup.Overdue, at=t(60), context=SCHEDULER))
        .then(rows("pickup_view", "status overdue_at finished_at", [("picking", t(60), None)]))
    )


async def test_short_lines_leave_what_can_still_be_handed_over(spec: ProjectionSpec) -> None:
    pickup = stream(1, STAFF)
    await (
        spec.given(requested(pickup, 0), picking(pickup, 5))
        .when(
            short(pickup, "L1", "RETRO-CLOCK", 1, at=10),
            short(pickup, "L2", "LAVA-LAMP", 1, at=11),
        )
        .then(
            rows(
                "pickup_view",
                "lines shorts",
                [
                    (
                        [{"line_id": "L1", "sku": "RETRO-CLOCK", "quantity": 1}],
                        [
                            {"line_id": "L1", "sku": "RETRO-CLOCK", "quantity": 1},
                            {"line_id": "L2", "sku": "LAVA-LAMP", "quantity": 1},
                        ],
                    )
                ],
            )
        )
    )


async def test_a_line_short_twice_is_gone_and_both_shorts_count(spec: ProjectionSpec) -> None:
    pickup = stream(1, STAFF)
    await (
        spec.given(requested(pickup, 0), short(pickup, "L1", "RETRO-CLOCK", 1, at=10))
        .when(
            short(pickup, "L1", "RETRO-CLOCK", 1, at=12),
        )
        .then(
            rows("pickup_view", "lines", [[{"line_id": "L2", "sku": "LAVA-LAMP", "quantity": 1}]]),
            answer(short_units_on_monday).equals(2),
        )
    )


async def short_units_on_monday(pool: asyncpg.Pool) -> int:
    [day] = await fulfillment_stats.fulfillment_stats(pool, "AMS-CENTRAAL", MONDAY, MONDAY)
    return day.short_picked_units


@pytest.mark.parametrize(
    ("ending", "status"),
    [
        (lambda p: p.recorded(Pickup.NotCollected, at=t(60), staff_id=None), "not_collected"),
        (lambda p: p.recorded(Pickup.Cancelled, reason="all lines short", at=t(60)), "cancelled"),
    ],
    ids=["not collected", "cancelled"],
)
async def test_a_pickup_that_ends_without_a_hand_over_is_finished(
    spec: ProjectionSpec, ending: Callable[[Stream], Fact], status: str
) -> None:
    pickup = stream(1, STAFF)
    await (
        spec.given(requested(pickup, 0), ready(pickup, 20))
        .when(ending(pickup))
        .then(
            rows(
                "pickup_view",
                "status ready_at finished_at collected_by",
                [(status, t(20), t(60), None)],
            )
        )
    )


# Minutes from placed to ready, then from ready to collected (None: still on the shelf).
TIMINGS = [(10, 30), (20, 90), (45, None), (80, 15)]
DONE = [stream(n, STAFF) for n in range(1, len(TIMINGS) + 1)]
WAITING, PICKING = stream(11, STAFF), stream(12, STAFF)


def a_morning_at_centraal() -> list[Fact]:
    """Four pickups made ready (three collected), one waiting and one being picked; each placed
    a minute after the one before, so that the board's order is theirs."""
    facts = []
    for placed, (pickup, (to_ready, to_collect)) in enumerate(zip(DONE, TIMINGS, strict=True)):
        facts += [requested(pickup, placed), picking(pickup, placed + to_ready / 2)]
        facts.append(ready(pickup, placed + to_ready))
        if to_collect is not None:
            facts.append(collected(pickup, placed + to_ready + to_collect))
    return [*facts, requested(WAITING, 4), requested(PICKING, 5), picking(PICKING, 6, "staff-cy")]


async def board_at(pool: asyncpg.Pool, now: datetime) -> dict[str, list[UUID]]:
    board = await fulfillment_times.board(pool, "AMS-CENTRAAL", now)
    columns = ("to_pick", "picking", "ready", "overdue", "collected_today", "not_collected")
    return {column: [card.pickup_id for card in getattr(board, column)] for column in columns}


async def test_the_board_decides_overdue_and_today_at_the_moment_asked(
    spec: ProjectionSpec,
) -> None:
    before_any_promise = {
        "to_pick": [WAITING.id],
        "picking": [PICKING.id],
        "ready": [DONE[2].id],
        "overdue": [],
        "collected_today": [DONE[0].id, DONE[1].id, DONE[3].id],
        "not_collected": [],
    }
    await spec.given(*a_morning_at_centraal()).then(
        answer(board_at, t(240)).equals(
            {**before_any_promise, "overdue": [WAITING.id, PICKING.id]}  # promised within 60
        ),
        answer(board_at, t(60)).equals(before_any_promise),
        # Tomorrow in Amsterdam: yesterday's hand-overs are off the board; open ones stay.
        answer(board_at, datetime(2026, 11, 2, 23, 0, tzinfo=UTC)).equals(
            {**before_any_promise, "overdue": [WAITING.id, PICKING.id], "collected_today": []}
        ),
    )


async def test_click_to_collect_times_per_store_and_day(spec: ProjectionSpec) -> None:
    # By hand, with linear interpolation (percentile_cont), in seconds:
    # to ready: 10, 20, 45, 80 min -> p50 = 32.5 min, p90 = 45 + 0.7 * 35 = 69.5 min
    # ready to collected: 30, 90, 15 min -> p50 = 30 min, p90 = 30 + 0.8 * 60 = 78 min
    # placed to collected: 40, 110, 95 min -> p50 = 95 min, p90 = 95 + 0.8 * 15 = 107 min
    expected = FulfillmentStats(
        store_id="AMS-CENTRAAL",
        day=MONDAY,
        pickups=6,
        placed_to_ready=TimeStats(32.5 * 60, 69.5 * 60, 80 * 60),
        ready_to_collected=TimeStats(30 * 60, 78 * 60, 90 * 60),
        placed_to_collected=TimeStats(95 * 60, 107 * 60, 110 * 60),
        made_ready=4,
        ready_within_promise=0.75,  # 3 of the 4 ready ones within 60 minutes
        collected=3,
        no_shows=0,
        short_picked_units=0,
    )
    chain = msgspec.structs.replace(expected, store_id=None)
    await spec.given(*a_morning_at_centraal()).then(
        answer(fulfillment_stats.fulfillment_stats, "AMS-CENTRAAL", MONDAY, MONDAY).equals(
            [expected]
        ),
        answer(fulfillment_stats.fulfillment_stats, None, MONDAY, MONDAY).equals([chain]),
        answer(fulfillment_stats.fulfillment_stats, "AMS-ZUID", MONDAY, MONDAY).equals([]),
    )


async def test_a_pickup_counts_on_the_day_it_was_placed_in_its_stores_time_zone(
    spec: ProjectionSpec,
) -> None:
    # 23:30 UTC on Sunday is 00:30 on Monday in Amsterdam.
    late, early = stream(1, STAFF), stream(2, STAFF)
    sunday_night = (datetime(2026, 11, 1, 23, 30, tzinfo=UTC) - T0).total_seconds() / 60
    await spec.given(
        requested(late, sunday_night - 60),  # 23:30 on Sunday in Amsterdam
        requested(early, sunday_night, store_id="AMS-ZUID"),
        early.recorded(Pickup.NotCollected, at=t(0) + timedelta(days=8), staff_id=None),
    ).then(
        answer(days_and_stores, date(2026, 11, 1), MONDAY).equals(
            [("AMS-CENTRAAL", date(2026, 11, 1), 1, 0), ("AMS-ZUID", MONDAY, 1, 1)]
        ),
        answer(days_and_stores, date(2026, 11, 1), MONDAY, after=("AMS-CENTRAAL", MONDAY)).equals(
            [("AMS-ZUID", MONDAY, 1, 1)]
        ),
    )


async def days_and_stores(
    pool: asyncpg.Pool, first: date, last: date, after: tuple[str, date] | None = None
) -> list[tuple[str | None, date, int, int]]:
    stats = await fulfillment_stats.fulfillment_stats_by_store(
        pool, None, first, last, limit=10, after=after
    )
    return [(s.store_id, s.day, s.pickups, s.no_shows) for s in stats]


async def test_ready_at_the_promised_minute_is_within_the_promise(spec: ProjectionSpec) -> None:
    on_time, late = stream(1, STAFF), stream(2, STAFF)
    await spec.given(
        requested(on_time, 0),
        ready(on_time, 60),  # promised within 60 minutes
        requested(late, 0),
        ready(late, 60.5),
    ).then(answer(share_within_promise).equals((2, 0.5)))


async def share_within_promise(pool: asyncpg.Pool) -> tuple[int, float | None]:
    [day] = await fulfillment_stats.fulfillment_stats(pool, "AMS-CENTRAAL", MONDAY, MONDAY)
    return day.made_ready, day.ready_within_promise


async def test_a_stores_pickups_of_any_day_newest_first_by_status(spec: ProjectionSpec) -> None:
    first, second, third = stream(1, STAFF), stream(2, STAFF), stream(3, STAFF)
    await spec.given(
        requested(first, 0),
        requested(second, 10),
        requested(third, 10),  # the same instant: the larger id first
        ready(third, 30),
        requested(stream(4, STAFF), 20, store_id="AMS-ZUID"),
    ).then(
        answer(pickup_ids_at, None).equals([third.id, second.id, first.id]),
        answer(pickup_ids_at, ["requested"]).equals([second.id, first.id]),
        answer(pickup_ids_at, None, limit=1, after=(t(10), third.id)).equals([second.id]),
        answer(pickups_of_orders, [order_of(first), order_of(third), UUID(int=404)]).equals(
            {order_of(first): first.id, order_of(third): third.id}
        ),
    )


async def pickup_ids_at(
    pool: asyncpg.Pool,
    statuses: list[str] | None,
    limit: int = 10,
    after: tuple[datetime, UUID] | None = None,
) -> list[UUID]:
    cards = await fulfillment_times.pickups_at(pool, "AMS-CENTRAAL", statuses, limit, after)
    return [card.pickup_id for card in cards]


async def pickups_of_orders(pool: asyncpg.Pool, order_ids: list[UUID]) -> dict[UUID, UUID]:
    cards = await fulfillment_times.pickups_of_orders(pool, order_ids)
    by_id = await fulfillment_times.pickups_by_id(pool, [c.pickup_id for c in cards.values()])
    assert set(by_id) == {card.pickup_id for card in cards.values()}
    return {order_id: card.pickup_id for order_id, card in cards.items()}


def notice_failed(pickup: Stream, attempt: int, at: float) -> Fact:
    return pickup.recorded(
        Pickup.NotificationFailed,
        channel="email",
        reason="mailbox full",
        attempt=attempt,
        at=t(at),
        context=SCHEDULER,
    )


async def notification_of(pool: asyncpg.Pool, pickup_id: UUID) -> str:
    cards = await fulfillment_times.pickups_by_id(pool, [pickup_id])
    return cards[pickup_id].notification.value


NOTICE = "notified_at notified_channel notice_failed_at notice_failure notice_attempts"


async def test_a_ready_pickup_nobody_was_told_of_is_not_notified(spec: ProjectionSpec) -> None:
    pickup = stream(1, STAFF)
    await spec.given(requested(pickup, 0), ready(pickup, 25)).then(
        rows("pickup_view", NOTICE, [(None, None, None, None, 0)]),
        answer(notification_of, pickup.id).equals("not_notified"),
    )


async def test_failed_sends_are_counted_until_one_is_accepted(spec: ProjectionSpec) -> None:
    pickup = stream(1, STAFF)
    failed_twice = [
        requested(pickup, 0),
        ready(pickup, 25),
        *(notice_failed(pickup, attempt, 25 + attempt) for attempt in (1, 2)),
    ]
    await spec.given(*failed_twice).then(
        rows("pickup_view", NOTICE, [(None, None, t(27), "mailbox full", 2)]),
        answer(notification_of, pickup.id).equals("failed"),
    )
    await (
        spec.given(*failed_twice)
        .when(
            pickup.recorded(Pickup.CustomerNotified, channel="email", at=t(40), context=SCHEDULER)
        )
        .then(
            rows("pickup_view", NOTICE, [(t(40), "email", t(27), "mailbox full", 2)]),
            answer(notification_of, pickup.id).equals("notified"),
        )
    )
