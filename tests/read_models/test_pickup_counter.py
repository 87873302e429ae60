"""The counter's part of a pickup card: its order's payment (from the order's own events, which
checkout records before the pickup's), the customer's arrival, the board's arrived lane, and
arrival to hand-over per store and day."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg
import pytest

from domain.order.model import Order
from domain.pickup.model import Pickup
from domain.values import Money
from projections import fulfillment_stats, fulfillment_times
from projections.fulfillment_stats import TimeStats
from projections.fulfillment_times import FulfillmentTimes
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    WAREHOUSE_SHIPPING,
    order_lines,
    order_placed,
    pickup_requested,
    stream,
    t,
)
from tests.read_models.test_fulfillment_times import collected, picking, ready
from tests.shop import STAFF

LAMP = order_lines(LAVA_LAMP=1)
MONDAY = date(2026, 11, 2)


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(FulfillmentTimes())


def order_for(number: int) -> Stream:
    return stream(100 + number)


def checked_out(pickup: Stream, at: float, paid_online: bool = True) -> list[Fact]:
    """Checkout's one append: the order, its payment if any, then the pickup."""
    order = order_for(pickup.id.int)
    facts = [order_placed(order, order.id, LAMP, t(at))]
    if paid_online:
        facts.append(authorized(order, at))
    return [*facts, pickup_requested(pickup, order.id, LAMP, t(at))]


def authorized(order: Stream, at: float) -> Fact:
    return order.recorded(
        Order.PaymentAuthorized, reference="auth-1", amount=Money.of("39.00"), at=t(at)
    )


def arrived(pickup: Stream, at: float, where: str | None = None) -> Fact:
    return pickup.recorded(Pickup.CustomerArrived, at=t(at), bay_or_car=where)


async def test_a_card_says_whether_its_order_is_paid_authorized_or_unpaid(
    spec: ProjectionSpec,
) -> None:
    online, at_counter, declined = stream(1, STAFF), stream(2, STAFF), stream(3, STAFF)
    counter_order, declined_order = order_for(2), order_for(3)
    await (
        spec.given(
            *checked_out(online, 0),
            *checked_out(at_counter, 1, paid_online=False),
            *checked_out(declined, 2, paid_online=False),
        )
        .when(
            order_for(1).recorded(
                Order.PaymentCaptured, reference="cap-1", amount=Money.of("39.00"), at=t(60)
            ),
            authorized(counter_order, 61),
            declined_order.recorded(Order.PaymentFailed, reason="card declined", at=t(62)),
        )
        .then(
            rows(
                "pickup_view",
                "pickup_id payment",
                [(online.id, "paid"), (at_counter.id, "authorized"), (declined.id, "unpaid")],
            ),
        )
    )


async def test_a_shipped_orders_payment_touches_no_card(spec: ProjectionSpec) -> None:
    parcel = order_for(9)
    await (
        spec.given(order_placed(parcel, parcel.id, LAMP, t(0), fulfillment=WAREHOUSE_SHIPPING))
        .when(authorized(parcel, 1))
        .then(rows("pickup_view", "pickup_id", []), rows("pickup_payment", "order_id", []))
    )


async def test_the_first_arrival_starts_the_wait_and_the_last_says_where(
    spec: ProjectionSpec,
) -> None:
    pickup = stream(1, STAFF)
    await (
        spec.given(*checked_out(pickup, 0), picking(pickup, 10), ready(pickup, 20))
        .when(arrived(pickup, 30, "bay 3"), arrived(pickup, 34, "bay 5, red Golf"))
        .then(rows("pickup_view", "arrived_at bay_or_car", [(t(30), "bay 5, red Golf")]))
    )


async def arrived_lane(pool: asyncpg.Pool, now: datetime) -> dict[str, list[int]]:
    board = await fulfillment_times.board(pool, "AMS-CENTRAAL", now)
    return {
        "arrived": [card.pickup_id.int for card in board.arrived],
        "ready": [card.pickup_id.int for card in board.ready],
        "to_pick": [card.pickup_id.int for card in board.to_pick],
    }


async def test_the_board_has_an_arrived_lane_of_open_pickups_whose_customer_is_here(
    spec: ProjectionSpec,
) -> None:
    early, waiting, gone = stream(1, STAFF), stream(2, STAFF), stream(3, STAFF)
    await (
        spec.given(
            *checked_out(early, 0),
            *checked_out(waiting, 1),
            *checked_out(gone, 2),
            picking(waiting, 5),
            ready(waiting, 10),
            picking(gone, 5),
            ready(gone, 10),
        )
        .when(
            arrived(early, 12),  # before it is ready: the customer waits for it too
            arrived(waiting, 15, "bay 2"),
            arrived(gone, 16),
            collected(gone, 18),
        )
        .then(
            answer(arrived_lane, t(20)).equals({"arrived": [1, 2], "ready": [2], "to_pick": [1]}),
        )
    )


async def test_arrival_to_hand_over_per_store_and_day(spec: ProjectionSpec) -> None:
    # Handed over 4, 10 and 30 minutes after the customer arrived: p50 = 10 min,
    # p90 = 10 + 0.8 * 20 = 26 min; a fourth customer arrived and still waits.
    waits = {1: 4, 2: 10, 3: 30}
    facts = []
    for number, wait in waits.items():
        pickup = stream(number, STAFF)
        facts += [*checked_out(pickup, number), picking(pickup, 20), ready(pickup, 40)]
        facts += [arrived(pickup, 50), collected(pickup, 50 + wait)]
    still_waiting, never_came = stream(4, STAFF), stream(5, STAFF)
    facts += [*checked_out(still_waiting, 4), arrived(still_waiting, 55)]
    facts += [*checked_out(never_came, 5), picking(never_came, 6), ready(never_came, 7)]
    facts.append(collected(never_came, 90))  # collected without saying "I'm here"

    await spec.given(*facts).then(
        answer(curbside_figures).equals((5, 4, TimeStats(600, 1560, 1800)))
    )


async def curbside_figures(pool: asyncpg.Pool) -> tuple[int, int, TimeStats]:
    [day] = await fulfillment_stats.fulfillment_stats(pool, "AMS-CENTRAAL", MONDAY, MONDAY)
    return day.pickups, day.arrivals, day.arrival_to_collected
