"""The issue's reproductions against a real server process, over HTTP and a real WebSocket
client (graphql-transport-ws): each is refused with a clear error (never a 500, a bare
`complete` or a dropped socket), nothing is written, every read model keeps running, and
the next customer's cart still moves."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import websockets

from adapters.settings import Settings
from api.auth import Principal, Role, TokenService
from bench.harness.server_process import running_server
from tests.api.unharmed import assert_unharmed, committed_head

SECRET = "edge-secret-of-at-least-thirty-two-bytes"
BOARD = "subscription($store: String!) { pickupBoard(storeId: $store) { toPick { id: pickupId } } }"
RECEIVE = """mutation($reference: String!) { receiveStock(locationId: "AMS-CENTRAAL",
  sku: "LAVA-LAMP", quantity: 5, reference: $reference) { position } }"""


class Server:
    def __init__(self, base: str) -> None:
        self.base, self.http = base, httpx.AsyncClient(base_url=base, timeout=20)
        self.admin = TokenService(SECRET).mint(
            Principal(role=Role.ADMIN, subject="root", stores=(), expires_at=int(time.time()) + 600)
        )

    async def post(self, body: bytes) -> httpx.Response:
        return await self.http.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )

    async def over_websocket(self, payload: dict[str, Any] | str) -> list[dict[str, Any]]:
        """Subscribe with `payload` (a message's payload, or a whole raw message); the
        messages received until the operation ends, or the socket's close code."""
        url = self.base.replace("http", "ws") + "/graphql"
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {self.admin}"}}
            await ws.send(json.dumps(init))
            assert json.loads(await ws.recv())["type"] == "connection_ack"
            message = {"id": "1", "type": "subscribe", "payload": payload}
            await ws.send(payload if isinstance(payload, str) else json.dumps(message))
            received: list[dict[str, Any]] = []
            try:
                while not received or received[-1]["type"] not in ("error", "complete"):
                    received.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
            except websockets.ConnectionClosed as closed:
                received.append(
                    {"type": "closed", "code": closed.rcvd.code if closed.rcvd else None}
                )
            return received


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[Server]:
    overrides = {
        "OMNI_SECRET_KEY": SECRET,
        "OMNI_POLL_INTERVAL": "0.2",
        "OMNI_SEED_DEMO": "true",
        "OMNI_RUN_SCHEDULER": "false",  # nothing but the test writes
    }
    async with running_server(settings, os.environ, **overrides) as base:
        server = Server(base)
        yield server
        await server.http.aclose()


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


async def test_malformed_bodies_and_invalid_documents_over_http(server: Server) -> None:
    head = await committed_head(server.http)
    variables = b'{"query": "query($v: String!) { product(sku: $v) { sku } }", "variables": {"v": '
    for body in (
        b'{"query": "{ \xff\xfe }"}',
        variables + nested(1_000) + b"}}",
        variables + nested(100_000) + b"}}",
    ):
        response = await server.post(body)
        assert response.status_code == 400, (body[:40], response.text)
        [error] = response.json()["errors"]
        assert error["extensions"]["code"] == "BAD_REQUEST"
        assert error["extensions"]["requestId"] == response.headers["x-request-id"]

    document = json.dumps({"query": '{ product(sku:"LAVA-LAMP") { ...Nope } }'}).encode()
    response = await server.post(document)
    assert response.status_code == 200, response.text
    assert response.json()["errors"][0]["message"] == "Unknown fragment 'Nope'."

    nul = json.dumps({"query": '{ product(sku: "A\\u0000") { sku } }'}).encode()
    refused = (await server.post(nul)).json()["errors"]
    assert [e["extensions"]["code"] for e in refused] == ["INVALID_INPUT"], refused
    await assert_unharmed(server.http, head)


async def test_the_websocket_answers_an_error_for_what_it_refuses(server: Server) -> None:
    head = await committed_head(server.http)
    undefined = 'subscription { pickupBoard(storeId: "AMS-CENTRAAL") { ...Nope } }'

    [answer] = await server.over_websocket({"query": undefined})
    assert answer["type"] == "error", answer
    assert [e["message"] for e in answer["payload"]] == ["Unknown fragment 'Nope'."]

    for store in ("AMS-CENTRAAL\x00", "AMS-CENTRAAL\ud800"):  # json.dumps escapes both
        [answer] = await server.over_websocket({"query": BOARD, "variables": {"store": store}})
        assert answer["type"] == "error", answer
        assert [e["extensions"]["code"] for e in answer["payload"]] == ["INVALID_INPUT"]

    literal = 'subscription { pickupBoard(storeId: "AMS\\u0000") { toPick { id: pickupId } } }'
    [answer] = await server.over_websocket({"query": literal})
    assert answer["type"] == "error" and "NUL (U+0000)" in answer["payload"][0]["message"]

    next_, complete = await server.over_websocket(
        {"query": RECEIVE, "variables": {"reference": "delivery\x00"}}
    )
    assert (next_["type"], complete["type"]) == ("next", "complete")
    assert [e["extensions"]["code"] for e in next_["payload"]["errors"]] == ["INVALID_INPUT"]

    deep = '{"id": "1", "type": "subscribe", "payload": {"query": "subscription { x }", '
    deep += '"variables": {"v": ' + nested(100_000).decode() + "}}}"
    assert await server.over_websocket(deep) == [{"type": "closed", "code": 4400}]

    await assert_unharmed(server.http, head)
    await _a_cart_still_moves(server)


async def _a_cart_still_moves(server: Server) -> None:
    """After every refusal: a guest's add is applied and read back, not STALE_READ."""
    start = json.dumps({"query": "mutation { startCart { cartId cartToken } }"}).encode()
    started = (await server.post(start)).json()["data"]["startCart"]
    add = """mutation($cart: UUID!) { addToCart(cartId: $cart, sku: "DESK-FAN") { position } }"""
    added = await server.http.post(
        "/graphql",
        json={"query": add, "variables": {"cart": started["cartId"]}},
        headers={"authorization": f"Bearer {started['cartToken']}"},
    )
    position = added.json()["data"]["addToCart"]["position"]
    read = """query($cart: UUID!, $after: String) {
      cart(id: $cart, consistentWith: $after) { lines { sku quantity } } }"""
    cart = await server.http.post(
        "/graphql",
        json={"query": read, "variables": {"cart": started["cartId"], "after": position}},
        headers={"authorization": f"Bearer {started['cartToken']}"},
    )
    assert cart.json() == {"data": {"cart": {"lines": [{"sku": "DESK-FAN", "quantity": 1}]}}}
