"""A NUL character (or an unpaired surrogate) in anything a client sends is invalid input:
refused at the edge before it reaches asyncpg, where it answered INTERNAL_ERROR
(`CharacterNotInRepertoireError`, jsonb's "unsupported Unicode escape sequence"). Nothing is
written and every read model keeps running."""

from __future__ import annotations

from typing import Any

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_mutations import ADD, guest_cart
from tests.api.unharmed import assert_unharmed, committed_head

NUL = "\x00"
START = (
    """mutation($device: String) { startCart(deviceId: $device) { cartId userErrors { code } } }"""
)
BOARD = """query($store: String!) { pickupBoard(storeId: $store) { toPick { id: pickupId } } }"""
POS_CART = """query($loyalty: String!) { posCustomerCart(loyaltyId: $loyalty) { id: cartId } }"""
MOVEMENTS = """query($sku: String!) {
  stockMovements(locationId: "AMS-CENTRAAL", sku: $sku) { nodes { reference } } }"""
RECEIVE = """mutation($reference: String!) { receiveStock(locationId: "AMS-CENTRAAL",
  sku: "LAVA-LAMP", quantity: 5, reference: $reference) { position userErrors { code } } }"""
CHECKOUT = """mutation($input: CheckoutInput!) { checkout(input: $input) { orderId } }"""
IMPORT = """mutation($customers: [CustomerInput!]!) {
  importCustomers(customers: $customers) { imported } }"""


async def refused_as_invalid_input(
    api: Api,
    document: str,
    token: str | None,
    headers: dict[str, str] | None = None,
    **variables: Any,
) -> str:
    """The request's one error: INVALID_INPUT naming the character; returns its message."""
    auth = {"authorization": f"Bearer {token}"} if token else {}
    response = await api.client.post(
        "/graphql",
        json={"query": document, "variables": variables},
        headers={**auth, **(headers or {})},
    )
    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert [e["extensions"]["code"] for e in errors] == ["INVALID_INPUT"], (document, errors)
    assert "NUL (U+0000)" in errors[0]["message"], errors
    return errors[0]["message"]  # type: ignore[no-any-return]


async def test_nul_in_any_argument_the_fuzzer_found_is_invalid_input(api: Api) -> None:
    admin, till = api.token(Role.ADMIN, "root"), api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    cart_id, cart_token = await guest_cart(api)
    head = await committed_head(api.client)

    await refused_as_invalid_input(api, ADD, cart_token, cart=cart_id, sku="DESK-FAN" + NUL, qty=1)
    await refused_as_invalid_input(api, '{ product(sku: "A\\u0000") { sku } }', None)
    await refused_as_invalid_input(api, START, None, device="phone" + NUL)
    await refused_as_invalid_input(api, BOARD, admin, store="AMS-CENTRAAL" + NUL)
    await refused_as_invalid_input(api, POS_CART, till, loyalty="LOYAL-0001" + NUL)
    await refused_as_invalid_input(api, MOVEMENTS, admin, sku="LAVA-LAMP" + NUL)
    await refused_as_invalid_input(api, RECEIVE, admin, reference="delivery" + NUL)

    await assert_unharmed(api.client, head)


async def test_nul_inside_input_objects_and_lists_is_invalid_input(api: Api) -> None:
    admin = api.token(Role.ADMIN, "root")
    ada = api.token(Role.CUSTOMER, "cust-ada")
    cart_id, _ = await guest_cart(api)
    head = await committed_head(api.client)

    where = {"cartId": cart_id, "method": "PICKUP", "locationId": "AMS-CENTRAAL" + NUL}
    message = await refused_as_invalid_input(api, CHECKOUT, ada, input=where)
    assert message.startswith('Variable "$input" at locationId'), message
    shoppers = [{"id": "c-1", "firstName": "Ada"}, {"id": "c-2", "firstName": "Bo" + NUL}]
    message = await refused_as_invalid_input(api, IMPORT, admin, customers=shoppers)
    assert message.startswith('Variable "$customers" at [1].firstName'), message
    block = 'mutation { receiveStock(locationId: "AMS-CENTRAAL", sku: "LAVA-LAMP", quantity: 5, '
    block += 'reference: """delivery' + NUL + '""") { position } }'  # a block string, as sent
    await refused_as_invalid_input(api, block, admin)

    await assert_unharmed(api.client, head)


async def test_nul_in_a_header_copied_into_events_is_invalid_input(api: Api) -> None:
    cart_id, cart_token = await guest_cart(api)
    head = await committed_head(api.client)

    device = {"x-omni-device": "kiosk" + NUL}
    message = await refused_as_invalid_input(api, START, None, device, device=None)
    assert message.startswith("The X-Omni-Device header"), message
    correlation = {"x-correlation-id": "9f0c" + NUL}
    add = {"cart": cart_id, "sku": "DESK-FAN", "qty": 1}
    message = await refused_as_invalid_input(api, ADD, cart_token, correlation, **add)
    assert message.startswith("The X-Correlation-Id header"), message

    await assert_unharmed(api.client, head)


async def test_a_pos_sale_with_nul_is_rejected_alone_as_invalid_input(api: Api) -> None:
    headers = {"authorization": f"Bearer {api.token(Role.POS, 'till-9', 'AMS-ZUID')}"}
    line = {"sku": "PLANT-POT", "quantity": 1}
    bad = [
        {"saleId": "NUL-1", "lines": [{"sku": "PLANT-POT" + NUL, "quantity": 1}]},
        {"saleId": "NUL-2" + NUL, "lines": [line]},
        {"saleId": "NUL-3", "lines": [line], "paymentReference": "card" + NUL},
        {"saleId": "NUL-4", "lines": [line], "loyaltyId": "LOYAL" + NUL},
    ]
    head = await committed_head(api.client)

    refused = await api.client.post("/pos/sync", json={"sales": bad}, headers=headers)
    assert refused.status_code == 200, refused.text
    outcomes = refused.json()
    assert [(o["status"], o["errorCode"]) for o in outcomes] == [("rejected", "INVALID_INPUT")] * 4
    fields = [o["message"].split(" ")[0] for o in outcomes]
    assert fields == ["lines[0].sku", "saleId", "paymentReference", "loyaltyId"]
    await assert_unharmed(api.client, head)

    good = {"saleId": "OK-1", "lines": [line]}
    mixed = await api.client.post("/pos/sync", json={"sales": [good, bad[0]]}, headers=headers)
    assert [o["status"] for o in mixed.json()] == ["recorded", "rejected"]


async def test_a_staff_sign_in_with_nul_is_refused_not_failed(api: Api) -> None:
    sign_in = {"storeId": "AMS-CENTRAAL", "staffId": "staff-bo" + NUL, "pin": "1234"}
    head = await committed_head(api.client)

    answer = await api.client.post("/staff/session", json=sign_in)

    assert answer.status_code == 400, answer.text
    assert answer.json() == {"error": "staffId holds NUL (U+0000), which cannot be stored"}
    await assert_unharmed(api.client, head)
