"""The mutations and endpoints not covered elsewhere: success and main refusal for each."""

from __future__ import annotations

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_mutations import (
    ADD,
    CHECKOUT,
    PICKUP_ACTION,
    code_for_customer,
    guest_cart,
    guest_pickup,
    refused,
)

SIGN_IN = """mutation($t: String!) { signIn(guestCartToken: $t) {
  cartId mergedFrom cappedSkus position userErrors { code field } } }"""
ORDER_ACTION = """mutation($id: UUID!) { %s(orderId: $id%s) { orderId position
  userErrors { code } } }"""
RETURN_STEP = """mutation($id: UUID!) { %s(returnId: $id%s) { status position
  userErrors { code } } }"""


async def test_sign_in_merges_a_guest_cart_and_refuses_a_bad_cart_token(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    _, guest_token = await guest_cart(api, ("RETRO-CLOCK", 1))
    error = await refused(api, SIGN_IN, ada, "signIn", t="not-a-token")
    assert (error["code"], error["field"]) == ("INVALID_INPUT", "guestCartToken")
    error = await refused(api, SIGN_IN, ada, "signIn", t=ada)  # a customer token, not a cart's
    assert error["code"] == "INVALID_INPUT"
    signed = (await api.data(SIGN_IN, ada, t=guest_token))["signIn"]
    assert signed["userErrors"] == [] and signed["mergedFrom"] is None  # no older cart: attach


async def test_an_order_placed_without_payment_is_paid_later_or_cancelled(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    orders = []
    for _ in range(2):
        cart_id = (await api.data("mutation { startCart { cartId } }", ada))["startCart"]["cartId"]
        await api.data(ADD, ada, cart=cart_id, sku="TEA-KETTLE", qty=1)
        placed = (
            await api.data(
                CHECKOUT, ada, input={"cartId": cart_id, "method": "SHIP", "locationId": "WH-NL"}
            )
        )["checkout"]
        assert placed["userErrors"] == []
        orders.append(placed["orderId"])
    pay = ORDER_ACTION % ("authorizePayment", ', paymentToken: "%s"')
    error = await refused(api, pay % "decline-me", ada, "authorizePayment", id=orders[0])
    assert error["code"] == "PAYMENT_DECLINED"
    paid = (await api.data(pay % "tok-visa", ada, id=orders[0]))["authorizePayment"]
    assert paid["userErrors"] == []
    error = await refused(api, pay % "tok-visa", ada, "authorizePayment", id=orders[0])
    assert error["code"] == "INVALID_PAYMENT_STATE"

    cancel = ORDER_ACTION % ("cancelOrder", ', reason: "changed my mind"')
    cancelled = (await api.data(cancel, ada, id=orders[1]))["cancelOrder"]
    assert cancelled["userErrors"] == []
    assert (await refused(api, cancel, ada, "cancelOrder", id=orders[1]))["code"] == (
        "ORDER_CLOSED"
    )


async def test_return_steps_refuse_the_wrong_order_of_things(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    zuid = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    pickup_id, order_id, shopper = await guest_pickup(api)
    request = """mutation($order: UUID!, $qty: Int!) { requestReturn(orderId: $order,
      lines: [{sku: "RETRO-CLOCK", quantity: $qty}], reason: "broken", via: STORE) {
      returnId position userErrors { code } } }"""
    error = await refused(api, request, zuid, "requestReturn", order=order_id, qty=1)
    assert error["code"] == "NOT_YET_FULFILLED"
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=pickup_id)
    ready = (
        await api.data(PICKUP_ACTION % ("markReady", ', shelfSpot: "A1"'), staff, id=pickup_id)
    )["markReady"]
    code = await code_for_customer(api, order_id, shopper, ready["position"])
    await api.data(PICKUP_ACTION % ("collectPickup", f', code: "{code}"'), staff, id=pickup_id)

    error = await refused(api, request, zuid, "requestReturn", order=order_id, qty=2)
    assert error["code"] == "EXCEEDS_RETURNABLE"
    return_id = (await api.data(request, zuid, order=order_id, qty=1))["requestReturn"]["returnId"]
    error = await refused(
        api, RETURN_STEP % ("refundReturn", ""), zuid, "refundReturn", id=return_id
    )
    assert error["code"] == "RETURN_NOT_INSPECTED"
    receive = RETURN_STEP % ("receiveReturn", ', locationId: "AMS-ZUID"')
    await api.data(receive, zuid, id=return_id)
    error = await refused(api, receive, zuid, "receiveReturn", id=return_id)
    assert error["code"] == "INVALID_RETURN_STATE"  # received twice
    mismatch = ', results: [{sku: "RETRO-CLOCK", resellable: 2, damaged: 0}]'
    error = await refused(
        api, RETURN_STEP % ("inspectReturn", mismatch), zuid, "inspectReturn", id=return_id
    )
    assert error["code"] == "INSPECTION_MISMATCH"
    damaged = ', results: [{sku: "RETRO-CLOCK", resellable: 0, damaged: 1}]'
    await api.data(RETURN_STEP % ("inspectReturn", damaged), zuid, id=return_id)
    refunded = (await api.data(RETURN_STEP % ("refundReturn", ""), zuid, id=return_id))[
        "refundReturn"
    ]
    assert refunded["status"] == "CLOSED"  # nothing resellable: closed once refunded
    error = await refused(
        api, RETURN_STEP % ("restockReturn", ""), zuid, "restockReturn", id=return_id
    )
    assert error["code"] in ("NOTHING_TO_RESTOCK", "ALREADY_RESTOCKED", "INVALID_RETURN_STATE")


async def test_offline_pos_sales_sync_once_each_and_bad_ones_are_named(api: Api) -> None:
    till = api.token(Role.POS, "till-4", "AMS-ZUID")
    upload = {
        "sales": [
            {"saleId": "OFF-1", "lines": [{"sku": "PLANT-POT", "quantity": 2}]},
            {"saleId": "OFF-2", "lines": [{"sku": "NO-SUCH-SKU", "quantity": 1}]},
        ]
    }
    headers = {"authorization": f"Bearer {till}"}
    first = (await api.client.post("/pos/sync", json=upload, headers=headers)).json()
    before = await api.event_count()
    again = (await api.client.post("/pos/sync", json=upload, headers=headers)).json()

    assert [(s["saleId"], s["status"]) for s in first] == [
        ("OFF-1", "recorded"),
        ("OFF-2", "rejected"),
    ]
    assert first[1]["errorCode"] == "UNKNOWN_PRODUCT"
    assert [s["status"] for s in again] == ["already_recorded", "rejected"]
    assert await api.event_count() == before
    customer = api.token(Role.CUSTOMER, "cust-ada")
    denied = await api.client.post(
        "/pos/sync", json=upload, headers={"authorization": f"Bearer {customer}"}
    )
    malformed = await api.client.post("/pos/sync", content=b"{oops", headers=headers)
    assert denied.status_code == 401 and malformed.status_code == 400
    assert await api.event_count() == before


async def test_an_upload_with_a_sale_of_no_lines_is_refused_whole(api: Api) -> None:
    till = api.token(Role.POS, "till-5", "AMS-ZUID")
    upload = {
        "sales": [
            {"saleId": "OFF-7", "lines": [{"sku": "PLANT-POT", "quantity": 1}]},
            {"saleId": "OFF-8", "lines": []},
        ]
    }
    before = await api.event_count()

    answer = await api.client.post(
        "/pos/sync", json=upload, headers={"authorization": f"Bearer {till}"}
    )

    assert answer.status_code == 400
    assert "lines" in answer.text and "length" in answer.text
    assert await api.event_count() == before  # the good sale was not recorded either


async def test_metrics_count_operations_and_show_projection_lag(api: Api) -> None:
    await api.data('query Stock { storeStock(locationId: "AMS-ZUID") { nodes { sku } } }')
    text = (await api.client.get("/metrics")).text
    assert 'omni_graphql_requests_total{operation="Stock",outcome="ok"} 1.0' in text
    assert 'omni_projection_lag_events{projection="store_inventory"}' in text
    assert "omni_events_head_position" in text
