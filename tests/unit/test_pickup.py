"""Pickup: given past events, when a command, then new events or a refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.pickup.model import (
    Pickup,
    PickupLine,
    PickupStateError,
    PickupStatus,
    PickupWindowStillOpen,
    UnknownPickupLine,
    WrongPickupCode,
)
from tests.gwt import STREAM_ID, event, given

ORDER = UUID("0f0f0f0f-0000-4000-8000-000000000001")
PLACED_AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
LATER = PLACED_AT + timedelta(minutes=30)
READY_AT = PLACED_AT + timedelta(minutes=50)
LINES = [PickupLine("L1", "RETRO-CLOCK", 2), PickupLine("L2", "LAVA-LAMP", 1)]

REQUESTED = event(
    Pickup.Requested,
    order_id=ORDER,
    store_id="AMS-CENTRAAL",
    customer_id="cust-ada",
    lines=LINES,
    placed_at=PLACED_AT,
    promised_ready_at=PLACED_AT + timedelta(minutes=60),
    window_days=7,
)
PICKING = event(Pickup.PickingStarted, staff_id="staff-bo", at=LATER)
READY = event(
    Pickup.ReadyForPickup,
    shelf_spot="B3",
    pickup_code="K7P2QX",
    at=READY_AT,
    collect_by=READY_AT + timedelta(days=7),
)
COLLECTED = event(Pickup.Collected, staff_id="staff-bo", collected_by=None, at=READY_AT)


def test_a_pickup_is_promised_within_the_store_service_level() -> None:
    pickup = (
        given()
        .when(
            lambda _: Pickup.request(
                STREAM_ID, ORDER, "AMS-CENTRAAL", "cust-ada", LINES, PLACED_AT, 60, 7
            )
        )
        .then(REQUESTED)
    )
    assert pickup.status is PickupStatus.REQUESTED


class TestPicking:
    def test_staff_start_picking(self) -> None:
        pickup = given(REQUESTED).when(lambda p: p.start_picking("staff-bo", LATER)).then(PICKING)
        assert pickup.picker_id == "staff-bo"

    def test_picking_cannot_start_twice(self) -> None:
        given(REQUESTED, PICKING).when(lambda p: p.start_picking("staff-cy", LATER)).then_raises(
            PickupStateError, status="picking"
        )

    def test_a_short_line_leaves_fewer_units_to_hand_over(self) -> None:
        pickup = (
            given(REQUESTED, PICKING)
            .when(lambda p: p.report_short("L1", 1, LATER))
            .then(
                event(Pickup.LineShort, line_id="L1", sku="RETRO-CLOCK", quantity_short=1, at=LATER)
            )
        )
        assert pickup.lines == [PickupLine("L1", "RETRO-CLOCK", 1), LINES[1]]

    def test_when_every_line_is_short_the_pickup_is_cancelled(self) -> None:
        short_clocks = event(
            Pickup.LineShort, line_id="L1", sku="RETRO-CLOCK", quantity_short=2, at=LATER
        )
        pickup = (
            given(REQUESTED, PICKING, short_clocks)
            .when(lambda p: p.report_short("L2", 1, LATER))
            .then(
                event(Pickup.LineShort, line_id="L2", sku="LAVA-LAMP", quantity_short=1, at=LATER),
                event(Pickup.Cancelled, reason="all lines short", at=LATER),
            )
        )
        assert pickup.status is PickupStatus.CANCELLED

    def test_shortness_is_reported_only_while_picking(self) -> None:
        given(REQUESTED).when(lambda p: p.report_short("L1", 1, LATER)).then_raises(
            PickupStateError
        )

    def test_an_unknown_line_or_too_many_units_is_refused(self) -> None:
        given(REQUESTED, PICKING).when(lambda p: p.report_short("L9", 1, LATER)).then_raises(
            UnknownPickupLine, line_id="L9"
        )
        given(REQUESTED, PICKING).when(lambda p: p.report_short("L2", 2, LATER)).then_raises(
            UnknownPickupLine, quantity=2
        )


class TestOverdue:
    def test_past_its_promise_and_not_ready_a_pickup_is_overdue_once(self) -> None:
        late = PLACED_AT + timedelta(minutes=61)
        overdue = event(Pickup.Overdue, at=late)
        given(REQUESTED, PICKING).when(lambda p: p.mark_overdue(late)).then(overdue)
        given(REQUESTED, PICKING, overdue).when(lambda p: p.mark_overdue(late)).then_raises(
            PickupStateError
        )

    def test_a_pickup_within_its_promise_is_not_overdue(self) -> None:
        given(REQUESTED).when(lambda p: p.mark_overdue(LATER)).then_raises(PickupStateError)


class TestReady:
    def test_ready_with_a_shelf_spot_and_a_code(self) -> None:
        pickup = (
            given(REQUESTED, PICKING)
            .when(lambda p: p.mark_ready("B3", "K7P2QX", READY_AT))
            .then(READY)
        )
        assert pickup.collect_by == READY_AT + timedelta(days=7)

    def test_not_ready_before_picking(self) -> None:
        given(REQUESTED).when(lambda p: p.mark_ready("B3", "K7P2QX", READY_AT)).then_raises(
            PickupStateError, status="requested"
        )

    def test_the_customer_may_be_notified_again(self) -> None:
        sms = event(Pickup.CustomerNotified, channel="sms", at=READY_AT)
        pickup = (
            given(REQUESTED, PICKING, READY, sms)
            .when(lambda p: p.notify_customer("email", READY_AT))
            .then(event(Pickup.CustomerNotified, channel="email", at=READY_AT))
        )
        assert len(pickup.notified_at) == 2

    def test_no_notification_before_ready(self) -> None:
        given(REQUESTED, PICKING).when(lambda p: p.notify_customer("sms", LATER)).then_raises(
            PickupStateError
        )


class TestHandOver:
    def test_handed_over_with_the_right_code(self) -> None:
        given(REQUESTED, PICKING, READY).when(
            lambda p: p.collect("k7p2qx ", "staff-bo", READY_AT, None)
        ).then(COLLECTED)

    def test_never_with_a_wrong_code(self) -> None:
        given(REQUESTED, PICKING, READY).when(
            lambda p: p.collect("AAAAAA", "staff-bo", READY_AT, None)
        ).then_raises(WrongPickupCode)

    def test_never_before_it_is_ready(self) -> None:
        given(REQUESTED, PICKING).when(
            lambda p: p.collect("K7P2QX", "staff-bo", READY_AT, None)
        ).then_raises(PickupStateError, status="picking")

    def test_never_twice(self) -> None:
        given(REQUESTED, PICKING, READY, COLLECTED).when(
            lambda p: p.collect("K7P2QX", "staff-bo", READY_AT, None)
        ).then_raises(PickupStateError, status="collected")


class TestExpiryAndCancellation:
    def test_not_collected_once_the_window_has_passed(self) -> None:
        closing = READY_AT + timedelta(days=7)
        pickup = (
            given(REQUESTED, PICKING, READY)
            .when(lambda p: p.expire(closing))
            .then(event(Pickup.NotCollected, at=closing))
        )
        assert pickup.status is PickupStatus.NOT_COLLECTED

    def test_not_expired_while_the_window_is_open(self) -> None:
        given(REQUESTED, PICKING, READY).when(
            lambda p: p.expire(READY_AT + timedelta(days=6))
        ).then_raises(PickupWindowStillOpen)

    def test_cancelled_before_hand_over(self) -> None:
        given(REQUESTED, PICKING, READY).when(lambda p: p.cancel("customer", LATER)).then(
            event(Pickup.Cancelled, reason="customer", at=LATER)
        )

    def test_not_cancelled_after_hand_over(self) -> None:
        given(REQUESTED, PICKING, READY, COLLECTED).when(
            lambda p: p.cancel("customer", LATER)
        ).then_raises(PickupStateError)
