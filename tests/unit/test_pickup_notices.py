"""The ready notice as the notifier records it: told only once the mail server accepted the
mail, and each failed send a fact of its own."""

from __future__ import annotations

from datetime import timedelta

from eventsourcing.domain import Snapshot

from adapters.codec import EventCodec
from domain.pickup.model import (
    AlreadyNotified,
    NotificationFailure,
    NotReadyForPickup,
    Pickup,
    PickupClosed,
)
from tests.gwt import event, given
from tests.unit.test_pickup import (
    CANCELLED,
    COLLECTED,
    COLLECTED_AT,
    PICKING,
    PICKING_AT,
    READY,
    READY_AT,
    REQUESTED,
)

SENT_AT = READY_AT + timedelta(seconds=4)
RETRIED_AT = SENT_AT + timedelta(seconds=30)
REFUSED = "450 mailbox busy"


def emailed(at=SENT_AT):  # type: ignore[no-untyped-def]
    return event(Pickup.CustomerNotified, channel="email", at=at)


def bounced(attempt: int, reason: str = REFUSED, at=SENT_AT):  # type: ignore[no-untyped-def]
    return event(Pickup.NotificationFailed, channel="email", reason=reason, attempt=attempt, at=at)


class TestTheMailServerAccepted:
    def test_the_customer_is_recorded_as_told_by_email(self) -> None:
        given(REQUESTED, PICKING, READY).when(lambda p: p.record_notified("email", SENT_AT)).then(
            emailed()
        )

    def test_a_redelivered_notice_is_recorded_once(self) -> None:
        given(REQUESTED, PICKING, READY, emailed()).when(
            lambda p: p.record_notified("email", RETRIED_AT)
        ).then_raises(AlreadyNotified, channel="email")

    def test_an_accepted_retry_after_failures_is_told(self) -> None:
        pickup = (
            given(REQUESTED, PICKING, READY, bounced(1))
            .when(lambda p: p.record_notified("email", RETRIED_AT))
            .then(emailed(RETRIED_AT))
        )
        assert pickup.was_notified_by("email")

    def test_a_text_message_from_staff_does_not_count_as_the_email(self) -> None:
        sms = event(Pickup.CustomerNotified, channel="sms", at=READY_AT)
        given(REQUESTED, PICKING, READY, sms).when(
            lambda p: p.record_notified("email", SENT_AT)
        ).then(emailed())

    def test_a_mail_accepted_after_hand_over_is_still_a_fact(self) -> None:
        given(REQUESTED, PICKING, READY, COLLECTED).when(
            lambda p: p.record_notified("email", COLLECTED_AT)
        ).then(emailed(COLLECTED_AT))

    def test_nobody_is_told_of_a_pickup_never_ready(self) -> None:
        given(REQUESTED, PICKING).when(
            lambda p: p.record_notified("email", PICKING_AT)
        ).then_raises(NotReadyForPickup, status="picking")

    def test_nor_of_one_cancelled_before_it_was_ready(self) -> None:
        given(REQUESTED, PICKING, CANCELLED).when(
            lambda p: p.record_notified("email", PICKING_AT)
        ).then_raises(PickupClosed, status="cancelled")


class TestASendFailed:
    def test_the_first_failure_is_attempt_one_with_its_reason(self) -> None:
        given(REQUESTED, PICKING, READY).when(
            lambda p: p.record_notification_failed("email", REFUSED, SENT_AT)
        ).then(bounced(1))

    def test_each_further_failure_counts_up(self) -> None:
        pickup = (
            given(REQUESTED, PICKING, READY, bounced(1), bounced(2, "timed out"))
            .when(lambda p: p.record_notification_failed("email", REFUSED, RETRIED_AT))
            .then(bounced(3, at=RETRIED_AT))
        )
        assert pickup.notification_failures[-1] == NotificationFailure(
            "email", REFUSED, 3, RETRIED_AT
        )

    def test_failures_count_per_channel(self) -> None:
        sms_failed = event(
            Pickup.NotificationFailed, channel="sms", reason="no signal", attempt=1, at=SENT_AT
        )
        given(REQUESTED, PICKING, READY, sms_failed).when(
            lambda p: p.record_notification_failed("email", REFUSED, SENT_AT)
        ).then(bounced(1))

    def test_no_failure_after_the_customer_was_told(self) -> None:
        given(REQUESTED, PICKING, READY, emailed()).when(
            lambda p: p.record_notification_failed("email", REFUSED, RETRIED_AT)
        ).then_raises(AlreadyNotified, channel="email")

    def test_no_failure_before_ready(self) -> None:
        given(REQUESTED, PICKING).when(
            lambda p: p.record_notification_failed("email", REFUSED, PICKING_AT)
        ).then_raises(NotReadyForPickup, status="picking")


def test_a_snapshot_taken_before_failures_were_recorded_loads_with_none() -> None:
    pickup = given(REQUESTED, PICKING, READY).aggregate
    snapshot = Snapshot.take(pickup)
    del snapshot.state["notification_failures"]  # as this code's predecessor took it
    codec = EventCodec()
    restored = codec.decode_snapshot(
        pickup.id, pickup.version, snapshot.topic, codec.encode_snapshot(snapshot), READY_AT
    ).mutate(None)
    assert restored.notification_failures == ()
    restored.record_notification_failed("email", REFUSED, SENT_AT)
    assert [f.attempt for f in restored.notification_failures] == [1]
