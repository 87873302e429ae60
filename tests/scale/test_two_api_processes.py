"""Two API processes (OMNI_RUN_PROJECTIONS=false) and two `omni projections run` workers on one
database schema, all real processes over HTTP and WebSocket: a stock race through both, a push
across processes, read-your-writes across processes, and a projection worker killed with
SIGKILL while writes flow, after which every read model equals a full rebuild, row for row."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from itertools import cycle
from typing import Any

import httpx
import pytest

from adapters.postgres.database import Database
from adapters.postgres.lease import lease_holder
from adapters.settings import Settings
from api.auth import Role
from bench.harness.cluster import Cluster, gql, running_cluster, subscribe
from domain.ports import Position
from projections.catalog import all_projections
from projections.rebuild import rebuild
from projections.tracking import wait_for_checkpoint

STORE, SKU = "AMS-CENTRAAL", "LAVA-LAMP"
LAST_UNITS, CUSTOMERS = 10, 50
CATCH_UP_SECONDS = 30

ADD = """mutation($cart: UUID!, $sku: String!, $qty: Int!) {
  addToCart(cartId: $cart, sku: $sku, quantity: $qty) { position userErrors { code message } } }"""
CHECKOUT = """mutation($cart: UUID!, $key: String!) { checkout(input: {cartId: $cart,
  method: PICKUP, locationId: "AMS-CENTRAAL", paymentToken: "tok-visa", idempotencyKey: $key})
  { orderId position userErrors { code message } } }"""
STOCK = """query($store: String!, $sku: String!, $after: String) {
  storeStock(locationId: $store, skus: [$sku], consistentWith: $after) {
    nodes { onHand reserved available } } }"""
CART = """query($id: UUID!, $after: String) {
  cart(id: $id, consistentWith: $after) { lines { sku quantity } } }"""


@pytest.fixture(scope="module")
async def cluster(settings: Settings) -> AsyncIterator[Cluster]:
    async with running_cluster(settings, os.environ, apis=2, projection_workers=2) as cluster:
        yield cluster


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=20) as client:
        yield client


async def test_fifty_customers_through_both_processes_get_exactly_the_last_ten_units(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    manager = cluster.token(Role.STAFF, "staff-bo", STORE)
    a, b = cluster.apis
    counted = await gql(
        http,
        a,
        """mutation($store: String!, $sku: String!, $n: Int!) { countStock(locationId: $store,
        sku: $sku, counted: $n, reason: "the last units") { position userErrors { code } } }""",
        manager,
        store=STORE,
        sku=SKU,
        n=LAST_UNITS,
    )
    assert counted["countStock"]["userErrors"] == []

    async def customer(number: int, base: str) -> dict[str, Any]:
        token = cluster.token(Role.CUSTOMER, f"cust-race-{number}")
        cart = (await gql(http, base, "mutation { startCart { cartId } }", token))["startCart"]
        await gql(http, base, ADD, token, cart=cart["cartId"], sku=SKU, qty=1)
        placed = await gql(
            http, base, CHECKOUT, token, cart=cart["cartId"], key=f"race-checkout-{number}"
        )
        return placed["checkout"]  # type: ignore[no-any-return]

    results = await asyncio.gather(
        *(customer(n, base) for n, base in zip(range(CUSTOMERS), cycle(cluster.apis)))
    )
    placed = [r for r in results if r["orderId"] is not None]
    refused = [r for r in results if r["orderId"] is None]
    assert len(placed) == LAST_UNITS
    assert all(r["userErrors"] for r in refused) and len(refused) == CUSTOMERS - LAST_UNITS
    latest = max((r["position"] for r in placed), key=Position.parse)
    stock = await gql(http, b, STOCK, store=STORE, sku=SKU, after=latest)
    assert stock["storeStock"]["nodes"] == [
        {"onHand": LAST_UNITS, "reserved": LAST_UNITS, "available": 0}
    ]


async def test_a_subscription_on_one_process_receives_a_change_made_through_the_other(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    a, b = cluster.apis
    ada = cluster.token(Role.CUSTOMER, "cust-push")
    cart = (await gql(http, a, "mutation { startCart { cartId } }", ada))["startCart"]["cartId"]
    updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    on_b = asyncio.create_task(
        subscribe(b, ada, "subscription { myCart { id: cartId lines { sku quantity } } }", updates)
    )
    try:
        await asyncio.wait_for(updates.get(), 15)  # the current state, whatever it is yet
        await gql(http, a, ADD, ada, cart=cart, sku="HEADPHONES", qty=2)
        while True:
            update = (await asyncio.wait_for(updates.get(), 15))["myCart"]
            if update and update["lines"]:
                break
    finally:
        on_b.cancel()
    assert update == {"id": cart, "lines": [{"sku": "HEADPHONES", "quantity": 2}]}


async def test_a_read_on_one_process_with_the_position_of_a_write_on_the_other_sees_it(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    a, b = cluster.apis
    for attempt in range(5):  # several, so one lucky timing cannot pass it
        ben = cluster.token(Role.CUSTOMER, f"cust-ryw-{attempt}")  # a new current cart each
        cart = (await gql(http, a, "mutation { startCart { cartId } }", ben))["startCart"]
        added = await gql(
            http, a, ADD, ben, cart=cart["cartId"], sku="RETRO-CLOCK", qty=attempt + 1
        )
        after = added["addToCart"]["position"]
        seen = await gql(http, b, CART, ben, id=cart["cartId"], after=after)
        assert seen["cart"]["lines"] == [{"sku": "RETRO-CLOCK", "quantity": attempt + 1}]


async def test_a_projection_worker_killed_mid_batch_is_taken_over_and_matches_a_rebuild(
    cluster: Cluster, http: httpx.AsyncClient, settings: Settings
) -> None:
    names = [p.name for p in all_projections()]
    database = await Database.open(settings, schema=cluster.schema, pool_size=4)
    try:
        holders = {name: await lease_holder(database.pool, name) for name in names}
        assert None not in holders.values(), holders  # the first worker holds every lease
        writing = asyncio.Event()
        writers = [asyncio.create_task(_write_carts(cluster, http, n, writing)) for n in range(4)]
        try:
            await asyncio.wait_for(writing.wait(), 15)
            await asyncio.sleep(0.5)  # batches in flight
            cluster.projection_workers[0].send_signal(signal.SIGKILL)
            await asyncio.wait_for(cluster.projection_workers[0].wait(), 10)
            killed_at = await database.store.last_position()
            await asyncio.sleep(1.0)  # writes go on while the other takes over
        finally:
            for writer in writers:
                writer.cancel()
            await asyncio.gather(*writers, return_exceptions=True)
        head = await database.store.last_position()
        assert head > killed_at, "the kill must land while events flow"
        for name in names:
            assert await wait_for_checkpoint(database.pool, name, head, CATCH_UP_SECONDS), name
        taken_over = {name: await lease_holder(database.pool, name) for name in names}
        assert all(taken_over[n] not in (None, holders[n]) for n in names), taken_over
        compared = 0
        for projection in all_projections():
            live = await _rows(database, projection.tables)
            await rebuild(database.store, projection)
            assert await _rows(database, projection.tables) == live, projection.name
            compared += sum(len(rows) for rows in live.values())
        assert compared > 0
    finally:
        await database.close()


async def _write_carts(
    cluster: Cluster, http: httpx.AsyncClient, number: int, writing: asyncio.Event
) -> None:
    """Carts filled through both API processes until cancelled."""
    token = cluster.token(Role.CUSTOMER, f"cust-writer-{number}")
    skus = cycle(["RETRO-CLOCK", "DESK-FAN", "TEA-KETTLE"])
    for base in cycle(cluster.apis):
        cart = (await gql(http, base, "mutation { startCart { cartId } }", token))["startCart"]
        for _ in range(3):
            await gql(http, base, ADD, token, cart=cart["cartId"], sku=next(skus), qty=1)
            writing.set()


async def _rows(database: Database, tables: tuple[str, ...]) -> dict[str, list[str]]:
    """Every row of every table, in a stable order."""
    rows = {}
    for table in tables:
        records = await database.pool.fetch(f"SELECT * FROM {table}")
        rows[table] = sorted(repr(tuple(record)) for record in records)
    return rows
