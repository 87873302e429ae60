"""Retries of one checkout that race each other, on PostgreSQL: every one answers the order
the first placed, none answers the refusal that the first's success causes (CART_CLOSED)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from uuid import UUID

from eventsourcing.utils import get_topic

from adapters.postgres.database import Database
from adapters.postgres.store import PostgresEventStore
from adapters.settings import Settings
from domain.order.model import Fulfillment, FulfillmentMethod, Order
from domain.ports import AppendResult
from domain.service import CommerceService
from domain.stock.model import StockItem
from domain.usecases.checkout import order_id_for
from domain.values import stock_item_id
from tests.shop import STAFF, ctx, make_service

PICKUP = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
CARTS, RETRIES = 6, 12


async def lamp_cart(service: CommerceService, lamps: int = 1) -> UUID:
    cart_id = (await service.start_cart(ctx())).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", lamps, ctx())
    return cart_id


def retries_of(service: CommerceService, cart_id: UUID, key: str) -> list[Awaitable[object]]:
    return [
        service.checkout(cart_id, PICKUP, ctx(), payment_token="tok-visa", idempotency_key=key)
        for _ in range(RETRIES)
    ]


async def orders_placed(database: Database) -> list[UUID]:
    # Every committed order, straight from the table: read_all stops below the oldest open
    # transaction on the server, which on a shared server may be anybody's.
    rows = await database.pool.fetch(
        "SELECT stream_id FROM events WHERE topic = $1", get_topic(Order.Placed)
    )
    return [row["stream_id"] for row in rows]


async def test_concurrent_retries_of_one_checkout_all_answer_the_same_order(
    database: Database, settings: Settings
) -> None:
    # Two services, each with its own pool and its own cache of saved states: two processes.
    second = await Database.open(settings, schema=database.schema, pool_size=20)
    try:
        services = [make_service(database.store), make_service(second.store)]
        await services[0].receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 100, "delivery", STAFF)
        carts = [await lamp_cart(services[0]) for _ in range(CARTS)]

        answers = await asyncio.gather(
            *(
                retry
                for number, cart_id in enumerate(carts)
                for service in services
                for retry in retries_of(service, cart_id, f"lamp-checkout-{number}")
            ),
            return_exceptions=True,
        )
    finally:
        await second.close()

    refusals = [answer for answer in answers if isinstance(answer, BaseException)]
    assert refusals == []
    per_cart = 2 * RETRIES
    for number, cart_id in enumerate(carts):
        mine = answers[number * per_cart : (number + 1) * per_cart]
        assert {done.result.order_id for done in mine} == {order_id_for(cart_id)}  # type: ignore[attr-defined]
        assert sum(not done.replayed for done in mine) == 1  # type: ignore[attr-defined]
    assert sorted(await orders_placed(database)) == sorted(order_id_for(c) for c in carts)
    lamps = await services[0].repository.get(stock_item_id("AMS-CENTRAAL", "LAVA-LAMP"), StockItem)
    assert (lamps.on_hand, lamps.reserved) == (100, CARTS)


class FirstRequestCommitsAfterTheLookUp(PostgresEventStore):
    """A real store whose next look-up of a key misses, and the racing first request then
    commits before this one reads anything: the interleaving that answered CART_CLOSED."""

    first_request: Callable[[], Awaitable[object]] | None = None

    async def outcome_of(self, idempotency_key: str) -> AppendResult | None:
        found = await super().outcome_of(idempotency_key)
        first, self.first_request = self.first_request, None
        if first is not None:
            await first()
        return found


async def test_a_retry_refused_because_the_first_closed_the_cart_answers_its_order(
    database: Database,
) -> None:
    first = make_service(database.store)
    await first.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 5, "delivery", STAFF)
    cart_id = await lamp_cart(first, lamps=2)
    racing = FirstRequestCommitsAfterTheLookUp(database.pool, layout=database.store.layout)
    retry = make_service(racing)
    placed: list[object] = []

    async def first_checkout() -> None:
        placed.append(
            await first.checkout(
                cart_id, PICKUP, ctx(), payment_token="tok-visa", idempotency_key="k-1"
            )
        )

    racing.first_request = first_checkout
    answered = await retry.checkout(
        cart_id, PICKUP, ctx(), payment_token="tok-visa", idempotency_key="k-1"
    )

    [done] = placed
    assert answered.replayed and answered.result == done.result  # type: ignore[attr-defined]
    assert answered.position == done.position  # type: ignore[attr-defined]
    order = await first.repository.get(order_id_for(cart_id), Order)
    assert order.version == 2  # placed and paid, once
    lamps = await first.repository.get(stock_item_id("AMS-CENTRAAL", "LAVA-LAMP"), StockItem)
    assert lamps.reserved == 2
