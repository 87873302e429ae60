"""The whole journey against a real server process, through HTTP and WebSocket only.

A guest fills a cart on the phone, signs in on the laptop where an older cart waits, checks
out for pickup at Amsterdam Centraal; staff watching the store's board see it arrive, pick
it and mark it ready; the customer sees the code; staff hand it over; stock and the
statistics show it; one item comes back through another store and its stock rises.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole, TokenService
from bench.harness.server_process import running_server
from tests.conftest import reading_from
from tests.store_clock import store_today

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-secret-of-at-least-thirty-two-bytes"


class Server:
    def __init__(self, base: str, tokens: TokenService) -> None:
        self.base, self.tokens = base, tokens
        self.http = httpx.AsyncClient(base_url=base, timeout=20)

    def token(self, role: Role, subject: str, *stores: str) -> str:
        return self.tokens.mint(
            Principal(
                role=role,
                subject=subject,
                stores=stores,
                expires_at=int(time.time() + 600),
                staff_role=StaffRole.PICKER if role is Role.STAFF else None,
            )
        )

    async def gql(
        self, query: str, token: str | None = None, device: str | None = None, **variables: Any
    ) -> dict:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        if device:
            headers["x-omni-device"] = device
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
async def server(
    settings: Settings, reads: str, request: pytest.FixtureRequest
) -> AsyncIterator[Server]:
    overrides = {"OMNI_SECRET_KEY": SECRET, "OMNI_POLL_INTERVAL": "0.2", "OMNI_SEED_DEMO": "true"}
    settings = reading_from(settings, reads, request)
    if settings.read_database_url is not None:  # a server on the replicated cluster
        overrides |= {
            "DATABASE_URL": settings.database_url or "",
            "OMNI_READ_DATABASE_URL": settings.read_database_url,
        }
    async with running_server(settings, os.environ, **overrides) as base:
        yield Server(base, TokenService(SECRET))


class BoardWatcher:
    """A staff client subscribed to a store's board over graphql-transport-ws."""

    QUERY = (
        "subscription($store: String!) { pickupBoard(storeId: $store) { "
        "toPick { id: pickupId } picking { id: pickupId } ready { id: pickupId shelfSpot } } }"
    )

    def __init__(self, base: str, token: str, store: str) -> None:
        self.url = base.replace("http", "ws") + "/graphql"
        self.token, self.store = token, store
        self.boards: asyncio.Queue[dict] = asyncio.Queue()

    async def run(self) -> None:
        async with websockets.connect(self.url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(
                json.dumps(
                    {
                        "type": "connection_init",
                        "payload": {"Authorization": f"Bearer {self.token}"},
                    }
                )
            )
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            await ws.send(
                json.dumps(
                    {
                        "id": "board",
                        "type": "subscribe",
                        "payload": {"query": self.QUERY, "variables": {"store": self.store}},
                    }
                )
            )
            async for raw in ws:
                message = json.loads(raw)
                assert message["type"] == "next", message
                await self.boards.put(message["payload"]["data"]["pickupBoard"])

    async def until(self, seen: Any) -> dict:
        while True:
            board = await asyncio.wait_for(self.boards.get(), 15)
            if seen(board):
                return board


CART = """query($id: UUID!, $after: String) {
  cart(id: $id, consistentWith: $after) { lines { sku quantity } } }"""
MY_CART = """query($after: String) { myCart(consistentWith: $after) { id: cartId itemCount
  lines { sku quantity } devices { channel deviceId } } }"""
ADD = """mutation($cart: UUID!, $sku: String!, $qty: Int!) {
  addToCart(cartId: $cart, sku: $sku, quantity: $qty) { position userErrors { code } } }"""
STOCK = """query($store: String!, $sku: String!, $after: String) {
  storeStock(locationId: $store, skus: [$sku], consistentWith: $after) {
    nodes { onHand reserved available } } }"""


@pytest.mark.read_your_writes
async def test_phone_laptop_store_and_back_through_another_store(server: Server) -> None:
    ada = server.token(Role.CUSTOMER, "cust-ada")
    picker = server.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    zuid_staff = server.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    admin = server.token(Role.ADMIN, "root")

    # An older cart on the laptop; then a guest cart on the phone with two items.
    older = (await server.gql("mutation { startCart { cartId } }", ada, "laptop"))["startCart"]
    await server.gql(ADD, ada, "laptop", cart=older["cartId"], sku="RETRO-CLOCK", qty=1)
    guest = await server.gql("mutation { startCart { cartId cartToken } }", None, "phone")
    guest_cart, guest_token = guest["startCart"]["cartId"], guest["startCart"]["cartToken"]
    await server.gql(ADD, guest_token, "phone", cart=guest_cart, sku="LAVA-LAMP", qty=1)
    added = await server.gql(ADD, guest_token, "phone", cart=guest_cart, sku="RETRO-CLOCK", qty=1)
    on_phone = await server.gql(
        CART, guest_token, id=guest_cart, after=added["addToCart"]["position"]
    )
    assert len(on_phone["cart"]["lines"]) == 2

    # Sign in on the laptop: the two carts merge.
    signed = await server.gql(
        """mutation($t: String!) { signIn(guestCartToken: $t) {
        cartId mergedFrom position userErrors { code } } }""",
        ada,
        "laptop",
        t=guest_token,
    )
    assert signed["signIn"]["mergedFrom"] == guest_cart
    merged = (await server.gql(MY_CART, ada, after=signed["signIn"]["position"]))["myCart"]
    assert merged["id"] == older["cartId"]
    assert {(line["sku"], line["quantity"]) for line in merged["lines"]} == {
        ("RETRO-CLOCK", 2),
        ("LAVA-LAMP", 1),
    }
    assert {d["deviceId"] for d in merged["devices"]} == {"laptop"}

    stock_before = await server.gql(STOCK, store="AMS-CENTRAAL", sku="RETRO-CLOCK")
    watcher = BoardWatcher(server.base, picker, "AMS-CENTRAAL")
    watching = asyncio.create_task(watcher.run())
    await watcher.until(lambda board: board["toPick"] == [])

    # Check out for pickup; the staff board shows it without asking.
    placed = (
        await server.gql(
            """mutation($cart: UUID!) { checkout(input: {cartId: $cart,
        method: PICKUP, locationId: "AMS-CENTRAAL", paymentToken: "tok-visa",
        idempotencyKey: "ada-checkout-1"}) { orderId pickupId position userErrors { code } } }""",
            ada,
            "laptop",
            cart=older["cartId"],
        )
    )["checkout"]
    assert placed["userErrors"] == []
    pickup_id, order_id = placed["pickupId"], placed["orderId"]
    await watcher.until(lambda board: [card["id"] for card in board["toPick"]] == [pickup_id])

    action = "mutation($id: UUID!) { %s(pickupId: $id%s) { status position userErrors { code } } }"
    await server.gql(action % ("startPicking", ""), picker, id=pickup_id)
    await watcher.until(lambda board: [card["id"] for card in board["picking"]] == [pickup_id])
    ready = (await server.gql(action % ("markReady", ', shelfSpot: "B3"'), picker, id=pickup_id))[
        "markReady"
    ]
    board = await watcher.until(lambda board: board["ready"] != [])
    assert board["ready"] == [{"id": pickup_id, "shelfSpot": "B3"}]
    watching.cancel()

    # The customer sees the code (staff never read it); staff hand over against it.
    order_query = """query($id: UUID!, $after: String) { order(id: $id, consistentWith: $after) {
        status pickup { status pickupCode shelfSpot } } }"""
    order = (await server.gql(order_query, ada, id=order_id, after=ready["position"]))["order"]
    code = order["pickup"]["pickupCode"]
    assert order["pickup"] == {"status": "READY", "pickupCode": code, "shelfSpot": "B3"}
    assert len(code) == 6
    as_staff = (await server.gql(order_query, picker, id=order_id))["order"]
    assert as_staff["pickup"]["pickupCode"] is None
    collected = (
        await server.gql(action % ("collectPickup", f', code: "{code}"'), picker, id=pickup_id)
    )["collectPickup"]
    assert collected["status"] == "COLLECTED"

    stock_after = await server.gql(
        STOCK, store="AMS-CENTRAAL", sku="RETRO-CLOCK", after=collected["position"]
    )
    [after], [before] = stock_after["storeStock"]["nodes"], stock_before["storeStock"]["nodes"]
    assert after["onHand"] == before["onHand"] - 2
    assert after["reserved"] == 0
    today = store_today().isoformat()
    stats = await server.gql(
        """query($day: Date!) { fulfillmentStats(storeId: "AMS-CENTRAAL",
        firstDay: $day, lastDay: $day) { nodes { pickups readyWithinPromise
        placedToReady { p50 } readyToCollected { p50 } placedToCollected { p50 }
        collected noShows shortPicks } } }""",
        admin,
        day=today,
    )
    [day] = stats["fulfillmentStats"]["nodes"]
    assert day["pickups"] == 1 and day["readyWithinPromise"] == 1.0
    assert day["placedToReady"]["p50"] >= 0 and day["readyToCollected"]["p50"] >= 0
    click_to_collect = day["placedToReady"]["p50"] + day["readyToCollected"]["p50"]
    assert day["placedToCollected"]["p50"] == pytest.approx(click_to_collect, abs=0.01)
    assert (day["collected"], day["noShows"], day["shortPicks"]) == (1, 0, 0)

    # One lava lamp comes back through Amsterdam Zuid and goes on its shelf.
    zuid_before = await server.gql(STOCK, store="AMS-ZUID", sku="LAVA-LAMP")
    returned = (
        await server.gql(
            """mutation($order: UUID!) { requestReturn(orderId: $order,
        lines: [{sku: "LAVA-LAMP", quantity: 1}], reason: "wrong colour", via: STORE) {
        returnId userErrors { code } } }""",
            ada,
            order=order_id,
        )
    )["requestReturn"]
    return_id = returned["returnId"]
    step = "mutation($id: UUID!) { %s(returnId: $id%s) { status position userErrors { code } } }"
    await server.gql(step % ("receiveReturn", ', locationId: "AMS-ZUID"'), zuid_staff, id=return_id)
    await server.gql(
        step % ("inspectReturn", ', results: [{sku: "LAVA-LAMP", resellable: 1, damaged: 0}]'),
        zuid_staff,
        id=return_id,
    )
    await server.gql(step % ("refundReturn", ""), zuid_staff, id=return_id)
    restocked = (await server.gql(step % ("restockReturn", ""), zuid_staff, id=return_id))[
        "restockReturn"
    ]
    assert restocked["userErrors"] == []
    zuid_after = await server.gql(
        STOCK, store="AMS-ZUID", sku="LAVA-LAMP", after=restocked["position"]
    )
    zuid_on_hand = [level["onHand"] for level in zuid_after["storeStock"]["nodes"]]
    assert zuid_on_hand == [zuid_before["storeStock"]["nodes"][0]["onHand"] + 1]


async def subscribe(base: str, token: str, query: str, out: asyncio.Queue) -> None:  # type: ignore[type-arg]
    url = base.replace("http", "ws") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        async for raw in ws:
            await out.put(json.loads(raw)["payload"]["data"])


@pytest.mark.read_your_writes
async def test_another_device_sees_a_cart_change_as_it_happens(server: Server) -> None:
    ada = server.token(Role.CUSTOMER, "cust-ada")
    cart = (await server.gql("mutation { startCart { cartId } }", ada, "phone"))["startCart"]
    updates: asyncio.Queue[dict] = asyncio.Queue()
    laptop = asyncio.create_task(
        subscribe(server.base, ada, "subscription { myCart { itemCount lines { sku } } }", updates)
    )
    await asyncio.wait_for(updates.get(), 15)  # the current state, whatever it is yet

    await server.gql(ADD, ada, "phone", cart=cart["cartId"], sku="HEADPHONES", qty=1)

    async def until_headphones() -> dict:
        while True:
            update = await updates.get()
            if update["myCart"] and update["myCart"]["lines"]:
                return update  # type: ignore[no-any-return]

    changed = await asyncio.wait_for(until_headphones(), 15)
    laptop.cancel()
    assert changed["myCart"] == {"itemCount": 1, "lines": [{"sku": "HEADPHONES"}]}


async def test_a_customer_cannot_watch_a_stores_board(server: Server) -> None:
    customer = server.token(Role.CUSTOMER, "cust-ada")
    url = server.base.replace("http", "ws") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(
            json.dumps(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {customer}"}}
            )
        )
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {
                        "query": 'subscription { pickupBoard(storeId: "AMS-CENTRAAL") '
                        "{ toPick { id: pickupId } } }"
                    },
                }
            )
        )
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
    # Refused inside the resolver: one result carrying the error, and no board.
    assert message["type"] == "next"
    assert message["payload"]["data"] is None
    assert "customer may not do this" in message["payload"]["errors"][0]["message"]
