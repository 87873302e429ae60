"""Shipping a web order through GraphQL on the real app (PostgreSQL, the demo's catalog and
warehouse): the warehouse's staff dispatch it, the payment is captured, the order completes,
the customer earns the points and sees the parcel on their timeline; a second dispatch, staff
of another store and a pickup order are refused with nothing written."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from uuid import UUID

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_e2e_loyalty import LOYALTY
from tests.api.test_till_continues_cart import customer_cart

WAREHOUSE, STORE = "WH-NL", "AMS-CENTRAAL"
CHECKOUT = """mutation($cart: UUID!, $method: FulfillmentMethod!, $at: String!) {
  checkout(input: {cartId: $cart, method: $method, locationId: $at, paymentToken: "tok-visa"}) {
    orderId userErrors { code } } }"""
SHIP = """mutation($id: UUID!, $carrier: String!, $tracking: String!) {
  shipOrder(orderId: $id, carrier: $carrier, trackingNumber: $tracking) {
    position carrier trackingNumber order { status completedAt fulfillment }
    userErrors { code field message } } }"""
TIMELINE = """query($after: String) { me(consistentWith: $after) {
  timeline(first: 6) { nodes { kind summary storeId } } } }"""
STOCK = """query($after: String) { storeStock(locationId: "WH-NL", skus: ["LAVA-LAMP"],
  consistentWith: $after) { nodes { onHand reserved } } }"""


async def order_of(api: Api, token: str, method: str, at: str) -> str:
    """Two lava lamps (78.00), checked out on the web and paid by card."""
    cart_id = await customer_cart(api, token, ("LAVA-LAMP", 2))
    placed = (await api.data(CHECKOUT, token, cart=cart_id, method=method, at=at))["checkout"]
    assert placed["userErrors"] == [], placed
    return placed["orderId"]  # type: ignore[no-any-return]


async def ship(api: Api, token: str, order_id: str, tracking: str = "3SABC123") -> dict:
    body = await api.gql(SHIP, token, id=order_id, carrier="PostNL", tracking=tracking)
    return body


async def test_a_shipped_web_order_is_captured_completed_earns_and_shows_on_the_timeline(
    api: Api,
) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    packer = api.token(Role.STAFF, "staff-wh", WAREHOUSE)
    order_id = await order_of(api, ada, "SHIP", WAREHOUSE)

    shipped = (await ship(api, packer, order_id))["data"]["shipOrder"]

    assert shipped["userErrors"] == []
    assert (shipped["carrier"], shipped["trackingNumber"]) == ("PostNL", "3SABC123")
    assert shipped["order"]["status"] == "COMPLETED" and shipped["order"]["fulfillment"] == "SHIP"
    assert shipped["order"]["completedAt"] is not None
    captured = await api.db.fetch(
        "SELECT state FROM events WHERE stream_id = $1 AND topic LIKE '%Order.PaymentCaptured'",
        UUID(order_id),
    )
    assert [Decimal(json.loads(r["state"])["amount"]["amount"]) for r in captured] == [
        Decimal("78.00")
    ]
    after = shipped["position"]
    mine = (await api.data(LOYALTY, ada, after=after))["me"]["loyalty"]
    assert (mine["balance"], mine["earned"]) == (78, 78)
    assert mine["history"][0]["source"] == f"order:{order_id}"
    seen = (await api.data(TIMELINE, ada, after=after))["me"]["timeline"]["nodes"]
    assert {
        "kind": "ORDER_SHIPPED",
        "summary": "Shipped via PostNL (tracking number 3SABC123)",
        "storeId": WAREHOUSE,
    } in seen
    assert {"ORDER_COMPLETED", "PAYMENT_CAPTURED", "POINTS_EARNED"} <= {n["kind"] for n in seen}
    stock = (await api.data(STOCK, packer, after=after))["storeStock"]["nodes"]
    assert stock == [{"onHand": 198, "reserved": 0}]  # the demo's warehouse holds 200


async def test_a_second_dispatch_is_refused_and_changes_nothing(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    packer = api.token(Role.STAFF, "staff-wh", WAREHOUSE)
    order_id = await order_of(api, ada, "SHIP", WAREHOUSE)
    first = (await ship(api, packer, order_id))["data"]["shipOrder"]
    before = await api.event_count()

    again = (await ship(api, packer, order_id, tracking="3SXYZ999"))["data"]["shipOrder"]

    assert [e["code"] for e in again["userErrors"]] == ["ORDER_ALREADY_SHIPPED"]
    assert "PostNL 3SABC123" in again["userErrors"][0]["message"]
    assert again["position"] is None and again["order"] is None
    assert await api.event_count() == before
    mine = (await api.data(LOYALTY, ada, after=first["position"]))["me"]["loyalty"]
    assert mine["balance"] == 78  # earned once


def refused_code(body: dict[str, Any]) -> str:
    assert body["data"] is None, body
    return body["errors"][0]["extensions"]["code"]  # type: ignore[no-any-return]


async def test_staff_of_another_store_a_till_and_the_customer_may_not_ship(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    order_id = await order_of(api, ada, "SHIP", WAREHOUSE)
    before = await api.event_count()

    for token in (
        api.token(Role.STAFF, "staff-ams", STORE),
        api.token(Role.POS, "till-1", WAREHOUSE),
        ada,
    ):
        assert refused_code(await ship(api, token, order_id)) == "NOT_ALLOWED"

    assert await api.event_count() == before
    order = await api.data("query($id: UUID!) { order(id: $id) { status } }", ada, id=order_id)
    assert order["order"]["status"] == "PAYMENT_AUTHORIZED"


async def test_a_pickup_order_cannot_be_shipped(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    order_id = await order_of(api, ada, "PICKUP", STORE)
    before = await api.event_count()

    admin = api.token(Role.ADMIN, "ops")
    refused = (await ship(api, admin, order_id))["data"]["shipOrder"]

    assert [e["code"] for e in refused["userErrors"]] == ["WRONG_FULFILLMENT"]
    assert await api.event_count() == before


async def test_a_blank_tracking_number_names_its_field(api: Api) -> None:
    order_id = await order_of(api, api.token(Role.CUSTOMER, "cust-ada"), "SHIP", WAREHOUSE)
    packer = api.token(Role.STAFF, "staff-wh", WAREHOUSE)

    refused = (await ship(api, packer, order_id, tracking=" "))["data"]["shipOrder"]

    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("INVALID_INPUT", "trackingNumber")
    ]
