"""Pickup: given past events, when a command, then new events or a refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic

from adapters.codec import EventCodec
from domain.pickup.model import (
    AlreadyMarkedOverdue,
    CustomerNotification,
    EmptyPickup,
    InvalidPickupCode,
    InvalidPickupQuantity,
    NotOverdue,
    NotReadyForPickup,
    Pickup,
    PickupClosed,
    PickupLine,
    PickupStateError,
    PickupStatus,
    PickupWindowStillOpen,
    UnknownPickupLine,
    WrongPickupCode,
)
from tests.gwt import STREAM_ID, EventSpec, event, given

ORDER = UUID("0f0f0f0f-0000-4000-8000-000000000001")
PLACED_AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
PROMISED_AT = PLACED_AT + timedelta(minutes=60)
PICKING_AT = PLACED_AT + timedelta(minutes=20)
READY_AT = PLACED_AT + timedelta(minutes=50)
COLLECT_BY = READY_AT + timedelta(days=7)
COLLECTED_AT = READY_AT + timedelta(hours=3)
LINES = [PickupLine("L1", "RETRO-CLOCK", 2), PickupLine("L2", "LAVA-LAMP", 1)]

REQUESTED = event(
    Pickup.Requested,
    order_id=ORDER,
    store_id="AMS-CENTRAAL",
    customer_id="cust-ada",
    lines=LINES,
    placed_at=PLACED_AT,
    promised_ready_at=PROMISED_AT,
    window_days=7,
)
PICKING = event(Pickup.PickingStarted, staff_id="staff-bo", at=PICKING_AT)
READY = event(
    Pickup.ReadyForPickup, shelf_spot="B3", pickup_code="K7P2QX", at=READY_AT, collect_by=COLLECT_BY
)
COLLECTED = event(
    Pickup.Collected, staff_id="staff-bo", at=COLLECTED_AT, verified_code=True, proof=None
)
NOT_COLLECTED = event(Pickup.NotCollected, at=COLLECT_BY, staff_id=None)
CANCELLED = event(Pickup.Cancelled, reason="customer asked", at=PICKING_AT)


def short(line_id: str, sku: str, quantity: int) -> EventSpec:
    return event(Pickup.LineShort, line_id=line_id, sku=sku, quantity_short=quantity, at=PICKING_AT)


def pickup_after(*history: EventSpec) -> Pickup:
    pickup = given(*history).aggregate
    assert isinstance(pickup, Pickup)
    return pickup


def request(lines: list[PickupLine]):  # type: ignore[no-untyped-def]
    return lambda _: Pickup.request(
        STREAM_ID, ORDER, "AMS-CENTRAAL", "cust-ada", lines, PLACED_AT, 60, 7
    )


class TestRequesting:
    def test_a_pickup_is_promised_within_the_store_service_level(self) -> None:
        pickup = given().when(request(LINES)).then(REQUESTED)
        assert pickup.status is PickupStatus.REQUESTED
        assert pickup.placed_at == PLACED_AT and pickup.promised_ready_at == PROMISED_AT

    def test_a_pickup_needs_at_least_one_line(self) -> None:
        given().when(request([])).then_raises(EmptyPickup, pickup_id=STREAM_ID)

    def test_every_line_needs_at_least_one_unit(self) -> None:
        given().when(request([PickupLine("L1", "RETRO-CLOCK", 0)])).then_raises(
            InvalidPickupQuantity, line_id="L1", quantity=0
        )


class TestPicking:
    def test_staff_start_picking_a_requested_pickup(self) -> None:
        pickup = (
            given(REQUESTED).when(lambda p: p.start_picking("staff-bo", PICKING_AT)).then(PICKING)
        )
        assert (pickup.picker_id, pickup.picking_started_at) == ("staff-bo", PICKING_AT)

    def test_picking_cannot_start_twice(self) -> None:
        given(REQUESTED, PICKING).when(
            lambda p: p.start_picking("staff-cy", PICKING_AT)
        ).then_raises(PickupStateError, pickup_id=STREAM_ID, status="picking")

    def test_a_cancelled_pickup_is_not_picked(self) -> None:
        given(REQUESTED, CANCELLED).when(
            lambda p: p.start_picking("staff-bo", PICKING_AT)
        ).then_raises(PickupClosed, status="cancelled")


class TestShortLines:
    def test_a_short_line_leaves_fewer_units_to_hand_over(self) -> None:
        pickup = (
            given(REQUESTED, PICKING)
            .when(lambda p: p.report_short("L1", 1, PICKING_AT))
            .then(short("L1", "RETRO-CLOCK", 1))
        )
        assert pickup.remaining_lines == [PickupLine("L1", "RETRO-CLOCK", 1), LINES[1]]

    def test_a_line_short_of_every_unit_is_no_longer_handed_over(self) -> None:
        pickup = (
            given(REQUESTED, PICKING)
            .when(lambda p: p.report_short("L1", 2, PICKING_AT))
            .then(short("L1", "RETRO-CLOCK", 2))
        )
        assert pickup.remaining_lines == [LINES[1]]
        assert pickup.status is PickupStatus.PICKING

    def test_when_every_line_is_short_the_pickup_is_cancelled(self) -> None:
        pickup = (
            given(REQUESTED, PICKING, short("L1", "RETRO-CLOCK", 2))
            .when(lambda p: p.report_short("L2", 1, PICKING_AT))
            .then(
                short("L2", "LAVA-LAMP", 1),
                event(Pickup.Cancelled, reason="all lines short", at=PICKING_AT),
            )
        )
        assert pickup.status is PickupStatus.CANCELLED and pickup.remaining_lines == []

    def test_shortness_is_reported_only_while_picking(self) -> None:
        given(REQUESTED).when(lambda p: p.report_short("L1", 1, PICKING_AT)).then_raises(
            PickupStateError, status="requested"
        )

    def test_an_unknown_line_is_refused(self) -> None:
        given(REQUESTED, PICKING).when(lambda p: p.report_short("L9", 1, PICKING_AT)).then_raises(
            UnknownPickupLine, pickup_id=STREAM_ID, line_id="L9"
        )

    @pytest.mark.parametrize("quantity", [0, -1, 2])
    def test_a_line_is_short_of_at_least_one_and_at_most_all_its_units(self, quantity: int) -> None:
        given(REQUESTED, PICKING).when(
            lambda p: p.report_short("L2", quantity, PICKING_AT)
        ).then_raises(InvalidPickupQuantity, line_id="L2", quantity=quantity)


class TestOverdue:
    def test_waiting_past_its_promise_a_pickup_is_overdue(self) -> None:
        pickup = pickup_after(REQUESTED, PICKING)
        assert not pickup.is_overdue(PROMISED_AT)
        assert pickup.is_overdue(PROMISED_AT + timedelta(seconds=1))

    @pytest.mark.parametrize("history", [(REQUESTED, PICKING, READY), (REQUESTED, CANCELLED)])
    def test_a_ready_or_finished_pickup_is_never_overdue(
        self, history: tuple[EventSpec, ...]
    ) -> None:
        assert not pickup_after(*history).is_overdue(PROMISED_AT + timedelta(hours=5))

    def test_an_overdue_pickup_is_recorded_once(self) -> None:
        late = PROMISED_AT + timedelta(minutes=1)
        overdue = event(Pickup.Overdue, at=late)
        given(REQUESTED, PICKING).when(lambda p: p.mark_overdue(late)).then(overdue)
        given(REQUESTED, PICKING, overdue).when(lambda p: p.mark_overdue(late)).then_raises(
            AlreadyMarkedOverdue, pickup_id=STREAM_ID, overdue_at=late
        )

    def test_a_pickup_within_its_promise_is_not_marked_overdue(self) -> None:
        given(REQUESTED).when(lambda p: p.mark_overdue(PICKING_AT)).then_raises(
            NotOverdue, promised=PROMISED_AT
        )

    def test_a_ready_pickup_is_not_marked_overdue(self) -> None:
        late = PROMISED_AT + timedelta(hours=1)
        given(REQUESTED, PICKING, READY).when(lambda p: p.mark_overdue(late)).then_raises(
            NotOverdue, status="ready"
        )


class TestReady:
    def test_ready_on_a_shelf_spot_with_a_code_until_the_window_closes(self) -> None:
        pickup = (
            given(REQUESTED, PICKING)
            .when(lambda p: p.mark_ready("B3", "K7P2QX", READY_AT))
            .then(READY)
        )
        assert pickup.ready_at == READY_AT and pickup.collect_by == READY_AT + timedelta(days=7)

    def test_not_ready_before_picking(self) -> None:
        given(REQUESTED).when(lambda p: p.mark_ready("B3", "K7P2QX", READY_AT)).then_raises(
            PickupStateError, status="requested"
        )

    def test_not_ready_with_nothing_left_to_hand_over(self) -> None:
        nothing_left = (short("L1", "RETRO-CLOCK", 2), short("L2", "LAVA-LAMP", 1))
        given(REQUESTED, PICKING, *nothing_left).when(
            lambda p: p.mark_ready("B3", "K7P2QX", READY_AT)
        ).then_raises(EmptyPickup, pickup_id=STREAM_ID)

    def test_not_ready_without_a_code(self) -> None:
        given(REQUESTED, PICKING).when(lambda p: p.mark_ready("B3", "  ", READY_AT)).then_raises(
            InvalidPickupCode, pickup_id=STREAM_ID
        )

    def test_a_cancelled_pickup_is_never_ready(self) -> None:
        given(REQUESTED, PICKING, CANCELLED).when(
            lambda p: p.mark_ready("B3", "K7P2QX", READY_AT)
        ).then_raises(PickupClosed, status="cancelled")


class TestNotifyingTheCustomer:
    def test_the_customer_is_told_and_may_be_told_again(self) -> None:
        sms = event(Pickup.CustomerNotified, channel="sms", at=READY_AT)
        later = READY_AT + timedelta(days=1)
        pickup = (
            given(REQUESTED, PICKING, READY, sms)
            .when(lambda p: p.notify_customer("email", later))
            .then(event(Pickup.CustomerNotified, channel="email", at=later))
        )
        assert pickup.notifications == [
            CustomerNotification("sms", READY_AT),
            CustomerNotification("email", later),
        ]

    def test_no_notification_before_ready(self) -> None:
        given(REQUESTED, PICKING).when(lambda p: p.notify_customer("sms", PICKING_AT)).then_raises(
            NotReadyForPickup, status="picking"
        )

    def test_no_notification_after_hand_over(self) -> None:
        given(REQUESTED, PICKING, READY, COLLECTED).when(
            lambda p: p.notify_customer("push", COLLECTED_AT)
        ).then_raises(PickupClosed, status="collected")


class TestHandOver:
    def test_pickup_is_handed_over_only_with_the_right_code(self) -> None:
        pickup = (
            given(REQUESTED, PICKING, READY)
            .when(lambda p: p.collect("K7P2QX", "staff-bo", COLLECTED_AT))
            .then(COLLECTED)
        )
        assert pickup.status is PickupStatus.COLLECTED
        assert (pickup.placed_at, pickup.picking_started_at, pickup.ready_at) == (
            PLACED_AT,
            PICKING_AT,
            READY_AT,
        )
        assert pickup.collected_at == COLLECTED_AT

    def test_a_code_read_aloud_matches_whatever_its_case_and_spacing(self) -> None:
        given(REQUESTED, PICKING, READY).when(
            lambda p: p.collect(" k7p2qx ", "staff-bo", COLLECTED_AT, "Ada's neighbour")
        ).then(
            event(
                Pickup.Collected,
                staff_id="staff-bo",
                at=COLLECTED_AT,
                verified_code=True,
                proof="Ada's neighbour",
            )
        )

    @pytest.mark.parametrize("code", ["AAAAAA", "K7P2Q", "", "K7P2QXé"])
    def test_never_with_a_wrong_code(self, code: str) -> None:
        given(REQUESTED, PICKING, READY).when(
            lambda p: p.collect(code, "staff-bo", COLLECTED_AT)
        ).then_raises(WrongPickupCode, pickup_id=STREAM_ID)

    def test_never_before_it_is_ready(self) -> None:
        given(REQUESTED, PICKING).when(
            lambda p: p.collect("K7P2QX", "staff-bo", COLLECTED_AT)
        ).then_raises(NotReadyForPickup, pickup_id=STREAM_ID, status="picking")

    def test_never_twice(self) -> None:
        given(REQUESTED, PICKING, READY, COLLECTED).when(
            lambda p: p.collect("K7P2QX", "staff-bo", COLLECTED_AT)
        ).then_raises(PickupClosed, status="collected")

    def test_never_after_it_was_given_up(self) -> None:
        given(REQUESTED, PICKING, READY, NOT_COLLECTED).when(
            lambda p: p.collect("K7P2QX", "staff-bo", COLLECT_BY)
        ).then_raises(PickupClosed, status="not_collected")

    def test_a_late_customer_still_collects_what_is_still_on_the_shelf(self) -> None:
        late = COLLECT_BY + timedelta(hours=2)
        given(REQUESTED, PICKING, READY).when(lambda p: p.collect("K7P2QX", "staff-bo", late)).then(
            event(Pickup.Collected, staff_id="staff-bo", at=late, verified_code=True, proof=None)
        )


class TestExpiry:
    def test_an_expired_pickup_records_not_collected_so_its_reservations_are_released(
        self,
    ) -> None:
        pickup = (
            given(REQUESTED, PICKING, READY)
            .when(lambda p: p.expire(COLLECT_BY))
            .then(NOT_COLLECTED)
        )
        assert pickup.status is PickupStatus.NOT_COLLECTED and pickup.finished_at == COLLECT_BY

    def test_not_expired_while_the_window_is_open(self) -> None:
        given(REQUESTED, PICKING, READY).when(
            lambda p: p.expire(COLLECT_BY - timedelta(seconds=1))
        ).then_raises(PickupWindowStillOpen, pickup_id=STREAM_ID, collect_by=COLLECT_BY)

    def test_staff_mark_a_no_show_once_the_window_has_passed(self) -> None:
        after = COLLECT_BY + timedelta(minutes=5)
        pickup = (
            given(REQUESTED, PICKING, READY)
            .when(lambda p: p.expire(after, "staff-bo"))
            .then(event(Pickup.NotCollected, at=after, staff_id="staff-bo"))
        )
        assert pickup.status is PickupStatus.NOT_COLLECTED

    def test_no_show_refused_while_the_customer_may_still_come(self) -> None:
        error = (
            given(REQUESTED, PICKING, READY)
            .when(lambda p: p.expire(READY_AT + timedelta(days=1), "staff-bo"))
            .then_raises(PickupWindowStillOpen, collect_by=COLLECT_BY)
        )
        assert str(error) == (
            "The customer can still collect this order until 2026-11-09 10:50 UTC; "
            "it is not a no-show yet."
        )

    def test_only_a_ready_pickup_expires(self) -> None:
        given(REQUESTED, PICKING).when(lambda p: p.expire(COLLECT_BY)).then_raises(
            NotReadyForPickup, status="picking"
        )

    def test_a_collected_pickup_never_expires(self) -> None:
        given(REQUESTED, PICKING, READY, COLLECTED).when(
            lambda p: p.expire(COLLECT_BY)
        ).then_raises(PickupClosed, status="collected")


class TestCancellation:
    @pytest.mark.parametrize(
        "history", [(REQUESTED,), (REQUESTED, PICKING), (REQUESTED, PICKING, READY)]
    )
    def test_cancelled_any_time_before_hand_over(self, history: tuple[EventSpec, ...]) -> None:
        pickup = (
            given(*history).when(lambda p: p.cancel("customer asked", PICKING_AT)).then(CANCELLED)
        )
        assert pickup.status is PickupStatus.CANCELLED

    @pytest.mark.parametrize(
        ("last", "status"),
        [(COLLECTED, "collected"), (NOT_COLLECTED, "not_collected"), (CANCELLED, "cancelled")],
    )
    def test_never_cancelled_once_finished(self, last: EventSpec, status: str) -> None:
        history = (REQUESTED, PICKING, READY, last)
        given(*history).when(lambda p: p.cancel("customer asked", COLLECT_BY)).then_raises(
            PickupClosed, pickup_id=STREAM_ID, status=status
        )


class TestStoredForm:
    def test_a_version_1_collected_event_reads_as_verified_with_its_proof(self) -> None:
        stored = (
            b'{"timestamp":"2026-11-02T13:50:01Z","staff_id":"staff-bo",'
            b'"collected_by":"Ada","at":"2026-11-02T13:50:00Z"}'
        )
        collected = EventCodec().decode(STREAM_ID, 4, get_topic(Pickup.Collected), 1, stored)
        assert isinstance(collected, Pickup.Collected)
        assert (collected.proof, collected.verified_code, collected.at) == (
            "Ada",
            True,
            COLLECTED_AT,
        )

    def test_a_version_1_not_collected_event_was_the_rule_not_staff(self) -> None:
        stored = b'{"timestamp":"2026-11-09T10:50:01Z","at":"2026-11-09T10:50:00Z"}'
        expired = EventCodec().decode(STREAM_ID, 4, get_topic(Pickup.NotCollected), 1, stored)
        assert isinstance(expired, Pickup.NotCollected)
        assert (expired.at, expired.staff_id) == (COLLECT_BY, None)

    def test_every_state_attribute_survives_a_snapshot(self) -> None:
        sms = event(Pickup.CustomerNotified, channel="sms", at=READY_AT)
        bounced = event(
            Pickup.NotificationFailed, channel="email", reason="421 busy", attempt=1, at=READY_AT
        )
        pickup = pickup_after(
            REQUESTED, PICKING, short("L1", "RETRO-CLOCK", 1), READY, sms, bounced
        )
        codec, snapshot = EventCodec(), Snapshot.take(pickup)
        restored = codec.decode_snapshot(
            STREAM_ID, pickup.version, snapshot.topic, codec.encode_snapshot(snapshot), READY_AT
        ).mutate(None)
        assert vars(restored) == vars(pickup)
