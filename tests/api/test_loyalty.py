"""Loyalty through GraphQL in process (every document also answered by graphql-core, as
tests/api does): a till rings up an online cart paying with points, the customer reads their
ledger, a till sees it, a checkout pays with points and the card only for the rest; each new
action refused to the roles that may not, with nothing written."""

from __future__ import annotations

import json
from decimal import Decimal
from uuid import UUID

from api.auth import Role
from domain.loyalty.model import loyalty_account_id
from tests.api.conftest import Api
from tests.api.test_e2e_loyalty import CHECKOUT, LOYALTY, SALE, TILL_VIEW
from tests.api.test_till_continues_cart import customer_cart

STORE = "AMS-CENTRAAL"
RING_UP = """mutation($cart: UUID!, $version: Int!, $points: Int) {
  ringUpCart(cartId: $cart, cartVersion: $version, saleId: "P-0001",
    lines: [{sku: "VINYL-PLAYER", quantity: 1}], redeemPoints: $points) {
    total { amount } pointsRedeemed pointsEarned position userErrors { code } } }"""
CART = "query($id: UUID!) { cart(id: $id) { id: cartId version } }"
RING_UP_AT = """mutation($cart: UUID!, $version: Int!, $store: String!) {
  ringUpCart(cartId: $cart, cartVersion: $version, saleId: "P-0002", locationId: $store,
    lines: [{sku: "VINYL-PLAYER", quantity: 1}], redeemPoints: 10) {
    position userErrors { code } } }"""


async def earned_at_a_till(api: Api, customer: str, sale: str = "E-0001") -> str:
    """149 points for a vinyl player bought at the till; the sale's position."""
    till, shopper = api.token(Role.POS, "till-1", STORE), api.token(Role.CUSTOMER, customer)
    lines = [{"sku": "VINYL-PLAYER", "quantity": 1}]
    sold = (await api.data(SALE, till, id=sale, lines=lines, shopper=shopper))["recordPosSale"]
    assert (sold["userErrors"], sold["pointsEarned"]) == ([], 149)
    return sold["position"]  # type: ignore[no-any-return]


async def test_a_till_rings_up_an_online_cart_paid_partly_with_points(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    await earned_at_a_till(api, "cust-ada")
    cart_id = await customer_cart(api, ada, ("VINYL-PLAYER", 1))
    till = api.token(Role.POS, "till-1", STORE)
    api.settled()  # the cart's version as the till reads it, from its read model
    cart = (await api.data(CART, ada, id=cart_id))["cart"]

    rung = (await api.data(RING_UP, till, cart=cart_id, version=cart["version"], points=100))[
        "ringUpCart"
    ]

    assert (rung["userErrors"], rung["pointsRedeemed"], rung["pointsEarned"]) == ([], 100, 148)
    mine = (await api.data(LOYALTY, ada, after=rung["position"]))["me"]["loyalty"]
    assert (mine["balance"], mine["earned"], mine["redeemed"]) == (149 - 100 + 148, 297, 100)
    assert mine["value"] == {"amount": "1.97"}
    seen = await api.data(TILL_VIEW, till, value="LOYAL-0001")
    assert seen["tillShopper"]["loyalty"] == {"balance": 197, "owed": 0}


async def test_a_checkout_pays_with_points_and_the_card_for_the_rest(api: Api) -> None:
    grace = api.token(Role.CUSTOMER, "cust-grace")
    await earned_at_a_till(api, "cust-grace")
    cart_id = await customer_cart(api, grace, ("LAVA-LAMP", 1))

    placed = (await api.data(CHECKOUT, grace, cart=cart_id, points=149))["checkout"]

    assert placed["userErrors"] == [] and placed["total"] == {"amount": "39.00"}
    written = await api.db.fetch(
        """SELECT topic, state, transaction_id::text AS xid FROM events
           WHERE stream_id = ANY($1::uuid[]) ORDER BY position""",
        [UUID(placed["orderId"]), loyalty_account_id("cust-grace")],
    )
    facts = {row["topic"].rsplit(".", 1)[1]: json.loads(row["state"]) for row in written}
    assert facts["PointsTendered"]["points"] == 149
    assert facts["Redeemed"]["points"] == 149
    assert Decimal(facts["PaymentAuthorized"]["amount"]["amount"]) == Decimal("37.51")
    together = {row["xid"] for row in written if row["topic"].endswith(("Tendered", "Redeemed"))}
    assert len(together) == 1  # the redemption and the order: one append
    mine = (await api.data(LOYALTY, grace, after=placed["position"]))["me"]["loyalty"]
    assert (mine["balance"], mine["redeemed"]) == (0, 149)


async def test_ringing_up_with_more_points_than_the_balance_writes_nothing(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    cart_id = await customer_cart(api, ada, ("VINYL-PLAYER", 1))
    api.settled()  # the cart's version as the till reads it, from its read model
    cart = (await api.data(CART, ada, id=cart_id))["cart"]
    till = api.token(Role.POS, "till-1", STORE)
    before = await api.event_count()

    refused = (await api.data(RING_UP, till, cart=cart_id, version=cart["version"], points=1))[
        "ringUpCart"
    ]

    assert refused["userErrors"] == [{"code": "INSUFFICIENT_POINTS"}]
    assert await api.event_count() == before


async def test_no_one_but_a_till_rings_up_with_points(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    await earned_at_a_till(api, "cust-ada")
    cart_id = await customer_cart(api, ada, ("VINYL-PLAYER", 1))
    api.settled()  # the cart's version as the till reads it, from its read model
    cart = (await api.data(CART, ada, id=cart_id))["cart"]
    before = await api.event_count()
    for token in (ada, api.token(Role.STAFF, "staff-1", STORE)):
        body = await api.gql(RING_UP, token, cart=cart_id, version=cart["version"], points=10)
        assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED", body
    other_store = api.token(Role.POS, "till-9", "AMS-ZUID")  # at another store than its own
    body = await api.gql(
        RING_UP_AT, other_store, cart=cart_id, version=cart["version"], store=STORE
    )
    refusal = body.get("errors") or body["data"]["ringUpCart"]["userErrors"]
    assert "NOT_ALLOWED" in str(refusal), body
    assert await api.event_count() == before
