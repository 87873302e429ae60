"""Every mutation through GraphQL: its success, and its main refusal with the exact code and
nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from api.auth import Role
from tests.api.conftest import Api

START = (
    'mutation { startCart(deviceId: "phone") { cartId cartToken position userErrors { code } } }'
)
ADD = """mutation($cart: UUID!, $sku: String!, $qty: Int!) {
  addToCart(cartId: $cart, sku: $sku, quantity: $qty) {
    cartId position userErrors { code field message } } }"""
CHANGE = """mutation($cart: UUID!, $sku: String!, $qty: Int!) {
  changeCartQuantity(cartId: $cart, sku: $sku, quantity: $qty) { position userErrors { code } } }"""
REMOVE = """mutation($cart: UUID!, $sku: String!) {
  removeFromCart(cartId: $cart, sku: $sku) { position userErrors { code } } }"""
CHECKOUT = """mutation($input: CheckoutInput!) {
  checkout(input: $input) { orderId pickupId total { amount currency } position
    userErrors { code field message shortLines { sku requested available availableAt } } } }"""
PICKUP_ACTION = """mutation($id: UUID!) { %s(pickupId: $id%s) {
  status position userErrors { code } } }"""
ORDER_PICKUP = """query($id: UUID!, $after: String) { order(id: $id, consistentWith: $after) {
  pickup { status pickupCode } } }"""


async def refused(api: Api, query: str, token: str | None, field: str, **variables: Any) -> dict:
    """Run a mutation that must be refused; prove nothing was written."""
    before = await api.event_count()
    payload = (await api.data(query, token, **variables))[field]
    assert payload["userErrors"], payload
    assert payload["position"] is None
    assert await api.event_count() == before
    return payload["userErrors"][0]  # type: ignore[no-any-return]


async def guest_cart(api: Api, *lines: tuple[str, int]) -> tuple[str, str]:
    started = (await api.data(START))["startCart"]
    for sku, quantity in lines:
        added = (
            await api.data(ADD, started["cartToken"], cart=started["cartId"], sku=sku, qty=quantity)
        )["addToCart"]
        assert added["userErrors"] == []
    return started["cartId"], started["cartToken"]


async def test_cart_lines_change_and_bad_quantities_are_refused(api: Api) -> None:
    cart_id, token = await guest_cart(api, ("RETRO-CLOCK", 2))
    changed = await api.data(CHANGE, token, cart=cart_id, sku="RETRO-CLOCK", qty=3)
    assert changed["changeCartQuantity"]["userErrors"] == []
    error = await refused(api, ADD, token, "addToCart", cart=cart_id, sku="RETRO-CLOCK", qty=0)
    assert (error["code"], error["field"]) == ("INVALID_QUANTITY", "quantity")
    error = await refused(api, ADD, token, "addToCart", cart=cart_id, sku="NO-SUCH-SKU", qty=1)
    assert error["code"] == "UNKNOWN_PRODUCT"
    error = await refused(
        api, CHANGE, token, "changeCartQuantity", cart=cart_id, sku="LAVA-LAMP", qty=1
    )
    assert error["code"] == "LINE_NOT_IN_CART"
    removed = await api.data(REMOVE, token, cart=cart_id, sku="RETRO-CLOCK")
    assert removed["removeFromCart"]["userErrors"] == []
    error = await refused(api, REMOVE, token, "removeFromCart", cart=cart_id, sku="RETRO-CLOCK")
    assert error["code"] == "LINE_NOT_IN_CART"


@pytest.mark.read_your_writes
async def test_checkout_for_pickup_and_its_refusals(api: Api) -> None:
    cart_id, token = await guest_cart(api, ("VINYL-PLAYER", 2))  # the demo store holds 1
    pickup = {
        "cartId": cart_id,
        "method": "PICKUP",
        "locationId": "AMS-CENTRAAL",
        "paymentToken": "tok-visa",
    }
    error = await refused(api, CHECKOUT, token, "checkout", input=pickup)
    assert error["code"] == "OUT_OF_STOCK"
    assert error["shortLines"] == [
        {"sku": "VINYL-PLAYER", "requested": 2, "available": 1, "availableAt": []}
    ]
    error = await refused(api, CHECKOUT, token, "checkout", input={**pickup, "locationId": "WH-NL"})
    assert error["code"] == "PICKUP_NOT_OFFERED"

    await api.data(CHANGE, token, cart=cart_id, sku="VINYL-PLAYER", qty=1)
    error = await refused(
        api, CHECKOUT, token, "checkout", input={**pickup, "paymentToken": "decline-me"}
    )
    assert error["code"] == "PAYMENT_DECLINED"

    placed = (await api.data(CHECKOUT, token, input={**pickup, "idempotencyKey": "retry-me-1"}))[
        "checkout"
    ]
    assert placed["userErrors"] == []
    assert placed["total"] == {"amount": "149.00", "currency": "EUR"}
    again = (await api.data(CHECKOUT, token, input={**pickup, "idempotencyKey": "retry-me-1"}))[
        "checkout"
    ]
    assert (again["orderId"], again["position"]) == (placed["orderId"], placed["position"])
    error = await refused(api, ADD, token, "addToCart", cart=cart_id, sku="LAVA-LAMP", qty=1)
    assert error["code"] == "CART_CLOSED"


async def checked_out_pickup(api: Api) -> tuple[str, str]:
    pickup_id, order_id, _ = await guest_pickup(api)
    return pickup_id, order_id


async def guest_pickup(api: Api) -> tuple[str, str, str]:
    """A guest's order for pickup at Amsterdam Centraal: pickup id, order id, guest token."""
    cart_id, token = await guest_cart(api, ("RETRO-CLOCK", 1))
    placed = (
        await api.data(
            CHECKOUT,
            token,
            input={
                "cartId": cart_id,
                "method": "PICKUP",
                "locationId": "AMS-CENTRAAL",
                "paymentToken": "tok",
            },
        )
    )["checkout"]
    return placed["pickupId"], placed["orderId"], token


async def code_for_customer(api: Api, order_id: str, token: str, after: str) -> str:
    """The pickup code, as only the order's shopper reads it."""
    order = (await api.data(ORDER_PICKUP, token, id=order_id, after=after))["order"]
    assert order["pickup"]["status"] == "READY"
    return order["pickup"]["pickupCode"]  # type: ignore[no-any-return]


async def test_the_pickup_lifecycle_for_staff_and_its_refusals(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    pickup_id, order_id, shopper = await guest_pickup(api)

    def act(name: str, extra: str = "") -> str:
        return PICKUP_ACTION % (name, extra)

    error = await refused(
        api, act("markReady", ', shelfSpot: "B1"'), staff, "markReady", id=pickup_id
    )
    assert error["code"] == "INVALID_PICKUP_STATE"
    error = await refused(api, act("notifyCustomer"), staff, "notifyCustomer", id=pickup_id)
    assert error["code"] == "NOT_READY_FOR_PICKUP"
    assert (await api.data(act("startPicking"), staff, id=pickup_id))["startPicking"][
        "status"
    ] == "PICKING"
    ready = (await api.data(act("markReady", ', shelfSpot: "B1"'), staff, id=pickup_id))[
        "markReady"
    ]
    code = await code_for_customer(api, order_id, shopper, ready["position"])
    assert ready["status"] == "READY" and len(code) == 6
    notified = await api.data(act("notifyCustomer"), staff, id=pickup_id)
    assert notified["notifyCustomer"]["userErrors"] == []
    error = await refused(
        api, act("collectPickup", ', code: "WRONG1"'), staff, "collectPickup", id=pickup_id
    )
    assert error["code"] == "WRONG_PICKUP_CODE"
    collected = await api.data(act("collectPickup", f', code: "{code}"'), staff, id=pickup_id)
    assert collected["collectPickup"]["status"] == "COLLECTED"


async def test_a_short_line_is_reported_by_staff(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    pickup_id, _ = await checked_out_pickup(api)
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=pickup_id)
    short = """mutation($id: UUID!, $line: String!) { reportShort(pickupId: $id, lineId: $line,
      quantity: 1) { status position userErrors { code } } }"""
    error = await refused(api, short, staff, "reportShort", id=pickup_id, line="L9")
    assert error["code"] == "UNKNOWN_PICKUP_LINE"
    reported = (await api.data(short, staff, id=pickup_id, line="L1"))["reportShort"]
    assert reported["status"] == "CANCELLED"  # its only line was short


async def test_stock_is_received_counted_and_sold_at_the_counter(api: Api) -> None:
    manager = api.token(Role.STAFF, "staff-bo", "AMS-ZUID")
    till = api.token(Role.POS, "till-9", "AMS-ZUID")
    receive = """mutation($qty: Int!) { receiveStock(locationId: "AMS-ZUID", sku: "DESK-FAN",
      quantity: $qty, reference: "dn-1") { position userErrors { code } } }"""
    assert (await api.data(receive, manager, qty=4))["receiveStock"]["userErrors"] == []
    error = await refused(api, receive, manager, "receiveStock", qty=-4)
    assert error["code"] == "INVALID_QUANTITY"
    count = """mutation { countStock(locationId: "AMS-ZUID", sku: "DESK-FAN", counted: -1,
      reason: "typo") { position userErrors { code } } }"""
    assert (await refused(api, count, manager, "countStock"))["code"] == "INVALID_QUANTITY"
    counted = (await api.data(count.replace("counted: -1", "counted: 3"), manager))["countStock"]
    assert counted["userErrors"] == [] and counted["position"] is not None
    sale = """mutation { recordPosSale(saleId: "S-77", lines: [{sku: "DESK-FAN", quantity: 2}])
      { position userErrors { code } } }"""
    first = (await api.data(sale, till))["recordPosSale"]
    again = (await api.data(sale, till))["recordPosSale"]
    assert first["userErrors"] == [] and again["position"] == first["position"]
    bad_sale = """mutation { recordPosSale(saleId: "S-78", lines: [{sku: "NOPE", quantity: 1}])
      { position userErrors { code } } }"""
    assert (await refused(api, bad_sale, till, "recordPosSale"))["code"] == "UNKNOWN_PRODUCT"
