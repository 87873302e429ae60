"""What frontends and staff asked for (issue 14 items 9, 11, 12; issue 7's oversold): the
merge told line by line, a no-show staff drive once the window passed, checkout with
expected versions, an oversold stock level that says so."""

from __future__ import annotations

from typing import Any

import pytest

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_mutations import ADD, CHECKOUT, PICKUP_ACTION, guest_cart, guest_pickup

SIGN_IN = """mutation($t: String!) { signIn(guestCartToken: $t) {
  cartId mergedFrom userErrors { code }
  mergedLines { sku change guestQuantity quantityBefore quantityAfter } } }"""
CART_VERSION = """query($after: String) { myCart(consistentWith: $after) { id: cartId version } }"""
LEVELS = """query($after: String) { storeStock(locationId: "AMS-ZUID", skus: ["LAVA-LAMP"],
  consistentWith: $after) { nodes { onHand reserved available oversold version } } }"""


async def test_sign_in_tells_what_happened_to_each_guest_line(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    cart_id = (await api.data("mutation { startCart { cartId } }", ada))["startCart"]["cartId"]
    await api.data(ADD, ada, cart=cart_id, sku="RETRO-CLOCK", qty=98)
    await api.data(ADD, ada, cart=cart_id, sku="LAVA-LAMP", qty=1)
    _, guest = await guest_cart(api, ("RETRO-CLOCK", 5), ("LAVA-LAMP", 2), ("DESK-FAN", 1))

    signed = (await api.data(SIGN_IN, ada, t=guest))["signIn"]

    assert signed["userErrors"] == [] and signed["cartId"] == cart_id
    assert signed["mergedLines"] == [
        {"sku": "RETRO-CLOCK", "change": "CAPPED", "guestQuantity": 5, "quantityBefore": 98,
         "quantityAfter": 99},
        {"sku": "LAVA-LAMP", "change": "COMBINED", "guestQuantity": 2, "quantityBefore": 1,
         "quantityAfter": 3},
        {"sku": "DESK-FAN", "change": "ADDED", "guestQuantity": 1, "quantityBefore": 0,
         "quantityAfter": 1},
    ]  # fmt: skip


async def test_a_no_show_is_refused_while_the_customer_may_still_come(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    pickup_id, _, _ = await guest_pickup(api)
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=pickup_id)
    await api.data(PICKUP_ACTION % ("markReady", ', shelfSpot: "A1"'), staff, id=pickup_id)
    before = await api.event_count()

    payload = (await api.data(PICKUP_ACTION % ("markNoShow", ""), staff, id=pickup_id))[
        "markNoShow"
    ]
    by_till = await api.gql(PICKUP_ACTION % ("markNoShow", ""), till, id=pickup_id)

    assert [error["code"] for error in payload["userErrors"]] == ["PICKUP_WINDOW_STILL_OPEN"]
    assert by_till["errors"][0]["message"] == "a till may not pick"
    assert await api.event_count() == before


@pytest.mark.read_your_writes
async def test_checkout_with_expected_versions_refuses_a_cart_that_moved_on(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    cart_id = (await api.data("mutation { startCart { cartId } }", ada))["startCart"]["cartId"]
    added = (await api.data(ADD, ada, cart=cart_id, sku="LAVA-LAMP", qty=1))["addToCart"]
    seen = (await api.data(CART_VERSION, ada, after=added["position"]))["myCart"]
    meanwhile = (await api.data(ADD, ada, cart=cart_id, sku="LAVA-LAMP", qty=1))["addToCart"]
    before = await api.event_count()

    stale = await _checkout(api, ada, cart_id, [{"streamId": cart_id, "version": seen["version"]}])
    [error] = stale["userErrors"]

    assert error["code"] == "STALE_VERSION" and error["field"] == "expectedVersions"
    assert await api.event_count() == before
    current = (await api.data(CART_VERSION, ada, after=meanwhile["position"]))["myCart"]["version"]
    placed = await _checkout(api, ada, cart_id, [{"streamId": cart_id, "version": current}])
    assert placed["userErrors"] == [] and placed["orderId"]


@pytest.mark.read_your_writes
async def test_a_count_below_reservations_shows_the_oversold_units(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    cart_id, token = await guest_cart(api, ("LAVA-LAMP", 2))
    pickup = {"cartId": cart_id, "method": "PICKUP", "locationId": "AMS-ZUID", "paymentToken": "t"}
    assert (await api.data(CHECKOUT, token, input=pickup))["checkout"]["userErrors"] == []
    counted = (
        await api.data(
            """mutation { countStock(locationId: "AMS-ZUID", sku: "LAVA-LAMP", counted: 1,
            reason: "shelf count") { position userErrors { code } } }""",
            staff,
        )
    )["countStock"]

    [level] = (await api.data(LEVELS, staff, after=counted["position"]))["storeStock"]["nodes"]
    assert (level["onHand"], level["reserved"], level["available"]) == (1, 2, -1)
    assert level["oversold"] == 1
    low = (
        await api.data(
            'query { lowStock(locationId: "AMS-ZUID", first: 1) { nodes { sku oversold } } }',
            staff,
        )
    )["lowStock"]["nodes"]
    assert low == [{"sku": "LAVA-LAMP", "oversold": 1}]  # oversold items come first


async def _checkout(api: Api, token: str, cart_id: str, expected: list[dict[str, Any]]) -> Any:
    query = """mutation($input: CheckoutInput!) { checkout(input: $input) {
      orderId userErrors { code field message } } }"""
    checkout = {"cartId": cart_id, "method": "SHIP", "locationId": "WH-NL", "paymentToken": "t"}
    return (await api.data(query, token, input={**checkout, "expectedVersions": expected}))[
        "checkout"
    ]
