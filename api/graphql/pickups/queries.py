"""A store's board (open pickups and today's finished ones), and its pickups of any day."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.context import Info, RequestContext, path_of
from api.graphql.enums import PickupStatus
from api.graphql.errors import BadInput
from api.graphql.limits import BoundedArguments
from api.graphql.pickups.types import Pickup, PickupBoard
from api.graphql.relay import Connection, Page, paged
from projections import fulfillment_times
from projections.fulfillment_times import PickupCard

BOARD_VIEWS = ("fulfillment_times",)


FIRST_PER_COLUMN = (
    "Only each column's first N cards (open columns soonest promise first, finished ones "
    "latest first), and after them To pick's 5 newest orders; `counts` still counts them "
    "all. At most 500; none: every card."
)
MAX_FIRST_PER_COLUMN = 500


def columns_first(first: int | None) -> int | None:
    """firstPerColumn, checked: a refusal names the argument and its range."""
    if first is not None and not 1 <= first <= MAX_FIRST_PER_COLUMN:
        raise BadInput(f"firstPerColumn: between 1 and {MAX_FIRST_PER_COLUMN}, not {first}")
    return first


async def read_board(
    context: RequestContext,
    store_id: str,
    path: tuple[str | int, ...] = (),
    first: int | None = None,
) -> PickupBoard:
    now = context.services.clock.now()
    board = await fulfillment_times.board(context.read_pool, store_id, now)
    context.flag_parked(BOARD_VIEWS, (card.pickup_id for card in cards_of(board)), path)
    return PickupBoard.of(board, now, first)


def cards_of(board: fulfillment_times.Board) -> Iterator[fulfillment_times.PickupCard]:
    for column in (board.to_pick, board.picking, board.ready, board.overdue):
        yield from column
    for column in (board.collected_today, board.not_collected, board.cancelled):
        yield from column


async def readable_pickup(context: RequestContext, pickup_id: UUID) -> Pickup | None:
    cards = await fulfillment_times.pickups_by_id(context.read_pool, [pickup_id])
    card = cards.get(pickup_id)
    if card is None:
        return None
    context.require_store(card.store_id)
    return Pickup.of(card, context.services.clock.now())


@strawberry.type
class PickupQueries:
    @strawberry.field(
        description="A store's pickup board (staff and tills of the store).",
        extensions=[BoundedArguments()],
    )
    async def pickup_board(
        self,
        info: Info,
        store_id: str,
        consistent_with: str | None = None,
        first_per_column: Annotated[
            int | None, strawberry.argument(description=FIRST_PER_COLUMN)
        ] = None,
    ) -> PickupBoard:
        info.context.require_store(store_id)
        first = columns_first(first_per_column)
        await info.context.consistent_with(consistent_with, BOARD_VIEWS, path_of(info))
        return await read_board(info.context, store_id, path_of(info), first)

    @strawberry.field(description="One pickup, for staff and tills of its store.")
    async def pickup(
        self, info: Info, id: UUID, consistent_with: str | None = None
    ) -> Pickup | None:
        await info.context.consistent_with(consistent_with, BOARD_VIEWS, path_of(info))
        pickup = await readable_pickup(info.context, id)
        info.context.flag_parked(BOARD_VIEWS, (id,), path_of(info))
        return pickup

    @strawberry.field(
        description="The store's ready pickup with this pickup code (a scan of the customer's "
        "QR at the counter), or null; the code itself is never returned.",
        extensions=[BoundedArguments()],
    )
    async def pickup_with_code(self, info: Info, store_id: str, code: str) -> Pickup | None:
        context = info.context
        context.require_store(store_id)
        card = await fulfillment_times.open_pickup_with_code(context.read_pool, store_id, code)
        if card is None:
            return None
        context.flag_parked(BOARD_VIEWS, (card.pickup_id,), path_of(info))
        return Pickup.of(card, context.services.clock.now())

    @strawberry.field(
        description="A store's pickups of any day, newest first.", extensions=[BoundedArguments()]
    )
    async def pickups(
        self,
        info: Info,
        store_id: str,
        status: list[PickupStatus] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Pickup]:
        context = info.context
        context.require_store(store_id)
        page = Page(first, after, last, before)
        statuses = [s.value for s in status] if status is not None else None
        pool, path, now = context.read_pool, path_of(info), context.services.clock.now()

        async def fetch(key: fulfillment_times.PickupCursor | None, limit: int) -> list[PickupCard]:
            return await fulfillment_times.pickups_at(pool, store_id, statuses, limit, key)

        def seen(cards: Sequence[PickupCard]) -> None:
            context.flag_parked(BOARD_VIEWS, (c.pickup_id for c in cards), path)

        return await paged(
            page,
            fulfillment_times.PickupCursor,
            fetch,
            fulfillment_times.pickup_cursor,
            lambda c: Pickup.of(c, now),
            seen,
        )
