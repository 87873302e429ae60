"""Curbside: the customer says "I'm here" (given / when / then), and a no-show is no longer
staff's to record once they have."""

from __future__ import annotations

from datetime import timedelta

from domain.pickup.model import CustomerHasArrived, Pickup, PickupClosed, PickupStatus
from tests.gwt import event, given
from tests.unit.test_pickup import (
    CANCELLED,
    COLLECT_BY,
    COLLECTED,
    PICKING,
    READY,
    READY_AT,
    REQUESTED,
)

HERE_AT = READY_AT + timedelta(hours=2)
LATER = HERE_AT + timedelta(minutes=4)
ARRIVED = event(Pickup.CustomerArrived, at=HERE_AT, bay_or_car="bay 3, red Golf")


class TestSayingImHere:
    def test_a_ready_pickups_customer_arrives_with_where_they_wait(self) -> None:
        pickup = (
            given(REQUESTED, PICKING, READY)
            .when(lambda p: p.arrive(HERE_AT, "bay 3, red Golf"))
            .then(ARRIVED)
        )
        assert (pickup.arrived_at, pickup.bay_or_car) == (HERE_AT, "bay 3, red Golf")
        assert pickup.status is PickupStatus.READY

    def test_a_customer_may_arrive_before_the_order_is_ready(self) -> None:
        given(REQUESTED, PICKING).when(lambda p: p.arrive(HERE_AT, None)).then(
            event(Pickup.CustomerArrived, at=HERE_AT, bay_or_car=None)
        )

    def test_saying_it_again_records_nothing(self) -> None:
        given(REQUESTED, PICKING, READY, ARRIVED).when(
            lambda p: p.arrive(LATER, "bay 3, red Golf")
        ).then_nothing()
        given(REQUESTED, PICKING, READY, ARRIVED).when(lambda p: p.arrive(LATER)).then_nothing()

    def test_a_new_place_is_recorded_and_the_wait_still_starts_at_the_first_arrival(
        self,
    ) -> None:
        pickup = (
            given(REQUESTED, PICKING, READY, ARRIVED)
            .when(lambda p: p.arrive(LATER, "bay 5"))
            .then(event(Pickup.CustomerArrived, at=LATER, bay_or_car="bay 5"))
        )
        assert (pickup.arrived_at, pickup.bay_or_car) == (HERE_AT, "bay 5")

    def test_refused_once_handed_over_or_cancelled(self) -> None:
        given(REQUESTED, PICKING, READY, COLLECTED).when(
            lambda p: p.arrive(LATER, None)
        ).then_raises(PickupClosed, status="collected")
        given(REQUESTED, PICKING, CANCELLED).when(lambda p: p.arrive(LATER, None)).then_raises(
            PickupClosed, status="cancelled"
        )


class TestNoShowAfterArrival:
    def test_staff_may_not_record_a_no_show_for_a_customer_who_is_here(self) -> None:
        past_window = COLLECT_BY + timedelta(minutes=1)
        given(REQUESTED, PICKING, READY, ARRIVED).when(
            lambda p: p.expire(past_window, staff_id="staff-bo")
        ).then_raises(CustomerHasArrived, arrived_at=HERE_AT)

    def test_the_windows_rule_still_closes_it_so_stock_is_never_held_for_ever(self) -> None:
        given(REQUESTED, PICKING, READY, ARRIVED).when(lambda p: p.expire(COLLECT_BY)).then(
            event(Pickup.NotCollected, at=COLLECT_BY, staff_id=None)
        )

    def test_without_an_arrival_staff_still_record_the_no_show(self) -> None:
        given(REQUESTED, PICKING, READY).when(
            lambda p: p.expire(COLLECT_BY, staff_id="staff-bo")
        ).then(event(Pickup.NotCollected, at=COLLECT_BY, staff_id="staff-bo"))
