"""Retries of one checkout with one idempotency key, sent at once through two real API
processes: every answer is the same order, none is CART_CLOSED, one order is placed."""

from __future__ import annotations

import asyncio
import os
from itertools import cycle
from typing import Any

import httpx
from eventsourcing.utils import get_topic

from adapters.postgres.database import Database
from adapters.settings import Settings
from api.auth import Role
from bench.harness.cluster import gql, running_cluster
from domain.order.model import Order
from tests.scale.test_two_api_processes import ADD, CHECKOUT

CARTS, RETRIES = 4, 12
COUNT = """mutation { countStock(locationId: "AMS-CENTRAAL", sku: "LAVA-LAMP", counted: 100,
  reason: "a delivery for the retries") { userErrors { code } } }"""


async def test_retries_of_one_checkout_through_two_processes_all_answer_its_order(
    settings: Settings,
) -> None:
    async with (
        running_cluster(settings, os.environ, apis=2, projection_workers=0) as cluster,
        httpx.AsyncClient(timeout=20) as http,
    ):
        apis = cycle(cluster.apis)

        async def cart_of(number: int) -> tuple[str, str]:
            token = cluster.token(Role.CUSTOMER, f"cust-retry-{number}")
            cart = await gql(http, cluster.apis[0], "mutation { startCart { cartId } }", token)
            cart_id = cart["startCart"]["cartId"]
            await gql(http, cluster.apis[0], ADD, token, cart=cart_id, sku="LAVA-LAMP", qty=1)
            return token, cart_id

        async def checkout(token: str, cart_id: str, base: str) -> dict[str, Any]:
            key = f"retry-of-{cart_id}"
            answer = await gql(http, base, CHECKOUT, token, cart=cart_id, key=key)
            return answer["checkout"]  # type: ignore[no-any-return]

        manager = cluster.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
        counted = await gql(http, cluster.apis[0], COUNT, manager)
        assert counted["countStock"]["userErrors"] == []
        carts = [await cart_of(number) for number in range(CARTS)]
        answers = await asyncio.gather(
            *(
                checkout(token, cart_id, next(apis))
                for token, cart_id in carts
                for _ in range(RETRIES)
            )
        )
        database = await Database.open(settings, schema=cluster.schema, pool_size=2)
        try:
            # From the table: read_all stops below the oldest open transaction on the server.
            placed = await database.pool.fetch(
                "SELECT stream_id FROM events WHERE topic = $1", get_topic(Order.Placed)
            )
        finally:
            await database.close()

    assert [a["userErrors"] for a in answers] == [[]] * (CARTS * RETRIES)
    for number in range(CARTS):
        mine = answers[number * RETRIES : (number + 1) * RETRIES]
        assert len({(a["orderId"], a["position"]) for a in mine}) == 1
    orders = {a["orderId"] for a in answers}
    assert len(orders) == CARTS
    assert sorted(str(row["stream_id"]) for row in placed) == sorted(orders)
