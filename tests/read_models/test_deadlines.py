"""Deadlines: given cart and pickup facts, then exactly the rules the scheduler must fire, when,
and caused by which event."""

from __future__ import annotations

from uuid import UUID

import msgspec
import pytest

from domain.cart.model import Cart
from domain.pickup.model import Pickup
from domain.usecases.carts import CART_IDLE_LIMIT
from domain.values import event_id
from projections import deadlines
from projections.deadlines import (
    ABANDON_CART,
    PICKUP_EXPIRY,
    PICKUP_OVERDUE,
    Deadlines,
    Due,
)
from tests.projection_spec import Fact, ProjectionSpec, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    LAPTOP,
    PHONE,
    SCHEDULER,
    cart_started,
    days,
    line_added,
    order_lines,
    pickup_requested,
    stream,
    t,
)
from tests.shop import STAFF

CART, PICKUP, ORDER = stream(1), stream(2, STAFF), UUID(int=3)
CLOCKS = order_lines(RETRO_CLOCK=1)
COLUMNS = "aggregate_id kind due_at cause_id"


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(Deadlines())


def ready(at: float, collect_by: float) -> Fact:
    return PICKUP.recorded(
        Pickup.ReadyForPickup,
        shelf_spot="A1",
        pickup_code="CODE01",
        at=t(at),
        collect_by=t(collect_by),
    )


async def test_a_cart_is_given_up_a_month_after_its_last_activity_by_the_service_clock(
    spec: ProjectionSpec,
) -> None:
    # The events were committed (and timestamped by the library) long before their `at`, as
    # under `omni simulate`: due times come from `at` alone.
    correlated = msgspec.structs.replace(PHONE, correlation_id=UUID(int=99))
    await spec.given(
        cart_started(CART, t(0), "cust-ada"),
        line_added(CART, "RETRO-CLOCK", 1, t(5), context=correlated),
    ).then(
        rows(
            "deadlines",
            "aggregate_id kind due_at cause_id correlation_id",
            [(CART.id, ABANDON_CART, t(5) + CART_IDLE_LIMIT, event_id(CART.id, 2), UUID(int=99))],
        )
    )


@pytest.mark.parametrize(
    "closing",
    [
        CART.recorded(Cart.CheckedOut, order_id=ORDER, at=t(20)),
        CART.recorded(Cart.MergedInto, target_cart_id=UUID(int=9), at=t(20)),
        CART.recorded(Cart.Abandoned, at=t(20) + days(31), context=SCHEDULER),
    ],
    ids=["checked out", "merged", "abandoned"],
)
async def test_a_closed_cart_is_never_given_up(spec: ProjectionSpec, closing: Fact) -> None:
    await (
        spec.given(
            cart_started(CART, t(0), "cust-ada"),
            line_added(CART, "RETRO-CLOCK", 1, t(5)),
        )
        .when(closing)
        .then(rows("deadlines", COLUMNS, []))
    )


async def test_a_recovered_cart_idles_afresh_from_its_recovery(spec: ProjectionSpec) -> None:
    recovered_at = t(5) + days(31) + days(1)
    await (
        spec.given(
            cart_started(CART, t(0), "cust-ada"),
            line_added(CART, "RETRO-CLOCK", 1, t(5)),
            CART.recorded(Cart.Abandoned, at=t(5) + days(31), context=SCHEDULER),
        )
        .when(
            CART.recorded(Cart.Recovered, lines=[], changes=[], at=recovered_at, context=LAPTOP),
        )
        .then(
            rows(
                "deadlines",
                COLUMNS,
                [(CART.id, ABANDON_CART, recovered_at + CART_IDLE_LIMIT, event_id(CART.id, 4))],
            )
        )
    )


async def test_a_requested_pickup_falls_overdue_at_its_promised_time(
    spec: ProjectionSpec,
) -> None:
    await spec.given(pickup_requested(PICKUP, ORDER, CLOCKS, t(0), promised_within=60)).then(
        rows("deadlines", COLUMNS, [(PICKUP.id, PICKUP_OVERDUE, t(60), event_id(PICKUP.id, 1))])
    )


async def test_a_pickup_marked_overdue_is_not_marked_again(spec: ProjectionSpec) -> None:
    await (
        spec.given(pickup_requested(PICKUP, ORDER, CLOCKS, t(0)))
        .when(PICKUP.recorded(Pickup.Overdue, at=t(60), context=SCHEDULER))
        .then(rows("deadlines", COLUMNS, []))
    )


async def test_a_ready_pickup_expires_when_its_window_closes(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(
            pickup_requested(PICKUP, ORDER, CLOCKS, t(0)),
            PICKUP.recorded(Pickup.PickingStarted, staff_id="staff-bo", at=t(10)),
        )
        .when(ready(at=30, collect_by=30 + 7 * 24 * 60))
        .then(
            rows(
                "deadlines",
                COLUMNS,
                [(PICKUP.id, PICKUP_EXPIRY, t(30) + days(7), event_id(PICKUP.id, 3))],
            )
        )
    )


@pytest.mark.parametrize(
    "notice",
    [
        PICKUP.recorded(Pickup.CustomerNotified, channel="email", at=t(31), context=SCHEDULER),
        PICKUP.recorded(
            Pickup.NotificationFailed, channel="email", reason="refused", attempt=1, at=t(31)
        ),
    ],
    ids=["notified", "notice failed"],
)
async def test_telling_the_customer_is_no_clock_rule(spec: ProjectionSpec, notice: Fact) -> None:
    await (
        spec.given(
            pickup_requested(PICKUP, ORDER, CLOCKS, t(0)),
            ready(at=30, collect_by=30 + 7 * 24 * 60),
        )
        .when(notice)
        .then(
            rows(
                "deadlines",
                COLUMNS,
                [(PICKUP.id, PICKUP_EXPIRY, t(30) + days(7), event_id(PICKUP.id, 2))],
            )
        )
    )


@pytest.mark.parametrize(
    "finish",
    [
        PICKUP.recorded(
            Pickup.Collected, staff_id="staff-bo", at=t(90), verified_code=True, proof=None
        ),
        PICKUP.recorded(Pickup.NotCollected, at=t(30) + days(7), staff_id=None),
        PICKUP.recorded(Pickup.Cancelled, reason="order cancelled", at=t(40)),
    ],
    ids=["collected", "not collected", "cancelled"],
)
async def test_a_finished_pickup_has_nothing_left_to_fire(
    spec: ProjectionSpec, finish: Fact
) -> None:
    await (
        spec.given(
            pickup_requested(PICKUP, ORDER, CLOCKS, t(0)),
            ready(at=30, collect_by=30 + 7 * 24 * 60),
        )
        .when(finish)
        .then(rows("deadlines", COLUMNS, []))
    )


async def test_the_scheduler_is_handed_what_is_due_by_now_soonest_first(
    spec: ProjectionSpec,
) -> None:
    idle, waiting, on_the_shelf = stream(11), stream(12, STAFF), stream(13, STAFF)
    await spec.given(
        cart_started(idle, t(0), "cust-bob"),
        pickup_requested(waiting, UUID(int=21), CLOCKS, t(0), promised_within=120),
        pickup_requested(on_the_shelf, UUID(int=22), CLOCKS, t(0)),
        on_the_shelf.recorded(
            Pickup.ReadyForPickup, shelf_spot="A2", pickup_code="CODE02", at=t(30), collect_by=t(90)
        ),
    ).then(
        answer(deadlines.due, t(100)).equals(
            [
                Due(on_the_shelf.id, PICKUP_EXPIRY, t(90), event_id(on_the_shelf.id, 2), None),
            ]
        ),
        answer(deadlines.due, t(200), limit=3).equals(
            [
                Due(on_the_shelf.id, PICKUP_EXPIRY, t(90), event_id(on_the_shelf.id, 2), None),
                Due(waiting.id, PICKUP_OVERDUE, t(120), event_id(waiting.id, 1), None),
            ]
        ),
        answer(deadlines.due, t(0) + CART_IDLE_LIMIT).equals(
            [
                Due(on_the_shelf.id, PICKUP_EXPIRY, t(90), event_id(on_the_shelf.id, 2), None),
                Due(waiting.id, PICKUP_OVERDUE, t(120), event_id(waiting.id, 1), None),
                Due(idle.id, ABANDON_CART, t(0) + CART_IDLE_LIMIT, event_id(idle.id, 1), None),
            ]
        ),
    )
