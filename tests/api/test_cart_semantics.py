"""Cart answers without surprises (issue 19, item 4): a guest reads the cart it started, a
customer hears whether their cart was started or resumed (with the lines a failed checkout
left), a recovered cart's lines are re-checked against every location's stock and say where
the rest is, and coordinates off the globe are refused."""

from __future__ import annotations

import pytest

from api.auth import Role
from domain.values import Channel
from tests.api.conftest import Api
from tests.api.recovery_queries import on_phone
from tests.api.test_mutations import ADD, CHECKOUT
from tests.api.test_recovery_and_analytics import abandoned_cart_of_ada, sim_api  # noqa: F401

GUEST_START = (
    "mutation { startCart { cartId cartToken userErrors { code } cart { id: cartId status } } }"
)
START = """mutation { startCart(deviceId: "ada-phone") { cartId outcome userErrors { code }
  cart { lines { sku quantity } } } }"""
COUNT = """mutation($at: String!, $sku: String!, $n: Int!) { countStock(locationId: $at,
  sku: $sku, counted: $n, reason: "cycle count") { userErrors { code } } }"""
RECOVER_AT = """mutation($cart: UUID!, $at: String) { recoverCart(cartId: $cart, locationId: $at) {
  position userErrors { code field }
  changes { sku change oldQuantity newQuantity availableAt } cart { lines { sku quantity } } } }"""
AVAILABILITY = """query($lat: Float!, $lon: Float!) {
  availability(sku: "LAVA-LAMP", latitude: $lat, longitude: $lon) { nodes { locationId } } }"""
PRODUCT_AVAILABILITY = """query($lat: Float!, $lon: Float!) { product(sku: "LAVA-LAMP") {
  availability(latitude: $lat, longitude: $lon) { nodes { locationId } } } }"""
LOCATIONS = ("AMS-CENTRAAL", "AMS-ZUID", "UTR-CENTRUM", "WH-NL")


async def test_a_guest_reads_the_cart_it_started_in_the_same_answer(api: Api) -> None:
    body = await api.gql(GUEST_START)

    assert "errors" not in body, body["errors"]
    started = body["data"]["startCart"]
    assert started["cart"] == {"id": started["cartId"], "status": "OPEN"}
    added = await api.data(
        ADD, started["cartToken"], cart=started["cartId"], sku="LAVA-LAMP", qty=1
    )
    assert added["addToCart"]["userErrors"] == []


async def test_a_customer_hears_a_cart_was_started_then_resumed_with_the_lines_left_behind(
    api: Api,
) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada", channel=Channel.MOBILE)
    first = (await api.data(START, ada))["startCart"]
    cart = first["cartId"]
    await api.data(ADD, ada, cart=cart, sku="VINYL-PLAYER", qty=2)  # the store holds one
    await api.data(ADD, ada, cart=cart, sku="RETRO-CLOCK", qty=1)
    pickup = {"cartId": cart, "method": "PICKUP", "locationId": "AMS-CENTRAAL"}
    failed = (await api.data(CHECKOUT, ada, input=pickup))["checkout"]
    assert [error["code"] for error in failed["userErrors"]] == ["OUT_OF_STOCK"]

    again = (await api.data(START, ada))["startCart"]

    assert (first["outcome"], first["cart"]["lines"]) == ("STARTED", [])
    assert (again["cartId"], again["outcome"]) == (cart, "RESUMED")
    assert again["cart"]["lines"] == [
        {"sku": "VINYL-PLAYER", "quantity": 2},
        {"sku": "RETRO-CLOCK", "quantity": 1},
    ]


async def test_a_recovered_cart_says_what_stock_is_gone_and_where_the_rest_is(
    sim_api: Api,  # noqa: F811
) -> None:
    api = sim_api
    cart = await abandoned_cart_of_ada(api)  # three vinyl players and a lava lamp
    admin, ada = api.token(Role.ADMIN, "head-office"), api.token(Role.CUSTOMER, "cust-ada")
    for location in LOCATIONS:
        players = 3 if location == "UTR-CENTRUM" else 0
        for sku, units in (("VINYL-PLAYER", players), ("LAVA-LAMP", 0)):
            counted = await api.data(COUNT, admin, at=location, sku=sku, n=units)
            assert counted["countStock"]["userErrors"] == []
    before = await api.event_count()
    unknown = (await on_phone(api, RECOVER_AT, ada, cart=cart, at="NOWHERE"))["recoverCart"]
    assert await api.event_count() == before

    recovered = await on_phone(api, RECOVER_AT, ada, cart=cart, at="AMS-CENTRAAL")

    assert unknown["userErrors"] == [{"code": "UNKNOWN_LOCATION", "field": "locationId"}]
    assert recovered["recoverCart"]["changes"] == [
        {"sku": "VINYL-PLAYER", "change": "ONLY_ELSEWHERE", "oldQuantity": 3, "newQuantity": 3,
         "availableAt": ["UTR-CENTRUM"]},
        {"sku": "LAVA-LAMP", "change": "UNAVAILABLE", "oldQuantity": 1, "newQuantity": 0,
         "availableAt": []},
    ]  # fmt: skip
    assert recovered["recoverCart"]["cart"]["lines"] == [{"sku": "VINYL-PLAYER", "quantity": 3}]


@pytest.mark.parametrize(
    ("latitude", "longitude", "field", "edge"),
    [(123, 4.9, "latitude", (90, 4.9)), (-90.5, 4.9, "latitude", (-90, 4.9)),
     (52.4, 181, "longitude", (52.4, 180)), (52.4, -180.01, "longitude", (52.4, -180))],
)  # fmt: skip
async def test_coordinates_off_the_globe_are_invalid_input_and_its_edges_are_not(
    api: Api, latitude: float, longitude: float, field: str, edge: tuple[float, float]
) -> None:
    for query in (AVAILABILITY, PRODUCT_AVAILABILITY):
        body = await api.gql(query, lat=latitude, lon=longitude)
        at_the_edge = await api.gql(query, lat=edge[0], lon=edge[1])

        assert body["data"] is None, query
        [error] = body["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == (
            "INVALID_INPUT",
            field,
        )
        assert "errors" not in at_the_edge, at_the_edge
