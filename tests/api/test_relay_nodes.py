"""Relay object identification (issue 19 item 1): every entity a client caches has a global
`id`, and `node(id:)`/`nodes(ids:)` refetch it through the typed query's own access checks.
Something the caller may not see answers exactly as something that does not exist; a
malformed id is INVALID_INPUT and changes nothing."""

from __future__ import annotations

import base64
from typing import Any
from uuid import uuid4

import pytest

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_mutations import PICKUP_ACTION, code_for_customer, guest_cart, guest_pickup

NODE = """query($id: ID!) { node(id: $id) { __typename id ...on Cart { cartId }
  ...on CartLine { cartId sku quantity } ...on Order { orderId orderStatus: status }
  ...on Pickup { pickupId pickupStatus: status } ...on Return { returnId returnStatus: status }
  ...on Product { sku name } ...on Customer { customerId }
  ...on StockMovement { locationId sku version kind } } }"""
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"


def global_id(kind: str, *key: object) -> str:
    """What the server's ids are made of: only to forge ids of things that do not exist."""
    text = kind + ":" + "\n".join(str(part) for part in key)
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


async def node(api: Api, token: str | None, id: str) -> dict[str, Any] | None:
    return (await api.data(NODE, token, id=id))["node"]  # type: ignore[no-any-return]


async def not_found(api: Api, token: str | None, id: str) -> tuple[str, str]:
    """node(id:) answers null with NOT_FOUND: (code, message), the same for every id."""
    body = await api.gql(NODE, token, id=id)
    assert body["data"] == {"node": None}, body
    [error] = body["errors"]
    assert error["path"] == ["node"]
    return error["extensions"]["code"], error["message"]


async def hidden_reads_as_missing(api: Api, token: str | None, id: str, missing: str) -> None:
    hidden = await not_found(api, token, id)
    assert hidden == await not_found(api, token, missing)
    assert hidden[0] == "NOT_FOUND"


async def test_a_cart_and_its_lines_refetch_by_id_for_their_shopper_only(api: Api) -> None:
    cart_id, token = await guest_cart(api, ("RETRO-CLOCK", 2))
    api.settled()  # the line is in the read model
    typed = """query($id: UUID!) { cart(id: $id) { id cartId lines { id sku } } }"""
    cart = (await api.data(typed, token, id=cart_id))["cart"]
    assert cart["cartId"] == cart_id
    assert await node(api, token, cart["id"]) == {
        "__typename": "Cart",
        "id": cart["id"],
        "cartId": cart_id,
    }
    [line] = cart["lines"]
    assert await node(api, token, line["id"]) == {
        "__typename": "CartLine",
        "id": line["id"],
        "cartId": cart_id,
        "sku": "RETRO-CLOCK",
        "quantity": 2,
    }
    assert len({cart["id"], line["id"]}) == 2

    _, other = await guest_cart(api)
    ada = api.token(Role.CUSTOMER, "cust-ada")
    missing_cart = global_id("Cart", uuid4())
    missing_line = global_id("CartLine", cart_id, "LAVA-LAMP")  # the cart holds no such line
    for stranger in (other, ada, None):
        await hidden_reads_as_missing(api, stranger, cart["id"], missing_cart)
        await hidden_reads_as_missing(api, stranger, line["id"], missing_cart)
    await not_found(api, token, missing_line)


@pytest.mark.read_your_writes
async def test_an_order_and_its_pickup_refetch_for_their_shopper_and_store(api: Api) -> None:
    pickup_id, order_id, shopper = await guest_pickup(api)
    api.settled()
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    elsewhere = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    _, other = await guest_cart(api)
    order = await api.data("query($id: UUID!) { order(id: $id) { id } }", shopper, id=order_id)
    pickup = await api.data("query($id: UUID!) { pickup(id: $id) { id } }", staff, id=pickup_id)
    order_node, pickup_node = order["order"]["id"], pickup["pickup"]["id"]

    assert (await node(api, shopper, order_node))["orderId"] == order_id  # type: ignore[index]
    assert (await node(api, staff, order_node))["orderId"] == order_id  # type: ignore[index]
    assert (await node(api, staff, pickup_node))["pickupId"] == pickup_id  # type: ignore[index]

    missing_order, missing_pickup = global_id("Order", uuid4()), global_id("Pickup", uuid4())
    await hidden_reads_as_missing(api, other, order_node, missing_order)
    await hidden_reads_as_missing(api, elsewhere, order_node, missing_order)
    await hidden_reads_as_missing(api, elsewhere, pickup_node, missing_pickup)
    await hidden_reads_as_missing(api, shopper, pickup_node, missing_pickup)


@pytest.mark.read_your_writes
async def test_a_return_refetches_for_staff_but_not_for_a_stranger(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    pickup_id, order_id, shopper = await guest_pickup(api)
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=pickup_id)
    ready = (
        await api.data(PICKUP_ACTION % ("markReady", ', shelfSpot: "A1"'), staff, id=pickup_id)
    )["markReady"]
    code = await code_for_customer(api, order_id, shopper, ready["position"])
    await api.data(PICKUP_ACTION % ("collectPickup", f', code: "{code}"'), staff, id=pickup_id)
    request = """mutation($order: UUID!) { requestReturn(orderId: $order,
      lines: [{sku: "RETRO-CLOCK", quantity: 1}], reason: "broken", via: STORE) {
      returnId position userErrors { code } } }"""
    asked = (await api.data(request, staff, order=order_id))["requestReturn"]
    assert asked["userErrors"] == []
    api.settled()
    typed = "query($id: UUID!) { return(id: $id) { id returnId } }"
    found = (await api.data(typed, staff, id=asked["returnId"]))["return"]
    assert found["returnId"] == asked["returnId"]
    assert await node(api, staff, found["id"]) == {
        "__typename": "Return",
        "id": found["id"],
        "returnId": asked["returnId"],
        "returnStatus": "REQUESTED",
    }
    bob = api.token(Role.CUSTOMER, "cust-bob")
    await hidden_reads_as_missing(api, bob, found["id"], global_id("Return", uuid4()))


async def test_a_product_refetches_for_anyone_and_an_unknown_sku_is_not_found(api: Api) -> None:
    typed = 'query { product(sku: "LAVA-LAMP") { id sku name } }'
    product = (await api.data(typed))["product"]
    assert await node(api, None, product["id"]) == {"__typename": "Product", **product}
    code, _ = await not_found(api, None, global_id("Product", "NO-SUCH-SKU"))
    assert code == "NOT_FOUND"


async def test_a_customer_refetches_for_themselves_and_the_desk_only(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    me = (await api.data("query { me { id customerId } }", ada))["me"]
    assert me["customerId"] == "cust-ada"
    assert await node(api, ada, me["id"]) == {"__typename": "Customer", **me}
    admin = api.token(Role.ADMIN, "admin-1")
    assert (await node(api, admin, me["id"]))["customerId"] == "cust-ada"  # type: ignore[index]
    bob = api.token(Role.CUSTOMER, "cust-bob")
    staff = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")  # Ada has no business there yet
    missing = global_id("Customer", "cust-nobody")
    await hidden_reads_as_missing(api, bob, me["id"], missing)
    await hidden_reads_as_missing(api, staff, me["id"], missing)


async def test_a_stock_movement_refetches_for_its_store_only(api: Api) -> None:
    manager = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    typed = """query { stockMovements(locationId: "AMS-ZUID", sku: "DESK-FAN", first: 1) {
      nodes { id locationId sku version kind } } }"""
    [movement] = (await api.data(typed, manager))["stockMovements"]["nodes"]
    assert await node(api, manager, movement["id"]) == {"__typename": "StockMovement", **movement}
    elsewhere = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    missing = global_id("StockMovement", "AMS-ZUID", "DESK-FAN", movement["version"] + 1000)
    await hidden_reads_as_missing(api, elsewhere, movement["id"], missing)
    await not_found(api, manager, missing)


async def test_malformed_ids_are_invalid_input_and_change_nothing(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    malformed = [
        "not an id",
        "",
        global_id("Nope", "x"),  # no such type
        global_id("Cart", "not-a-uuid"),
        global_id("StockMovement", "AMS-ZUID", "DESK-FAN"),  # a key part short
        global_id("StockMovement", "AMS-ZUID", "DESK-FAN", "v1"),
        global_id("Cart", uuid4()) + "==",  # not as the server writes it
    ]
    before = await api.event_count()
    for bad in malformed:
        body = await api.gql(NODE, ada, id=bad)
        assert body["data"] == {"node": None}, bad
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_INPUT"], bad
    assert await api.event_count() == before


async def test_nodes_answers_each_id_in_its_place(api: Api) -> None:
    cart_id, token = await guest_cart(api, ("RETRO-CLOCK", 1))
    cart = await api.data("query($id: UUID!) { cart(id: $id) { id } }", token, id=cart_id)
    product = (await api.data('query { product(sku: "LAVA-LAMP") { id } }'))["product"]["id"]
    ids = [product, global_id("Cart", uuid4()), cart["cart"]["id"], "junk"]
    body = await api.gql(NODES, token, ids=ids)
    assert body["data"]["nodes"] == [
        {"__typename": "Product", "id": product},
        None,
        {"__typename": "Cart", "id": cart["cart"]["id"]},
        None,
    ]
    errors = {tuple(e["path"]): e["extensions"]["code"] for e in body["errors"]}
    assert errors == {("nodes", 1): "NOT_FOUND", ("nodes", 3): "INVALID_INPUT"}
    too_many = await api.gql(NODES, token, ids=[product] * 101)
    assert too_many["data"] is None
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


LOCATIONS = """query($lat: Float!, $lon: Float!) {
  location(locationId: "AMS-CENTRAAL") { id locationId name kind timeZone pickupServiceMinutes }
  product(sku: "RETRO-CLOCK") { availability(latitude: $lat, longitude: $lon, first: 1) {
    nodes { locationId location { id locationId } } } } }"""
LOCATION_NODE = """query($id: ID!) { node(id: $id) { __typename id
  ...on Location { locationId name kind opensAt closesAt } } }"""


async def test_a_store_is_a_node_anyone_refetches_and_availability_names_the_same_one(
    api: Api,
) -> None:
    api.settled()  # the demo's stock is in the inventory read model
    found = await api.data(LOCATIONS, None, lat=52.3791, lon=4.9003)
    store = found["location"]
    assert (store["locationId"], store["kind"], store["timeZone"]) == (
        "AMS-CENTRAAL", "STORE", "Europe/Amsterdam",
    )  # fmt: skip
    [nearest] = found["product"]["availability"]["nodes"]
    assert nearest["location"]["locationId"] == nearest["locationId"]
    if nearest["locationId"] == "AMS-CENTRAAL":  # one id per store, whichever query served it
        assert nearest["location"]["id"] == store["id"]

    for caller in (None, api.token(Role.CUSTOMER, "cust-ada")):
        refetched = (await api.data(LOCATION_NODE, caller, id=store["id"]))["node"]
        assert refetched["__typename"] == "Location" and refetched["id"] == store["id"]
        assert refetched["locationId"] == "AMS-CENTRAAL" and refetched["opensAt"]
    assert (await api.data(LOCATIONS.replace("AMS-CENTRAAL", "NO-SUCH-STORE"), None,
                           lat=52.3791, lon=4.9003))["location"] is None  # fmt: skip
    await not_found(api, None, global_id("Location", "NO-SUCH-STORE"))
