"""The till continues the customer's online cart, through GraphQL: it identifies the shopper
(loyalty card, or the code of the cart their app shows), sees the open cart and a short profile,
and rings the cart up with what was in the basket at the counter; the customer's timeline and
the journey figures show it. Every new action refused to every other role and store, with
nothing written."""

from __future__ import annotations

from typing import Any

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_auth_rules import forbidden
from tests.api.test_mutations import ADD, CHECKOUT, guest_cart, refused
from tests.store_clock import store_today

SHOPPER = """query($by: ShopperKey!, $value: String!) { tillShopper(by: $by, value: $value) {
  customerId firstName openPickups openReturns lastOrders { id: orderId }
  cart { id: cartId version status lines { sku quantity } } } }"""
RING_UP = """mutation($cart: UUID!, $version: Int!, $sale: String!, $lines: [SaleLineInput!]!,
  $location: String) {
  ringUpCart(cartId: $cart, cartVersion: $version, saleId: $sale, lines: $lines,
    paymentReference: "card-4242", locationId: $location) {
    saleId receipt cartId customerId total { amount currency } locationId position
    counterChanges { sku inCart bought } userErrors { code field message } } }"""
TIMELINE = """query($after: String) { me(consistentWith: $after) {
  timeline(first: 4) { edges { node { kind channel storeId saleId summary } } } } }"""
MY_CART = "query($after: String) { myCart(consistentWith: $after) { id: cartId } }"
CART = "query($id: UUID!) { cart(id: $id) { status channel tillCode } }"
JOURNEYS = """query($day: Date!) { journeyStats(firstDay: $day, lastDay: $day,
  timeZone: "Europe/Amsterdam", storeId: "AMS-CENTRAAL") {
  nodes { channel crossChannel boughtInStore funnel { step reached } } } }"""
BASKET = [{"sku": "RETRO-CLOCK", "quantity": 1}, {"sku": "DESK-FAN", "quantity": 1}]


async def customer_cart(api: Api, token: str, *lines: tuple[str, int]) -> str:
    cart_id: str = (await api.data("mutation { startCart { cartId } }", token))["startCart"][
        "cartId"
    ]
    for sku, quantity in lines:
        added = (await api.data(ADD, token, cart=cart_id, sku=sku, qty=quantity))["addToCart"]
        assert added["userErrors"] == []
    return cart_id


async def orders_to_collect(api: Api, token: str, count: int) -> list[str]:
    """Ada's orders to collect at Centraal, oldest first."""
    placed = []
    for _ in range(count):
        cart_id = await customer_cart(api, token, ("NOTEBOOK-A5", 1))
        pickup = {"cartId": cart_id, "method": "PICKUP", "locationId": "AMS-CENTRAAL"}
        done = await api.data(CHECKOUT, token, input={**pickup, "paymentToken": "tok"})
        placed.append(done["checkout"]["orderId"])
    return placed


async def ring_up(api: Api, till: str, cart: dict, sale: str, **more: Any) -> dict:
    variables = {"cart": cart["id"], "version": cart["version"], "sale": sale, "lines": BASKET}
    return (await api.data(RING_UP, till, **{**variables, **more}))["ringUpCart"]  # type: ignore[no-any-return]


async def test_a_till_rings_up_a_customers_web_cart_and_her_timeline_shows_it(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    orders = await orders_to_collect(api, ada, 4)
    cart_id = await customer_cart(api, ada, ("RETRO-CLOCK", 1), ("LAVA-LAMP", 2))

    shopper = (await api.data(SHOPPER, till, by="LOYALTY_ID", value="LOYAL-0001"))["tillShopper"]
    assert (shopper["customerId"], shopper["firstName"]) == ("cust-ada", "Ada")
    assert (shopper["openPickups"], shopper["openReturns"]) == (4, 0)
    assert [order["id"] for order in shopper["lastOrders"]] == orders[:0:-1]  # newest 3
    cart = shopper["cart"]
    assert (cart["id"], cart["status"]) == (cart_id, "OPEN")
    assert cart["lines"] == [
        {"sku": "RETRO-CLOCK", "quantity": 1},
        {"sku": "LAVA-LAMP", "quantity": 2},
    ]

    # At the counter the lamps stay on the shelf and a desk fan is added.
    rung = await ring_up(api, till, cart, "T-1")
    assert rung["userErrors"] == []
    assert (rung["receipt"], rung["cartId"], rung["customerId"]) == (
        "AMS-CENTRAAL/till-1/T-1",
        cart_id,
        "cust-ada",
    )
    assert rung["total"] == {"amount": "84.45", "currency": "EUR"}  # 24.95 + 59.50
    assert rung["counterChanges"] == [
        {"sku": "DESK-FAN", "inCart": 0, "bought": 1},
        {"sku": "LAVA-LAMP", "inCart": 2, "bought": 0},
    ]

    after = rung["position"]
    timeline = (await api.data(TIMELINE, ada, after=after))["me"]["timeline"]["edges"]
    assert [edge["node"] for edge in timeline[:3]] == [
        {
            "kind": "POINTS_EARNED",  # on the money paid, in the same append (issue 22)
            "channel": "POS",
            "storeId": None,
            "saleId": rung["saleId"],
            "summary": "Earned 84 points on a till sale",
        },
        {
            "kind": "IN_STORE_SALE",
            "channel": "POS",
            "storeId": "AMS-CENTRAAL",
            "saleId": rung["saleId"],
            "summary": "Bought 2 items for 84.45 EUR",
        },
        {
            "kind": "CART_BOUGHT_IN_STORE",
            "channel": "POS",
            "storeId": "AMS-CENTRAAL",
            "saleId": None,
            "summary": "Cart rung up at the till in AMS-CENTRAAL: 1 line added at the counter, "
            "1 line left out",
        },
    ]
    assert (await api.data(MY_CART, ada, after=after))["myCart"] is None
    closed = (await api.data(CART, ada, id=cart_id))["cart"]
    assert closed["status"] == "BOUGHT_IN_STORE"
    api.settled()
    today = store_today().isoformat()
    admin = api.token(Role.ADMIN, "root")
    rows = (await api.data(JOURNEYS, admin, day=today))["journeyStats"]["nodes"]
    started_there = [row for row in rows if row["channel"] == closed["channel"]]  # her laptop's
    assert [row["boughtInStore"] for row in started_there] == [1]


async def test_a_guests_cart_is_found_by_the_code_its_app_shows(api: Api) -> None:
    cart_id, guest = await guest_cart(api, ("RETRO-CLOCK", 1))
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    code = (await api.data(CART, guest, id=cart_id))["cart"]["tillCode"]
    assert code == f"omni-cart:{cart_id}"

    shopper = (await api.data(SHOPPER, till, by="CART_CODE", value=code))["tillShopper"]
    assert (shopper["customerId"], shopper["firstName"], shopper["lastOrders"]) == (None, None, [])
    rung = await ring_up(api, till, shopper["cart"], "T-2")
    assert (rung["userErrors"], rung["customerId"]) == ([], None)
    closed = await api.gql(SHOPPER, till, by="CART_CODE", value=code)
    assert closed["errors"][0]["extensions"]["code"] == "CART_CLOSED"


async def test_a_cart_changed_since_the_till_read_it_is_refused_and_a_resend_recorded_once(
    api: Api,
) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    cart_id = await customer_cart(api, ada, ("RETRO-CLOCK", 1))
    seen = (await api.data(SHOPPER, till, by="LOYALTY_ID", value="LOYAL-0001"))["tillShopper"]
    await api.data(ADD, ada, cart=cart_id, sku="LAVA-LAMP", qty=1)  # on her phone, meanwhile

    variables = {
        "cart": cart_id,
        "version": seen["cart"]["version"],
        "sale": "T-3",
        "lines": BASKET,
    }
    error = await refused(api, RING_UP, till, "ringUpCart", **variables)
    assert (error["code"], error["field"]) == ("STALE_VERSION", "cartVersion")

    again = (await api.data(SHOPPER, till, by="LOYALTY_ID", value="LOYAL-0001"))["tillShopper"]
    first = await ring_up(api, till, again["cart"], "T-3")
    before = await api.event_count()
    resent = await ring_up(api, till, again["cart"], "T-3")
    assert resent["receipt"] == first["receipt"] and resent["userErrors"] == []
    assert await api.event_count() == before


async def test_only_a_till_identifies_the_shopper_at_the_counter(api: Api) -> None:
    await customer_cart(api, api.token(Role.CUSTOMER, "cust-ada"), ("RETRO-CLOCK", 1))
    _, guest = await guest_cart(api)
    for who in (
        guest,
        api.token(Role.CUSTOMER, "cust-ada"),
        api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL"),
    ):
        message = await forbidden(api, SHOPPER, who, by="LOYALTY_ID", value="LOYAL-0001")
        assert "may not do this" in message
    body = await api.gql(SHOPPER, None, by="LOYALTY_ID", value="LOYAL-0001")
    assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"


async def test_only_a_till_of_the_store_rings_up_a_cart(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    cart_id = await customer_cart(api, ada, ("RETRO-CLOCK", 1))
    seen = (await api.data(SHOPPER, till, by="LOYALTY_ID", value="LOYAL-0001"))["tillShopper"]
    variables = {"cart": cart_id, "version": seen["cart"]["version"], "lines": BASKET}
    for number, who in enumerate((ada, api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")), start=1):
        message = await forbidden(api, RING_UP, who, sale=f"X-{number}", **variables)
        assert "may not do this" in message
    elsewhere = await forbidden(api, RING_UP, till, sale="X-3", location="UTR-CENTRUM", **variables)
    assert elsewhere == "not allowed at store UTR-CENTRUM"
    assert (await api.data(CART, ada, id=cart_id))["cart"]["status"] == "OPEN"


async def test_what_a_till_sends_to_continue_a_cart_is_bounded(api: Api) -> None:
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    cart_id, _ = await guest_cart(api, ("RETRO-CLOCK", 1))
    long_number = "9" * 101
    variables = {"cart": cart_id, "version": 2, "sale": long_number, "lines": BASKET}
    error = await refused(api, RING_UP, till, "ringUpCart", **variables)
    assert (error["code"], error["field"]) == ("INVALID_INPUT", "saleId")
    body = await api.gql(SHOPPER, till, by="LOYALTY_ID", value="L" * 201)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    coded = await api.gql(SHOPPER, till, by="CART_CODE", value="LOYAL-0001")
    assert coded["errors"][0]["extensions"]["code"] == "INVALID_CART_CODE"
