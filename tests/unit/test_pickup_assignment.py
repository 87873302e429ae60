"""Taking a card on the board (given / when / then): the pickup is assigned to the staff
member who took it, at any step before hand-over, and a colleague may take it over."""

from __future__ import annotations

from datetime import timedelta

from domain.pickup.model import Pickup, PickupClosed
from tests.gwt import event, given
from tests.unit.test_pickup import CANCELLED, COLLECTED, PICKING, PLACED_AT, READY, REQUESTED

TAKEN_AT = PLACED_AT + timedelta(minutes=5)
TAKEN = event(Pickup.Assigned, staff_id="staff-bo", at=TAKEN_AT)


class TestTakingACard:
    def test_a_new_pickup_is_taken_by_the_associate(self) -> None:
        pickup = given(REQUESTED).when(lambda p: p.assign("staff-bo", TAKEN_AT)).then(TAKEN)
        assert pickup.assigned_to == "staff-bo"

    def test_a_colleague_takes_it_over_while_it_waits_on_the_shelf(self) -> None:
        later = TAKEN_AT + timedelta(hours=1)
        pickup = (
            given(REQUESTED, TAKEN, PICKING, READY)
            .when(lambda p: p.assign("staff-cy", later))
            .then(event(Pickup.Assigned, staff_id="staff-cy", at=later))
        )
        assert pickup.assigned_to == "staff-cy"

    def test_taking_ones_own_card_again_records_nothing(self) -> None:
        given(REQUESTED, TAKEN).when(lambda p: p.assign("staff-bo", TAKEN_AT)).then_nothing()

    def test_a_finished_pickup_cannot_be_taken(self) -> None:
        for finished in ((REQUESTED, PICKING, READY, COLLECTED), (REQUESTED, CANCELLED)):
            given(*finished).when(lambda p: p.assign("staff-bo", TAKEN_AT)).then_raises(
                PickupClosed
            )

    def test_a_snapshot_from_before_assignment_reads_as_nobodys(self) -> None:
        pickup = given(REQUESTED, PICKING).when(lambda p: None).then()
        assert pickup.assigned_to is None
