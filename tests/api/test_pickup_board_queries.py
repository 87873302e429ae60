"""The pickup board costs a fixed number of SQL statements, however many pickups it shows:
its orders, their lines and pickups come through per-request DataLoaders, not one query per
pickup."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from api.auth import Role
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.ports import Position
from domain.values import Actor, ActorKind, Channel, Context
from tests.api.conftest import Api
from tests.shop import as_uuid

BOARD = """
fragment card on Pickup {
  id: pickupId status lines { lineId sku quantity } secondsToPromise overdue shelfSpot
  order { id: orderId status total { amount currency }
    lines { lineId sku quantity unitPrice { amount currency } }
    pickup { status storeId shelfSpot pickupCode } }
}
query($store: String!) { pickupBoard(storeId: $store) {
  storeId
  toPick { ...card } picking { ...card } ready { ...card }
  overdue { ...card } collectedToday { ...card } notCollected { ...card } } }"""

COLUMNS = ("toPick", "picking", "ready", "overdue", "collectedToday", "notCollected")
SKUS = ("RETRO-CLOCK", "DESK-FAN")
SHOPPER = Context(channel=Channel.WEB, device_id="laptop", actor=Actor(ActorKind.ADMIN, "script"))
STAFF = Context(
    channel=Channel.STAFF,
    device_id="hand",
    actor=Actor(ActorKind.STAFF, "staff-bo", stores=("AMS-CENTRAAL", "UTR-CENTRUM")),
)


def on_app(api: Api, work: Callable[[], Awaitable[Any]]) -> Any:
    """Run `work` on the app's event loop, where its pool lives (as every request does)."""
    return api.client.blocking_portal.call(work)


async def seed_board(api: Api, store_id: str, pickups: int) -> None:
    """`pickups` click-and-collect orders of two lines each, through the service; every fourth
    is being picked and every eighth is ready, so the board fills several columns."""
    service = api.services.service
    last = Position()
    for sku in SKUS:
        await service.receive_stock(store_id, sku, pickups, f"board-{store_id}", STAFF)
    for n in range(pickups):
        cart_id = (await service.start_cart(SHOPPER)).result.cart_id
        for sku in SKUS:
            await service.add_to_cart(cart_id, sku, 1, SHOPPER)
        placed = await service.checkout(
            cart_id, Fulfillment(FulfillmentMethod.PICKUP, store_id), SHOPPER, "tok"
        )
        pickup_id = as_uuid(placed.result.pickup_id)
        last = placed.position
        if n % 4 == 3:
            last = (await service.start_picking(pickup_id, "staff-bo", STAFF)).position
        if n % 8 == 7:
            last = (await service.mark_ready(pickup_id, f"S{n}", STAFF)).position
    projections = api.services.projections
    assert await projections.wait_for(last, 30, ["orders", "fulfillment_times"])


# asyncpg looks up a type it has not met yet on a connection (here `uuid[]`) once per
# connection, and the logger sees that too: a cost of the connection, not of the board.
ASYNCPG_INTROSPECTION = ("typeinfo_tree", "set_config('jit'")


class StatementLog:
    """Every statement the app runs on any connection of its pool, via asyncpg's query logger
    (asyncpg's own type look-ups left out)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, record: Any) -> None:
        if not any(mark in record.query for mark in ASYNCPG_INTROSPECTION):
            self.statements.append(record.query)

    async def attach(self, pool: asyncpg.Pool) -> None:
        await _on_every_connection(pool, lambda connection: connection.add_query_logger(self))

    async def detach(self, pool: asyncpg.Pool) -> None:
        await _on_every_connection(pool, lambda connection: connection.remove_query_logger(self))


async def _on_every_connection(
    pool: asyncpg.Pool, do: Callable[[asyncpg.Connection], None]
) -> None:
    """Hold every connection the pool can have at once, so `do` reaches each of them."""
    held = [await pool.acquire(timeout=10) for _ in range(pool.get_max_size())]
    for connection in held:
        do(connection)
    for connection in held:
        await pool.release(connection)


async def board_statements(api: Api, log: StatementLog, store_id: str) -> tuple[dict, list[str]]:
    staff = api.token(Role.STAFF, "staff-bo", store_id)
    log.statements.clear()
    board = (await api.data(BOARD, staff, store=store_id))["pickupBoard"]
    return board, list(log.statements)


async def test_a_board_of_200_pickups_costs_the_same_few_statements_as_a_board_of_one(
    api: Api,
) -> None:
    async def seed() -> None:
        await seed_board(api, "UTR-CENTRUM", 1)
        await seed_board(api, "AMS-CENTRAAL", 200)
        # The runners poll through the same pool: stop them so only the board's statements
        # are counted (the read models are complete, the query needs no projection running).
        await api.services.projections.stop()

    on_app(api, seed)
    log, pool = StatementLog(), api.services.database.pool
    on_app(api, lambda: log.attach(pool))
    try:
        small, small_statements = await board_statements(api, log, "UTR-CENTRUM")
        large, large_statements = await board_statements(api, log, "AMS-CENTRAAL")
    finally:
        on_app(api, lambda: log.detach(pool))

    cards = [card for column in COLUMNS[:3] for card in large[column]]
    assert len(cards) == 200
    assert (len(large["toPick"]), len(large["picking"]), len(large["ready"])) == (150, 25, 25)
    assert len({card["id"] for card in cards}) == 200
    for card in cards:
        order = card["order"]
        assert [line["sku"] for line in card["lines"]] == list(SKUS)
        assert [line["sku"] for line in order["lines"]] == list(SKUS)
        assert order["pickup"]["status"] == card["status"]
    assert [len(small[column]) for column in COLUMNS] == [1, 0, 0, 0, 0, 0]

    assert 0 < len(large_statements) < 10, large_statements
    assert len(large_statements) == len(small_statements), (small_statements, large_statements)
