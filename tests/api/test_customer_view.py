"""The single customer view through GraphQL: `me` for the customer, `customer(id)` for staff
with business at their store, the service desk and admins; every refusal typed, nothing
written, and never a hint whether someone else's id exists."""

from __future__ import annotations

import time
from typing import Any

from api.auth import Principal, Role, StaffRole
from domain.values import Channel
from tests.api.conftest import Api
from tests.api.test_mutations import ADD, CHECKOUT, PICKUP_ACTION, code_for_customer

VIEW = """
  id: customerId firstName
  summary { purchases { channel purchases value { amount currency } }
            refunded { amount } openCarts openPickups openReturns }
  timeline(first: $first, after: $after) {
    edges { cursor node { at kind channel deviceId storeId orderId saleId summary } }
    pageInfo { hasNextPage endCursor } }"""
ME = "query($first: Int, $after: String) { me { VIEW } }".replace("VIEW", VIEW)
CUSTOMER = "query($id: String!, $first: Int, $after: String) { customer(id: $id) { VIEW } }"
CUSTOMER = CUSTOMER.replace("VIEW", VIEW)
SALE = """mutation($id: String!, $loyalty: String) { recordPosSale(saleId: $id,
  lines: [{sku: "DESK-FAN", quantity: 1}], loyaltyId: $loyalty) {
  receipt position userErrors { code } } }"""
RETURN = """mutation($order: UUID!) { requestReturn(orderId: $order, via: STORE,
  lines: [{sku: "RETRO-CLOCK", quantity: 1}], reason: "too loud") {
  returnId position userErrors { code } } }"""
RECEIVE = """mutation($id: UUID!) { receiveReturn(returnId: $id, locationId: "AMS-ZUID") {
  position userErrors { code } } }"""


async def on(api: Api, device: str, query: str, token: str | None, **variables: Any) -> dict:
    """A request from a shopper's app on a device ("ada-phone", "ada-laptop"); the app's
    channel is its token's (a guest's cart token claims its startCart's)."""
    headers = {"x-omni-device": device}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = await api.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]  # type: ignore[no-any-return]


async def adas_day(api: Api) -> str:
    """Ada shops on her phone as a guest, signs in, checks out on her laptop for pickup at
    Amsterdam Centraal, collects, buys a fan at the Zuid till with her card and brings the
    clock back there. Returns the last write's position."""
    on_phone = api.token(Role.CUSTOMER, "cust-ada", channel=Channel.MOBILE)
    ada = api.token(Role.CUSTOMER, "cust-ada", channel=Channel.WEB)  # her laptop's web shop
    start = "mutation { startCart(channel: MOBILE) { cartId cartToken } }"
    started = (await on(api, "ada-phone", start, None))["startCart"]
    cart, guest = started["cartId"], started["cartToken"]
    await on(api, "ada-phone", ADD, guest, cart=cart, sku="RETRO-CLOCK", qty=1)
    signed_in = (
        'mutation($t: String!) { signIn(guestCartToken: $t, deviceId: "ada-phone") { cartId } }'
    )
    await on(api, "ada-phone", signed_in, on_phone, t=guest)
    await on(api, "ada-laptop", ADD, ada, cart=cart, sku="LAVA-LAMP", qty=1)
    order = {"cartId": cart, "method": "PICKUP", "locationId": "AMS-CENTRAAL", "paymentToken": "t"}
    placed = (await on(api, "ada-laptop", CHECKOUT, ada, input=order))["checkout"]
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=placed["pickupId"])
    ready = (
        await api.data(
            PICKUP_ACTION % ("markReady", ', shelfSpot: "B2"'), staff, id=placed["pickupId"]
        )
    )["markReady"]
    code = await code_for_customer(api, placed["orderId"], ada, ready["position"])
    collect = PICKUP_ACTION % ("collectPickup", f', code: "{code}"')
    await api.data(collect, staff, id=placed["pickupId"])
    till = api.token(Role.POS, "till-1", "AMS-ZUID")
    sale = (await api.data(SALE, till, id="ada-fan", loyalty="LOYAL-0001"))["recordPosSale"]
    assert sale["userErrors"] == []
    returned = (await api.data(RETURN, till, order=placed["orderId"]))["requestReturn"]
    assert returned["userErrors"] == []
    zuid = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    received = (await api.data(RECEIVE, zuid, id=returned["returnId"]))["receiveReturn"]
    assert received["userErrors"] == []
    api.settled()
    return received["position"]  # type: ignore[no-any-return]


def service_desk(api: Api, *stores: str) -> str:
    principal = Principal(
        role=Role.STAFF,
        subject="desk-1",
        stores=stores,
        staff_role=StaffRole.SERVICE_DESK,
        expires_at=int(time.time()) + 600,
    )
    return api.tokens.mint(principal)


async def test_me_shows_web_mobile_pickup_store_sale_and_return_in_one_list(api: Api) -> None:
    await adas_day(api)
    ada = api.token(Role.CUSTOMER, "cust-ada")

    me = (await api.data(ME, ada, first=100))["me"]

    nodes = [edge["node"] for edge in me["timeline"]["edges"]]
    assert me["id"] == "cust-ada" and me["firstName"] == "Ada"
    assert [n["at"] for n in nodes] == sorted((n["at"] for n in nodes), reverse=True)
    assert {n["channel"] for n in nodes} == {"MOBILE", "WEB", "STAFF", "POS"}
    kinds = [n["kind"] for n in reversed(nodes)]
    for step in (
        "CART_STARTED",
        "CART_ASSIGNED",
        "CHECKOUT",
        "PICKUP_READY",
        "PICKUP_COLLECTED",
        "IN_STORE_SALE",
        "RETURN_REQUESTED",
        "RETURN_RECEIVED",
    ):
        assert step in kinds  # fmt: skip
    assert kinds.index("CART_STARTED") < kinds.index("CHECKOUT") < kinds.index("PICKUP_COLLECTED")
    phone = [n for n in nodes if n["deviceId"] == "ada-phone"]
    assert {n["kind"] for n in phone} >= {"CART_STARTED", "LINE_ADDED", "CART_ASSIGNED"}
    summary = me["summary"]  # an order counts on its channel: where its cart was started
    purchases = sorted(
        (p["channel"], p["purchases"], p["value"]["amount"]) for p in summary["purchases"]
    )
    assert purchases == [("MOBILE", 1, "63.95"), ("POS", 1, "59.50")]
    assert (summary["openCarts"], summary["openPickups"], summary["openReturns"]) == (0, 0, 1)


async def test_the_timeline_pages_newest_first_without_gaps_or_repeats(api: Api) -> None:
    await adas_day(api)
    ada = api.token(Role.CUSTOMER, "cust-ada")
    whole = [e["node"] for e in (await api.data(ME, ada, first=100))["me"]["timeline"]["edges"]]

    paged, after = [], None
    while True:
        page = (await api.data(ME, ada, first=3, after=after))["me"]["timeline"]
        paged += [edge["node"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert paged == whole and len(whole) > 6
    refused = await api.gql(ME, ada, first=3, after="bm90LWEtY3Vyc29y")
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_staff_see_customers_with_business_at_their_store_and_nobody_else(
    api: Api,
) -> None:
    await adas_day(api)
    centraal = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    utrecht = api.token(Role.STAFF, "staff-di", "UTR-CENTRUM")
    before = await api.event_count()

    seen = (await api.data(CUSTOMER, centraal, id="cust-ada", first=5))["customer"]
    not_theirs = await api.gql(CUSTOMER, utrecht, id="cust-ada", first=5)
    unknown = await api.gql(CUSTOMER, utrecht, id="cust-nobody", first=5)

    assert seen["id"] == "cust-ada" and len(seen["timeline"]["edges"]) == 5
    assert _error(not_theirs) == ("NOT_ALLOWED", "this customer has no business with your stores")
    assert _error(unknown) == _error(not_theirs)  # an unknown id reads exactly the same
    assert await api.event_count() == before


async def test_the_service_desk_and_admins_look_anyone_up_and_hear_of_unknown_ids(
    api: Api,
) -> None:
    await adas_day(api)
    desk = service_desk(api, "UTR-CENTRUM")
    admin = api.token(Role.ADMIN, "head-office")
    before = await api.event_count()

    for token in (desk, admin):
        seen = (await api.data(CUSTOMER, token, id="cust-ada", first=2))["customer"]
        assert seen["id"] == "cust-ada" and seen["timeline"]["pageInfo"]["hasNextPage"]
        grace = (await api.data(CUSTOMER, token, id="cust-grace", first=2))["customer"]
        assert grace["timeline"]["edges"] == [] and grace["firstName"] == "Grace"
        assert _error(await api.gql(CUSTOMER, token, id="cust-nobody"))[0] == "NOT_FOUND"
    assert await api.event_count() == before


async def test_guests_tills_other_customers_and_bad_ids_are_refused_and_change_nothing(
    api: Api,
) -> None:
    await adas_day(api)
    started = (await api.data("mutation { startCart { cartToken } }"))["startCart"]
    guest = started["cartToken"]
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    grace = api.token(Role.CUSTOMER, "cust-grace")
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    admin = api.token(Role.ADMIN, "head-office")
    before = await api.event_count()

    assert _error(await api.gql(ME, guest))[0] == "NOT_ALLOWED"
    assert _error(await api.gql(ME, staff))[0] == "NOT_ALLOWED"
    assert _error(await api.gql(ME, None))[0] == "NOT_AUTHENTICATED"
    for token in (guest, till, grace):
        assert _error(await api.gql(CUSTOMER, token, id="cust-ada"))[0] == "NOT_ALLOWED"
        assert _error(await api.gql(CUSTOMER, token, id="cust-nobody"))[0] == "NOT_ALLOWED"
    assert _error(await api.gql(CUSTOMER, None, id="cust-ada"))[0] == "NOT_AUTHENTICATED"
    for bad in ("", "cust ada", "x" * 129, "cust-\n"):
        assert _error(await api.gql(CUSTOMER, admin, id=bad))[0] == "INVALID_INPUT"
    grace_me = (await api.data(ME, grace, first=10))["me"]
    assert grace_me["id"] == "cust-grace" and grace_me["timeline"]["edges"] == []
    assert await api.event_count() == before


def _error(body: dict) -> tuple[str, str]:
    assert body.get("data") is None or None in body["data"].values(), body
    [error] = body["errors"]
    return error["extensions"]["code"], error["message"]
