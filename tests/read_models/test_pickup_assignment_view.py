"""Who took a card (Pickup.Assigned) on the board's read model, and a board cut to each
column's first cards that still counts them all (pickupBoard(firstPerColumn:))."""

from __future__ import annotations

import asyncpg
import pytest

from domain.pickup.model import Pickup
from projections import fulfillment_times
from projections.fulfillment_times import FulfillmentTimes
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import stream, t
from tests.read_models.test_fulfillment_times import collected, picking, ready, requested
from tests.shop import STAFF


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(FulfillmentTimes())


def taken(pickup: Stream, at: float, staff_id: str) -> Fact:
    return pickup.recorded(Pickup.Assigned, staff_id=staff_id, at=t(at))


async def test_the_card_shows_who_took_it_last(spec: ProjectionSpec) -> None:
    mine, handed_over, nobodys = stream(1, STAFF), stream(2, STAFF), stream(3, STAFF)
    await (
        spec.given(requested(mine, 0), requested(handed_over, 1), requested(nobodys, 2))
        .when(
            taken(mine, 5, "staff-bo"),
            taken(handed_over, 6, "staff-bo"),
            taken(handed_over, 7, "staff-eve"),
        )
        .then(
            rows(
                "pickup_view",
                "pickup_id assigned_to",
                [(mine.id, "staff-bo"), (handed_over.id, "staff-eve"), (nobodys.id, None)],
            )
        )
    )


async def first_cards(pool: asyncpg.Pool, first: int = 2) -> dict[str, list[int]]:
    board = await fulfillment_times.board(pool, "AMS-CENTRAAL", t(100))
    cut = fulfillment_times.heads(board, first)
    return {
        "to_pick": [c.pickup_id.int for c in cut.to_pick],
        "collected": [c.pickup_id.int for c in cut.collected_today],
        "sizes": [len(board.to_pick), len(board.collected_today)],
    }


async def test_a_board_cut_to_its_first_cards_keeps_the_soonest_and_the_latest_finished(
    spec: ProjectionSpec,
) -> None:
    pickups = [stream(n, STAFF) for n in range(1, 6)]
    early, middle, *done = pickups
    await (
        spec.given(*(requested(p, n) for n, p in enumerate(pickups)))
        .when(
            *(step for n, p in enumerate(done) for step in (picking(p, 10 + n), ready(p, 20 + n))),
            collected(done[0], 50),
            collected(done[2], 52),
            collected(done[1], 51),
        )
        .then(
            answer(first_cards, 1).equals(
                # the soonest promise, then the newest order (here: the only other one)
                {"to_pick": [early.id.int, middle.id.int], "collected": [5], "sizes": [2, 3]}
            )
        )
    )


async def test_to_pick_keeps_its_newest_orders_after_its_first_cards(
    spec: ProjectionSpec,
) -> None:
    pickups = [stream(n, STAFF) for n in range(1, 10)]  # placed one a minute, in this order
    await (
        spec.given()
        .when(*(requested(p, 60 * n) for n, p in enumerate(pickups)))
        .then(
            answer(first_cards, 2).equals(
                {"to_pick": [1, 2, 5, 6, 7, 8, 9], "collected": [], "sizes": [9, 0]}
            )
        )
    )
