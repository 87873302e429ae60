"""Issue 19, items 3 and 4, against a real server process over HTTP: the channel a client
declares (and the header it may no longer send), a guest's and a customer's startCart, the
order the customer's app shows, expected versions read from the schema, coordinates off the
globe, a missing device id, and an abandoned cart recovered with its stock re-checked."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from adapters.settings import Settings
from api.auth import Principal, Role, TokenService
from bench.harness.server_process import running_server
from domain.values import Channel

SECRET = "semantics-secret-of-at-least-32-bytes"
ADD = """mutation($cart: UUID!, $sku: String!, $n: Int!, $device: String) {
  addToCart(cartId: $cart, sku: $sku, quantity: $n, deviceId: $device) {
    position userErrors { code } } }"""
START = """mutation($device: String) { startCart(deviceId: $device) { cartId outcome
  cart { channel lines { sku quantity } } } }"""
PLACE = """mutation($input: CheckoutInput!) { checkout(input: $input) {
  orderId pickupId position userErrors { code } } }"""
SEEN = """query($after: String) { myCart(consistentWith: $after) { streamId version
  devices { deviceId } } storeStock(locationId: "AMS-CENTRAAL",
  skus: ["RETRO-CLOCK", "VINYL-PLAYER"], consistentWith: $after) { nodes { streamId version } } }"""
ORDER = """query($id: UUID!, $after: String) { order(id: $id, consistentWith: $after) {
  orderNumber channel pickup { status storeName readyAt collectBy pickupCode } } }"""
COUNT = """mutation($at: String!, $sku: String!, $n: Int!) { countStock(locationId: $at, sku: $sku,
  counted: $n, reason: "cycle count") { userErrors { code } } }"""
RECOVER = """mutation($cart: UUID!) { recoverCart(cartId: $cart, locationId: "AMS-CENTRAAL") {
  userErrors { code } changes { sku change oldQuantity newQuantity availableAt } } }"""


class Client:
    def __init__(self, base: str) -> None:
        self.http = httpx.AsyncClient(base_url=base, timeout=20)
        self.tokens = TokenService(SECRET)

    def token(self, role: Role, subject: str, *stores: str, channel: Channel | None = None) -> str:
        expires = int(time.time() + 600)
        principal = Principal(
            role=role, subject=subject, stores=stores, expires_at=expires, channel=channel
        )
        return self.tokens.mint(principal)

    async def body(
        self, query: str, token: str | None = None, headers: dict | None = None, **variables: Any
    ) -> dict:
        sent = {**(headers or {}), **({"authorization": f"Bearer {token}"} if token else {})}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=sent
        )
        return response.json()  # type: ignore[no-any-return]

    async def data(self, query: str, token: str | None = None, **variables: Any) -> dict:
        body = await self.body(query, token, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    overrides = {"OMNI_SECRET_KEY": SECRET, "OMNI_POLL_INTERVAL": "0.2", "OMNI_SEED_DEMO": "true"}
    async with running_server(settings, os.environ, **overrides) as base:
        yield Client(base)


@pytest.fixture
async def month_later(settings: Settings) -> AsyncIterator[Client]:
    """A server on a simulation's clock (an admin may skip it), its rules fired often."""
    overrides = {
        "OMNI_SECRET_KEY": SECRET,
        "OMNI_POLL_INTERVAL": "0.2",
        "OMNI_SEED_DEMO": "true",
        "OMNI_CLOCK_START": datetime.now(UTC).isoformat(),
        "OMNI_SCHEDULER_INTERVAL": "0.2",
    }
    async with running_server(settings, os.environ, **overrides) as base:
        yield Client(base)


async def test_the_shop_front_declares_its_channel_and_is_told_what_happened(
    client: Client,
) -> None:
    guest = await client.body(
        'mutation { startCart(channel: MOBILE, deviceId: "ada-phone") { cart { channel } } }'
    )
    header = await client.body(START, headers={"x-omni-channel": "mobile"})
    off_the_globe = await client.body(
        '{ availability(sku: "LAVA-LAMP", latitude: 123, longitude: 4.9) { nodes { name } } }'
    )
    assert guest == {"data": {"startCart": {"cart": {"channel": "MOBILE"}}}}
    assert header["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert off_the_globe["errors"][0]["extensions"] == {
        "code": "INVALID_INPUT",
        "retryable": False,
        "field": "latitude",
    }

    phone = client.token(Role.CUSTOMER, "cust-ada", channel=Channel.MOBILE)
    laptop = client.token(Role.CUSTOMER, "cust-ada", channel=Channel.WEB)
    first = (await client.data(START, phone, device="ada-phone"))["startCart"]
    cart = first["cartId"]
    await client.data(ADD, phone, cart=cart, sku="VINYL-PLAYER", n=2, device="ada-phone")
    await client.data(ADD, phone, cart=cart, sku="RETRO-CLOCK", n=1)  # no device id
    pickup = {"cartId": cart, "method": "PICKUP", "locationId": "AMS-CENTRAAL"}
    short = (await client.data(PLACE, laptop, input=pickup))["checkout"]["userErrors"]
    resumed = (await client.data(START, laptop, device="ada-laptop"))["startCart"]

    assert (first["outcome"], first["cart"]["channel"]) == ("STARTED", "MOBILE")
    assert short == [{"code": "OUT_OF_STOCK"}]
    assert (resumed["cartId"], resumed["outcome"]) == (cart, "RESUMED")
    assert resumed["cart"]["lines"] == [
        {"sku": "VINYL-PLAYER", "quantity": 2},
        {"sku": "RETRO-CLOCK", "quantity": 1},
    ]

    fewer = 'mutation($c: UUID!) { changeCartQuantity(cartId: $c, sku: "VINYL-PLAYER", '
    fewer += 'quantity: 1, deviceId: "ada-laptop") { position } }'
    changed = (await client.data(fewer, laptop, c=cart))["changeCartQuantity"]
    seen = await client.data(SEEN, laptop, after=changed["position"])
    streams = [seen["myCart"], *seen["storeStock"]["nodes"]]
    expected = [{"streamId": s["streamId"], "version": s["version"]} for s in streams]
    placed = await client.data(PLACE, laptop, input={**pickup, "expectedVersions": expected})

    assert placed["checkout"]["userErrors"] == [] and len(expected) == 3
    assert {d["deviceId"] for d in seen["myCart"]["devices"]} == {"ada-phone", "ada-laptop", None}
    await _ready_and_seen(client, laptop, placed["checkout"])


async def _ready_and_seen(client: Client, customer: str, placed: dict) -> None:
    staff = client.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    act = "mutation($id: UUID!) { %s(pickupId: $id%s) { position } }"
    await client.data(act % ("startPicking", ""), staff, id=placed["pickupId"])
    ready = await client.data(
        act % ("markReady", ', shelfSpot: "C3"'), staff, id=placed["pickupId"]
    )
    order = await client.data(
        ORDER, customer, id=placed["orderId"], after=ready["markReady"]["position"]
    )
    card = await client.data("query($id: UUID!) { pickup(id: $id) { orderNumber } }", staff,
                             id=placed["pickupId"])  # fmt: skip

    shown = order["order"]
    assert shown["orderNumber"] == card["pickup"]["orderNumber"] == placed["orderId"][:8].upper()
    assert shown["channel"] == "MOBILE"  # where the cart was started
    pickup = shown["pickup"]
    assert (pickup["status"], pickup["storeName"]) == ("READY", "Amsterdam Centraal")
    assert pickup["readyAt"] < pickup["collectBy"] and len(pickup["pickupCode"]) == 6


async def test_a_cart_left_a_month_comes_back_with_its_stock_rechecked(
    month_later: Client,
) -> None:
    client = month_later
    grace = client.token(Role.CUSTOMER, "cust-grace", channel=Channel.WEB)
    admin = client.token(Role.ADMIN, "head-office")
    cart = (await client.data(START, grace, device="grace-laptop"))["startCart"]["cartId"]
    for sku, units in (("WOOL-SCARF", 3), ("HEADPHONES", 1), ("LAVA-LAMP", 2)):
        await client.data(ADD, grace, cart=cart, sku=sku, n=units, device="grace-laptop")
    for location in ("AMS-CENTRAAL", "AMS-ZUID", "UTR-CENTRUM", "WH-NL"):
        scarves = 1 if location == "UTR-CENTRUM" else 0  # one left in the chain
        counts = (("WOOL-SCARF", scarves), ("HEADPHONES", 0))  # none anywhere
        counts += (("LAVA-LAMP", 0),) if location == "AMS-CENTRAAL" else ()
        for sku, units in counts:
            counted = await client.data(COUNT, admin, at=location, sku=sku, n=units)
            assert counted["countStock"]["userErrors"] == []
    later = (datetime.now(UTC) + timedelta(days=31)).isoformat()
    skipped = "mutation($to: DateTime!) { skipClock(to: $to) { userErrors { code } } }"
    assert (await client.data(skipped, admin, to=later))["skipClock"]["userErrors"] == []
    await _until_recoverable(client, grace, cart)

    recovered = (await client.data(RECOVER, grace, cart=cart))["recoverCart"]

    assert recovered["userErrors"] == []
    assert recovered["changes"] == [
        {"sku": "WOOL-SCARF", "change": "REDUCED", "oldQuantity": 3, "newQuantity": 1,
         "availableAt": ["UTR-CENTRUM"]},
        {"sku": "HEADPHONES", "change": "UNAVAILABLE", "oldQuantity": 1, "newQuantity": 0,
         "availableAt": []},
        {"sku": "LAVA-LAMP", "change": "ONLY_ELSEWHERE", "oldQuantity": 2, "newQuantity": 2,
         "availableAt": ["AMS-ZUID", "UTR-CENTRUM", "WH-NL"]},
    ]  # fmt: skip


async def _until_recoverable(client: Client, token: str, cart: str) -> None:
    query = "{ me { recoverableCarts { nodes { cartId } } } }"
    for _ in range(150):
        nodes = (await client.data(query, token))["me"]["recoverableCarts"]["nodes"]
        if {"cartId": cart} in nodes:
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the idle cart was not given up by the rule")
