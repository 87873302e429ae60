"""A cart mutation answers the cart from the state its use case has just decided on and saved
(issue 19, item 5), not by waiting for the read model: field for field what a later
`cart(id:, consistentWith: position)` query answers; never a state older than the write."""

from __future__ import annotations

import asyncio
from itertools import pairwise
from typing import Any

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_mutations import PICKUP_ACTION, code_for_customer, guest_pickup
from tests.api.test_pickup_board_queries import on_app

CART = """id: cartId customerId status channel itemCount orderId mergedInto lastActivityAt version
  streamId tillCode total { amount currency }
  lines { sku quantity unitPrice { amount currency } subtotal { amount currency } }"""
DEVICES = "devices { channel deviceId firstAt lastAt touches }"
START = 'mutation { startCart(deviceId: "phone") { cartId cartToken position cart { %s } } }'
ADD = """mutation($cart: UUID!, $sku: String!, $qty: Int!) {
  addToCart(cartId: $cart, sku: $sku, quantity: $qty, deviceId: "phone") {
    position userErrors { code } cart { %s } } }"""
CHANGE = """mutation($cart: UUID!, $sku: String!, $qty: Int!) {
  changeCartQuantity(cartId: $cart, sku: $sku, quantity: $qty, deviceId: "phone") {
    position userErrors { code } cart { %s } } }"""
REMOVE = """mutation($cart: UUID!, $sku: String!) {
  removeFromCart(cartId: $cart, sku: $sku, deviceId: "laptop") {
    position userErrors { code } cart { %s } } }"""
SIGN_IN = """mutation($guest: String!) { signIn(guestCartToken: $guest, deviceId: "laptop") {
  cartId position userErrors { code } cart { %s } } }"""
READ = "query($id: UUID!, $at: String) { cart(id: $id, consistentWith: $at) { %s } }"
EVERYTHING = f"{CART} {DEVICES}"


async def answered_then_read(
    api: Api, token: str, mutation: str, name: str, **variables: Any
) -> tuple[dict, dict]:
    """The mutation's payload, and the cart read afterwards at the payload's position."""
    payload = (await api.data(mutation % EVERYTHING, token, **variables))[name]
    assert payload.get("userErrors", []) == [], payload
    cart_id = payload["cart"]["id"]
    read = await api.gql(READ % EVERYTHING, token, id=cart_id, at=payload["position"])
    assert "errors" not in read and "extensions" not in read, read  # not a stale read
    return payload["cart"], read["data"]["cart"]


def assert_same_fields(payload: dict, read: dict) -> None:
    assert payload.keys() == read.keys()
    for field, value in read.items():
        assert payload[field] == value, (field, payload[field], value)


async def test_every_cart_change_answers_what_a_later_read_at_its_position_shows(
    api: Api,
) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    started, read = await answered_then_read(api, ada, START, "startCart")
    assert_same_fields(started, read)
    cart = started["id"]
    steps = [
        (ADD, "addToCart", {"sku": "LAVA-LAMP", "qty": 2}),
        (ADD, "addToCart", {"sku": "RETRO-CLOCK", "qty": 1}),
        (ADD, "addToCart", {"sku": "LAVA-LAMP", "qty": 1}),  # the same line, again
        (ADD, "addToCart", {"sku": "DESK-FAN", "qty": 3}),
        (CHANGE, "changeCartQuantity", {"sku": "RETRO-CLOCK", "qty": 4}),
        (REMOVE, "removeFromCart", {"sku": "LAVA-LAMP"}),
        (ADD, "addToCart", {"sku": "LAVA-LAMP", "qty": 1}),  # back, at the end
        (CHANGE, "changeCartQuantity", {"sku": "DESK-FAN", "qty": 0}),  # zero removes
    ]
    versions = []
    for mutation, name, variables in steps:
        payload, read = await answered_then_read(api, ada, mutation, name, cart=cart, **variables)
        assert_same_fields(payload, read)
        versions.append(payload["version"])
    assert versions == sorted(set(versions))  # every answer a newer state
    assert [(line["sku"], line["quantity"]) for line in payload["lines"]] == [
        ("RETRO-CLOCK", 4),
        ("LAVA-LAMP", 1),
    ]
    assert payload["total"]["amount"] == read["total"]["amount"] != "0.00"
    assert {device["deviceId"] for device in payload["devices"]} == {"phone", "laptop"}


async def test_a_sign_in_merge_answers_the_merged_cart_as_the_read_model_will_order_it(
    api: Api,
) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    mine = (await api.data(START % "id", ada))["startCart"]["cartId"]
    await api.data(ADD % "id", ada, cart=mine, sku="RETRO-CLOCK", qty=1)
    guest = (await api.data(START % "id"))["startCart"]
    held = guest["cartToken"]
    # Added in an order that is not the SKUs' order: the merge adds them in one event.
    for sku in ("VINYL-PLAYER", "CANVAS-TOTE", "RETRO-CLOCK", "BIKE-LIGHT"):
        added = await api.data(ADD % "id", held, cart=guest["cartId"], sku=sku, qty=1)
        assert added["addToCart"]["userErrors"] == []

    merged, read = await answered_then_read(api, ada, SIGN_IN, "signIn", guest=held)

    assert merged["id"] == mine
    assert_same_fields(merged, read)
    assert [line["sku"] for line in merged["lines"]] == [
        "RETRO-CLOCK",
        "BIKE-LIGHT",
        "CANVAS-TOTE",
        "VINYL-PLAYER",
    ]


async def test_the_answer_does_not_wait_for_the_read_model(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    cart = (await api.data(START % "id", ada))["startCart"]["cartId"]
    api.settled()
    on_app(api, api.services.projections.stop)  # the read model will not move from here

    body = await api.gql(ADD % CART, ada, cart=cart, sku="LAVA-LAMP", qty=2)

    assert "extensions" not in body, body  # nothing answered stale
    added = body["data"]["addToCart"]["cart"]
    assert [(line["sku"], line["quantity"]) for line in added["lines"]] == [("LAVA-LAMP", 2)]
    assert added["itemCount"] == 2
    read = (await api.data(READ % CART, ada, id=cart, at=None))["cart"]
    assert read["lines"] == []  # the read model still shows the cart before the add
    assert read["version"] == added["version"] - 1


async def test_concurrent_adds_each_answer_the_state_their_own_write_made(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    cart = (await api.data(START % "id", ada))["startCart"]["cartId"]
    skus = ["LAVA-LAMP", "RETRO-CLOCK", "DESK-FAN", "TEA-KETTLE", "BIKE-LIGHT", "WOOL-SCARF"]

    bodies = await asyncio.gather(
        *(api.data(ADD % CART, ada, cart=cart, sku=sku, qty=1) for sku in skus)
    )

    answers = sorted((body["addToCart"]["cart"] for body in bodies), key=lambda c: c["version"])
    assert len({answer["version"] for answer in answers}) == len(skus)  # one write each
    for sku, body in zip(skus, bodies, strict=True):
        own = body["addToCart"]["cart"]
        assert sku in [line["sku"] for line in own["lines"]]  # never a state before its write
        read = await api.data(READ % CART, ada, id=cart, at=body["addToCart"]["position"])
        assert read["cart"]["version"] >= own["version"]
    for earlier, later in pairwise(answers):
        # each answer is the previous one plus one line: the states follow each other
        assert [line["sku"] for line in later["lines"]][:-1] == [
            line["sku"] for line in earlier["lines"]
        ]
    api.settled()
    final = (await api.data(READ % CART, ada, id=cart, at=None))["cart"]
    assert_same_fields(answers[-1], final)


async def test_a_refused_change_answers_no_cart_and_changes_nothing(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    cart = (await api.data(START % "id", ada))["startCart"]["cartId"]
    before = await api.event_count()

    body = await api.data(ADD % CART, ada, cart=cart, sku="LAVA-LAMP", qty=0)

    assert [e["code"] for e in body["addToCart"]["userErrors"]] == ["INVALID_QUANTITY"]
    assert body["addToCart"]["cart"] is None
    assert await api.event_count() == before


async def test_another_shopper_can_neither_change_the_cart_nor_read_it_in_the_answer(
    api: Api,
) -> None:
    ada, bob = api.token(Role.CUSTOMER, "cust-ada"), api.token(Role.CUSTOMER, "cust-bob")
    cart = (await api.data(START % "id", ada))["startCart"]["cartId"]
    before = await api.event_count()

    body = await api.gql(ADD % CART, bob, cart=cart, sku="LAVA-LAMP", qty=1)

    assert body["data"] is None or body["data"]["addToCart"] is None, body
    assert [error["extensions"]["code"] for error in body["errors"]] == ["NOT_ALLOWED"]
    assert await api.event_count() == before


ORDER = """id: orderId orderNumber customerId status channel fulfillment locationId placedAt
  completedAt
  lines { lineId sku quantity unitPrice { amount currency } }
  total { amount currency } amountDueBack { amount currency }
  pickup { status storeId promisedReadyAt readyAt collectBy shelfSpot pickupCode arrivedAt }"""
CHECKOUT = """mutation($input: CheckoutInput!) { checkout(input: $input) {
  orderId position userErrors { code } order { %s } } }"""
CANCEL = """mutation($id: UUID!) { cancelOrder(orderId: $id, reason: "changed my mind") {
  position userErrors { code } order { %s } } }"""
READ_ORDER = "query($id: UUID!, $at: String) { order(id: $id, consistentWith: $at) { %s } }"


async def placed_order(api: Api, token: str, method: str) -> tuple[str, dict, dict]:
    cart = (await api.data(START % "id", token))["startCart"]["cartId"]
    for sku in ("LAVA-LAMP", "RETRO-CLOCK"):
        await api.data(ADD % "id", token, cart=cart, sku=sku, qty=1)
    checkout = {
        "cartId": cart,
        "method": method,
        "locationId": "AMS-CENTRAAL",
        "paymentToken": "tok_visa",
    }
    body = await api.gql(CHECKOUT % ORDER, token, input=checkout)
    assert "errors" not in body and "extensions" not in body, body  # nothing answered stale
    placed = body["data"]["checkout"]
    assert placed["userErrors"] == [], placed
    read = await api.gql(READ_ORDER % ORDER, token, id=placed["orderId"], at=placed["position"])
    assert "errors" not in read and "extensions" not in read, read
    return placed["orderId"], placed["order"], read["data"]["order"]


async def test_checkout_and_cancel_answer_the_order_a_later_read_at_their_position_shows(
    api: Api,
) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    for method in ("PICKUP", "SHIP"):
        order_id, placed, read = await placed_order(api, ada, method)
        assert_same_fields(placed, read)
        assert placed["id"] == order_id and len(placed["lines"]) == 2
        assert (placed["pickup"] is not None) == (method == "PICKUP")

        body = await api.data(CANCEL % ORDER, ada, id=order_id)
        cancelled = body["cancelOrder"]
        assert cancelled["userErrors"] == [], cancelled
        read = await api.data(READ_ORDER % ORDER, ada, id=order_id, at=cancelled["position"])
        assert_same_fields(cancelled["order"], read["order"])
        assert cancelled["order"]["status"] == "CANCELLED" != placed["status"]


async def test_an_order_in_the_answer_does_not_wait_for_the_read_model(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    cart = (await api.data(START % "id", ada))["startCart"]["cartId"]
    await api.data(ADD % "id", ada, cart=cart, sku="LAVA-LAMP", qty=1)
    api.settled()
    on_app(api, api.services.projections.stop)
    checkout = {"cartId": cart, "method": "SHIP", "locationId": "WH-NL", "paymentToken": "tok"}
    fields = ORDER.split("pickup")[0]  # the pickup is the read model's

    body = await api.gql(CHECKOUT % fields, ada, input=checkout)

    assert "errors" not in body and "extensions" not in body, body
    order = body["data"]["checkout"]["order"]
    assert order["id"] == body["data"]["checkout"]["orderId"]
    assert [line["sku"] for line in order["lines"]] == ["LAVA-LAMP"]
    assert await api.db.fetchval("SELECT count(*) FROM order_view") == 0  # not projected


RETURN = """id: returnId orderId saleId status channel reason locationId requestedAt
  lines { sku quantity unitPrice { amount currency } } refunded { amount currency }"""
REQUEST_RETURN = """mutation($order: UUID!) { requestReturn(orderId: $order,
  lines: [{sku: "RETRO-CLOCK", quantity: 1}], reason: "broken", via: STORE) {
  returnId position userErrors { code } return { %s } } }"""
RETURN_STEP = """mutation($id: UUID!) { %s(returnId: $id%s) {
  position userErrors { code } return { %s } } }"""
READ_RETURN = "query($id: UUID!, $at: String) { return(id: $id, consistentWith: $at) { %s } }"


async def test_each_return_step_answers_the_return_a_later_read_at_its_position_shows(
    api: Api,
) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    zuid = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    pickup_id, order_id, shopper = await guest_pickup(api)
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=pickup_id)
    ready = (
        await api.data(PICKUP_ACTION % ("markReady", ', shelfSpot: "A1"'), staff, id=pickup_id)
    )["markReady"]
    code = await code_for_customer(api, order_id, shopper, ready["position"])
    await api.data(PICKUP_ACTION % ("collectPickup", f', code: "{code}"'), staff, id=pickup_id)

    async def same_as_read(answer: dict) -> None:
        """The answer, and the return read right after it at its position, field by field."""
        assert answer["userErrors"] == [], answer
        read = await api.gql(READ_RETURN % RETURN, zuid, id=return_id, at=answer["position"])
        assert "errors" not in read and "extensions" not in read, read
        assert_same_fields(answer["return"], read["data"]["return"])

    requested = (await api.data(REQUEST_RETURN % RETURN, zuid, order=order_id))["requestReturn"]
    return_id, answers = requested["returnId"], [requested]
    await same_as_read(requested)
    steps = [
        ("receiveReturn", ', locationId: "AMS-ZUID"'),
        ("inspectReturn", ', results: [{sku: "RETRO-CLOCK", resellable: 0, damaged: 1}]'),
        ("refundReturn", ""),
    ]
    for name, arguments in steps:
        step = (await api.data(RETURN_STEP % (name, arguments, RETURN), zuid, id=return_id))[name]
        await same_as_read(step)
        answers.append(step)
    assert [answer["return"]["status"] for answer in answers] == [
        "REQUESTED",
        "RECEIVED",
        "INSPECTED",
        "CLOSED",
    ]
    assert (
        answers[-1]["return"]["refunded"]["amount"]
        == answers[0]["return"]["lines"][0]["unitPrice"]["amount"]
    )
    assert answers[1]["return"]["locationId"] == "AMS-ZUID"


async def test_a_replayed_checkout_answers_the_same_order_from_the_read_model(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    cart = (await api.data(START % "id", ada))["startCart"]["cartId"]
    await api.data(ADD % "id", ada, cart=cart, sku="LAVA-LAMP", qty=1)
    checkout = {
        "cartId": cart,
        "method": "SHIP",
        "locationId": "WH-NL",
        "paymentToken": "tok",
        "idempotencyKey": "replay-me-1",
    }
    first = (await api.data(CHECKOUT % ORDER, ada, input=checkout))["checkout"]
    before = await api.event_count()

    again = await api.gql(CHECKOUT % ORDER, ada, input=checkout)  # no state at hand: a replay

    assert "errors" not in again and "extensions" not in again, again
    replayed = again["data"]["checkout"]
    assert await api.event_count() == before  # nothing decided again
    assert replayed["orderId"] == first["orderId"] and replayed["position"] == first["position"]
    assert_same_fields(replayed["order"], first["order"])
