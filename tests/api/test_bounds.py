"""Every bound (domain/bounds.py), one request just past it: refused as INVALID_INPUT (a
quantity: INVALID_QUANTITY) naming the field, and nothing written (the event store's head
does not move)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from api.auth import Role
from domain.bounds import (
    MAX_ARRIVAL_NOTE_LENGTH,
    MAX_ID_LENGTH,
    MAX_SALE_LINE_QUANTITY,
    MAX_SALE_LINES,
    MAX_SALE_NUMBER_LENGTH,
    MAX_SKU_LENGTH,
    MAX_TEXT_LENGTH,
)
from tests.api.conftest import Api
from tests.api.read_models import every_projection_at_the_head
from tests.api.test_mutations import guest_cart

# Multi-byte characters: a bound counts characters, whatever their size in UTF-8.
ID = "ü" * (MAX_ID_LENGTH + 1)
SKU = "S" * (MAX_SKU_LENGTH + 1)
TEXT = "€" * (MAX_TEXT_LENGTH + 1)
SALE_NUMBER = "7" * (MAX_SALE_NUMBER_LENGTH + 1)
ANSWER = "position userErrors { code field message }"

Case = tuple[str, dict[str, Any], tuple[str, str]]


async def past_the_bound(api: Api, token: str | None, cases: list[Case]) -> None:
    """Each mutation refused with the code and field expected; no event written by any."""
    for document, variables, expected in cases:
        before = await api.event_count()
        body = await api.gql(f"mutation {document}", token, **variables)
        assert "errors" not in body, (document, body)
        payload = next(iter(body["data"].values()))
        errors = [(e["code"], e["field"]) for e in payload["userErrors"]]
        assert errors == [expected], (document, payload)
        assert payload["position"] is None
        assert await api.event_count() == before, document
    await every_projection_at_the_head(api)


def mutation(variables: str, call: str) -> str:
    """`($v: T) { call { position userErrors } }`: the mutation's own selection is fixed."""
    return f"({variables}) {{ {call} {{ {ANSWER} }} }}"


LINE = "$cart: UUID!, $sku: String!, $device: String"
ADD = mutation(LINE, "addToCart(cartId: $cart, sku: $sku, deviceId: $device)")
CHANGE = mutation(
    LINE, "changeCartQuantity(cartId: $cart, sku: $sku, quantity: 2, deviceId: $device)"
)
REMOVE = mutation(LINE, "removeFromCart(cartId: $cart, sku: $sku, deviceId: $device)")
CHECKOUT = mutation("$i: CheckoutInput!, $d: String", "checkout(input: $i, deviceId: $d)")
SIGN_IN = mutation("$t: String!, $d: String", "signIn(guestCartToken: $t, deviceId: $d)")
RECOVER = mutation("$id: UUID!, $d: String", "recoverCart(cartId: $id, deviceId: $d)")
PAY = mutation("$id: UUID!, $v: String!", "authorizePayment(orderId: $id, paymentToken: $v)")
CANCEL = mutation("$id: UUID!, $v: String!", "cancelOrder(orderId: $id, reason: $v)")
ARRIVE = mutation("$id: UUID!, $v: String!", "arriveForPickup(orderId: $id, bayOrCar: $v)")
TAKE_PAYMENT = mutation(
    "$id: UUID!, $v: String!", "takePaymentAtCounter(pickupId: $id, paymentToken: $v)"
)
ASK_RETURN = mutation(
    "$id: UUID!, $lines: [SkuQuantity!]!, $v: String!",
    "requestReturn(orderId: $id, lines: $lines, reason: $v, via: WEB)",
)
PICKUP = "$id: UUID!, $v: String!"
SHORT = mutation(PICKUP, "reportShort(pickupId: $id, lineId: $v, quantity: 1)")
READY = mutation(PICKUP, "markReady(pickupId: $id, shelfSpot: $v)")
NOTIFY = mutation(PICKUP, "notifyCustomer(pickupId: $id, channel: $v)")
COLLECT = mutation(PICKUP, "collectPickup(pickupId: $id, code: $v)")
PROOF = mutation(PICKUP, 'collectPickup(pickupId: $id, code: "ABC123", proof: $v)')
START_PICKING = mutation("$id: UUID!", "startPicking(pickupId: $id)")
INSPECT = mutation(
    "$id: UUID!, $v: String!",
    "inspectReturn(returnId: $id, results: [{sku: $v, resellable: 1, damaged: 0}])",
)
RECEIVE_RETURN = mutation("$id: UUID!, $v: String!", "receiveReturn(returnId: $id, locationId: $v)")
STOCK = "$loc: String!, $sku: String!, $v: String!"
RECEIVE = mutation(STOCK, "receiveStock(locationId: $loc, sku: $sku, quantity: 1, reference: $v)")
COUNT = mutation(STOCK, "countStock(locationId: $loc, sku: $sku, counted: 1, reason: $v)")
SALE = mutation(
    "$id: String!, $lines: [SaleLineInput!]!, $ref: String, $card: String",
    "recordPosSale(saleId: $id, lines: $lines, paymentReference: $ref, loyaltyId: $card)",
)


async def test_what_a_shopper_sends_is_bounded(api: Api) -> None:
    cart_id, token = await guest_cart(api, ("RETRO-CLOCK", 1))
    lamp = {"cart": cart_id, "sku": "LAVA-LAMP"}
    checkout = {"cartId": cart_id, "method": "PICKUP", "locationId": "AMS-CENTRAAL"}
    await past_the_bound(
        api,
        token,
        [
            (mutation("$d: String", "startCart(deviceId: $d)"), {"d": ID}, _input("deviceId")),
            (ADD, {**lamp, "sku": SKU}, _input("sku")),
            (ADD, {**lamp, "device": ID}, _input("deviceId")),
            (CHANGE, {**lamp, "sku": SKU}, _input("sku")),
            (REMOVE, {**lamp, "sku": SKU}, _input("sku")),
            (CHECKOUT, {"i": {**checkout, "locationId": ID}}, _input("locationId")),
            (CHECKOUT, {"i": {**checkout, "paymentToken": ID}}, _input("paymentToken")),
            (CHECKOUT, {"i": checkout, "d": ID}, _input("deviceId")),
        ],
    )


async def test_the_device_header_is_bounded_like_the_argument(api: Api) -> None:
    cart_id, token = await guest_cart(api, ("RETRO-CLOCK", 1))
    before = await api.event_count()
    long_ascii = "d" * (MAX_ID_LENGTH + 1)  # a header is Latin-1
    headers = {"Authorization": f"Bearer {token}", "X-Omni-Device": long_ascii}
    variables = {"cart": cart_id, "sku": "LAVA-LAMP"}
    response = await api.client.post(
        "/graphql", json={"query": f"mutation {ADD}", "variables": variables}, headers=headers
    )
    payload = response.json()["data"]["addToCart"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [_input("deviceId")]
    assert await api.event_count() == before


async def test_what_a_customer_sends_is_bounded(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    _, guest = await guest_cart(api, ("RETRO-CLOCK", 1))
    order = {"id": str(uuid4())}
    lines = [{"sku": "RETRO-CLOCK", "quantity": 1}]
    await past_the_bound(
        api,
        ada,
        [
            (SIGN_IN, {"t": guest, "d": ID}, _input("deviceId")),
            (RECOVER, {**order, "d": ID}, _input("deviceId")),
            (PAY, {**order, "v": ID}, _input("paymentToken")),
            (CANCEL, {**order, "v": TEXT}, _input("reason")),
            (ARRIVE, {**order, "v": "€" * (MAX_ARRIVAL_NOTE_LENGTH + 1)}, _input("bayOrCar")),
            (
                ASK_RETURN,
                {**order, "lines": [{"sku": SKU, "quantity": 1}], "v": "x"},
                _input("lines"),
            ),
            (ASK_RETURN, {**order, "lines": lines, "v": TEXT}, _input("reason")),
        ],
    )


async def test_what_staff_send_is_bounded(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    pickup = {"id": str(uuid4())}
    here = {"loc": "AMS-CENTRAAL", "sku": "LAVA-LAMP"}
    await past_the_bound(
        api,
        staff,
        [
            (SHORT, {**pickup, "v": ID}, _input("lineId")),
            (READY, {**pickup, "v": ID}, _input("shelfSpot")),
            (NOTIFY, {**pickup, "v": ID}, _input("channel")),
            (COLLECT, {**pickup, "v": ID}, _input("code")),
            (PROOF, {**pickup, "v": TEXT}, _input("proof")),
            (TAKE_PAYMENT, {**pickup, "v": ID}, _input("paymentToken")),
            (INSPECT, {"id": str(uuid4()), "v": SKU}, _input("results")),
            (RECEIVE, {**here, "sku": SKU, "v": "note-1"}, _input("sku")),
            (RECEIVE, {**here, "v": ID}, _input("reference")),
            (COUNT, {**here, "sku": SKU, "v": "recount"}, _input("sku")),
            (COUNT, {**here, "v": TEXT}, _input("reason")),
        ],
    )
    long_named = api.token(Role.STAFF, ID, "AMS-CENTRAAL")  # an id from a token, checked too
    await past_the_bound(api, long_named, [(START_PICKING, pickup, _input("staffId"))])


async def test_what_an_admin_sends_about_a_location_is_bounded(api: Api) -> None:
    admin = api.token(Role.ADMIN, "head-office")
    await past_the_bound(
        api,
        admin,
        [
            (RECEIVE, {"loc": ID, "sku": "LAVA-LAMP", "v": "note-1"}, _input("locationId")),
            (RECEIVE_RETURN, {"id": str(uuid4()), "v": ID}, _input("locationId")),
        ],
    )


async def test_what_a_till_sends_is_bounded(api: Api) -> None:
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    one = {"sku": "LAVA-LAMP", "quantity": 1}
    sale = {"id": "s-1", "lines": [one]}
    await past_the_bound(
        api,
        till,
        [
            (SALE, {**sale, "id": SALE_NUMBER}, _input("saleId")),
            (SALE, {**sale, "lines": [one] * (MAX_SALE_LINES + 1)}, _input("lines")),
            (SALE, {**sale, "lines": [{**one, "sku": SKU}]}, _input("lines")),
            (
                SALE,
                {**sale, "lines": [{**one, "quantity": MAX_SALE_LINE_QUANTITY + 1}]},
                _quantity(),
            ),
            (SALE, {**sale, "lines": [{**one, "unitPrice": "10000000000.00"}]}, _input("lines")),
            (SALE, {**sale, "lines": [{**one, "unitPrice": "1e400"}]}, _input("lines")),
            (SALE, {**sale, "ref": ID}, _input("paymentReference")),
            (SALE, {**sale, "card": ID}, _input("loyaltyId")),
        ],
    )


async def test_an_offline_upload_refuses_each_sale_past_a_bound_on_its_own(api: Api) -> None:
    till = api.token(Role.POS, "till-4", "AMS-ZUID")
    line = {"sku": "PLANT-POT", "quantity": 1}
    upload = {
        "sales": [
            {"saleId": "OFF-1", "lines": [line], "paymentReference": ID},
            {"saleId": "OFF-2", "lines": [{**line, "unitPrice": "1e400"}]},
            {"saleId": "OFF-3", "lines": [{**line, "sku": SKU}]},
            {"saleId": "OFF-4", "lines": [line], "loyaltyId": ID},
        ]
    }
    before = await api.event_count()
    answer = await api.client.post(
        "/pos/sync", json=upload, headers={"authorization": f"Bearer {till}"}
    )
    assert answer.status_code == 200, answer.text
    assert [(s["status"], s.get("errorCode")) for s in answer.json()] == [
        ("rejected", "INVALID_INPUT")
    ] * 4
    assert await api.event_count() == before


async def test_an_imported_customer_past_a_bound_imports_nothing(api: Api) -> None:
    admin = api.token(Role.ADMIN, "head-office")
    before = await api.db.fetchval("SELECT count(*) FROM customers")
    document = """mutation($rows: [CustomerInput!]!) { importCustomers(customers: $rows) {
      imported userErrors { code field } } }"""
    for field, row in {
        "customers[0].loyaltyId": {"loyaltyId": ID},
        "customers[0].firstName": {"firstName": TEXT},
    }.items():
        rows = [{"id": "cust-long", "firstName": "Long", **row}]
        payload = (await api.data(document, admin, rows=rows))["importCustomers"]
        assert payload["userErrors"] == [{"code": "INVALID_INPUT", "field": field}]
    assert await api.db.fetchval("SELECT count(*) FROM customers") == before


async def test_a_query_argument_past_its_bound_is_an_invalid_input_error(api: Api) -> None:
    admin = api.token(Role.ADMIN, "head-office")
    cases = {
        "sku": ("query($v: String!) { product(sku: $v) { name } }", SKU),
        "locationId": ("query($v: String!) { storeStock(locationId: $v) { nodes { sku } } }", ID),
        "skus": (
            'query($v: String!) { storeStock(locationId: "AMS-ZUID", skus: ["LAVA-LAMP", $v]) '
            "{ nodes { sku } } }",
            SKU,
        ),
        "search": ("query($v: String!) { products(search: $v) { nodes { sku } } }", TEXT),
        "storeId": (
            "query($v: String!) { pickupBoard(storeId: $v) { toPick { id: pickupId } } }",
            ID,
        ),
        "loyaltyId": ("query($v: String!) { posCustomerCart(loyaltyId: $v) { id: cartId } }", ID),
    }
    for field, (query, value) in cases.items():
        body = await api.gql(query, admin, v=value)
        [error] = body["errors"]
        assert error["extensions"]["code"] == "INVALID_INPUT", (field, error)
        assert error["extensions"]["field"] == field, error


async def test_a_time_zone_too_long_for_a_file_name_is_invalid_input(api: Api) -> None:
    admin = api.token(Role.ADMIN, "head-office")
    query = """query($tz: String!) { recoveryStats(firstDay: "2026-11-01",
      lastDay: "2026-11-02", timeZone: $tz) { nodes { day } } }"""
    body = await api.gql(query, admin, tz="é" * 150)  # 150 characters, 300 bytes
    assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_INPUT"]


def _input(field: str) -> tuple[str, str]:
    return ("INVALID_INPUT", field)


def _quantity() -> tuple[str, str]:
    return ("INVALID_QUANTITY", "lines")
