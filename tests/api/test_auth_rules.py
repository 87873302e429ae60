"""Each authorization rule, with an attempt to break it: refused, and nothing written."""

from __future__ import annotations

import pytest

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_mutations import ADD, CHECKOUT, PICKUP_ACTION, checked_out_pickup, guest_cart

CART = "query($id: UUID!) { cart(id: $id) { id: cartId lines { sku quantity } } }"
ORDER = """query($id: UUID!, $after: String) {
  order(id: $id, consistentWith: $after) { id: orderId status } }"""


async def forbidden(api: Api, query: str, token: str | None, **variables: object) -> str:
    before = await api.event_count()
    body = await api.gql(query, token, **variables)
    assert body.get("errors"), body
    assert await api.event_count() == before
    return body["errors"][0]["message"]  # type: ignore[no-any-return]


async def test_a_guest_cannot_touch_another_guests_cart(api: Api) -> None:
    mine, _ = await guest_cart(api, ("RETRO-CLOCK", 1))
    _, other_token = await guest_cart(api)
    assert "not yours" in await forbidden(api, CART, other_token, id=mine)
    assert "not yours" in await forbidden(api, ADD, other_token, cart=mine, sku="LAVA-LAMP", qty=1)
    assert "not yours" in await forbidden(api, ADD, None, cart=mine, sku="LAVA-LAMP", qty=1)


@pytest.mark.read_your_writes
async def test_a_customer_cannot_read_or_change_another_customers_cart_or_order(
    api: Api,
) -> None:
    ada, bob = api.token(Role.CUSTOMER, "cust-ada"), api.token(Role.CUSTOMER, "cust-bob")
    started = (await api.data("mutation { startCart { cartId } }", ada))["startCart"]
    await api.data(ADD, ada, cart=started["cartId"], sku="RETRO-CLOCK", qty=1)
    placed = (
        await api.data(
            CHECKOUT,
            ada,
            input={
                "cartId": started["cartId"],
                "method": "PICKUP",
                "locationId": "AMS-ZUID",
                "paymentToken": "tok",
            },
        )
    )["checkout"]
    assert placed["userErrors"] == []
    assert "not yours" in await forbidden(api, CART, bob, id=started["cartId"])
    after = placed["position"]
    assert "not yours" in await forbidden(api, ORDER, bob, id=placed["orderId"], after=after)
    mine = await api.data(ORDER, ada, id=placed["orderId"], after=after)
    assert mine["order"]["status"] == "PAYMENT_AUTHORIZED"
    cancel = """mutation($id: UUID!) { cancelOrder(orderId: $id, reason: "mine now") {
      userErrors { code } } }"""
    assert "not yours" in await forbidden(api, cancel, bob, id=placed["orderId"])


async def test_staff_act_only_at_their_stores_and_a_pos_only_at_its_own(api: Api) -> None:
    pickup_id, _ = await checked_out_pickup(api)  # at AMS-CENTRAAL
    elsewhere = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    other_till = api.token(Role.POS, "till-2", "UTR-CENTRUM")
    customer = api.token(Role.CUSTOMER, "cust-ada")
    start = PICKUP_ACTION % ("startPicking", "")
    assert "not allowed at store" in await forbidden(api, start, elsewhere, id=pickup_id)
    assert "not allowed at store" in await forbidden(api, start, other_till, id=pickup_id)
    assert "may not" in await forbidden(api, start, customer, id=pickup_id)
    board = 'query { pickupBoard(storeId: "AMS-CENTRAAL") { toPick { id: pickupId } } }'
    assert "not allowed at store" in await forbidden(api, board, elsewhere)
    receive = """mutation { receiveStock(locationId: "AMS-CENTRAAL", sku: "DESK-FAN",
      quantity: 5, reference: "x") { userErrors { code } } }"""
    assert "not allowed at store" in await forbidden(api, receive, other_till)


async def test_admin_only_views_are_closed_to_others(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    query = "query { projections { name state } }"
    assert "may not" in await forbidden(api, query, staff)
    # A runner records `running` once it leads; just after start-up some are still `stopped`,
    # and the plans' differential check would see two answers.
    await api.all_projections_running()
    admin = await api.data(query, api.token(Role.ADMIN, "root"))
    assert {p["name"] for p in admin["projections"]} >= {"cart_continuity", "store_inventory"}
