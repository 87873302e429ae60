"""A store's board (open pickups and today's finished ones), and its pickups of any day."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from uuid import UUID

import strawberry

from api.graphql.context import Info, RequestContext, path_of
from api.graphql.enums import PickupStatus
from api.graphql.limits import BoundedArguments
from api.graphql.pickups.types import Pickup, PickupBoard
from api.graphql.relay import Connection, Page, paged
from projections import fulfillment_times
from projections.fulfillment_times import PickupCard

BOARD_VIEWS = ("fulfillment_times",)


async def read_board(
    context: RequestContext, store_id: str, path: tuple[str | int, ...] = ()
) -> PickupBoard:
    now = context.services.clock.now()
    board = await fulfillment_times.board(context.read_pool, store_id, now)
    context.flag_parked(BOARD_VIEWS, (card.pickup_id for card in cards_of(board)), path)
    return PickupBoard.of(board, now)


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
        self, info: Info, store_id: str, consistent_with: str | None = None
    ) -> PickupBoard:
        info.context.require_store(store_id)
        await info.context.consistent_with(consistent_with, BOARD_VIEWS, path_of(info))
        return await read_board(info.context, store_id, path_of(info))

    @strawberry.field(description="One pickup, for staff and tills of its store.")
    async def pickup(
        self, info: Info, id: UUID, consistent_with: str | None = None
    ) -> Pickup | None:
        await info.context.consistent_with(consistent_with, BOARD_VIEWS, path_of(info))
        pickup = await readable_pickup(info.context, id)
        info.context.flag_parked(BOARD_VIEWS, (id,), path_of(info))
        return pickup

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
