"""Recommendations through GraphQL on the fixed baskets of copurchase_shop: the cart's and the
customer's, who may ask for them (staff of the customer's stores and the service desk only),
bad input refused and nothing written, nothing at all for an erased customer, and an item short
at picking no longer counted as bought with the rest."""

from __future__ import annotations

import time

from api.auth import Principal, Role, StaffRole
from domain.values import Actor, ActorKind, Channel, Context
from tests.api.conftest import Api
from tests.api.copurchase_shop import (
    ADAS_CART,
    ADD,
    CART_RECOMMENDATIONS,
    CHECKOUT,
    CUSTOMER_RECOMMENDATIONS,
    FOR_GRACE,
    ME_RECOMMENDATIONS,
    START,
    adas_cart_with_a_clock,
    buy_the_baskets,
    triples,
)

DESK = Context(
    channel=Channel.STAFF,
    actor=Actor(ActorKind.STAFF, "staff-desk", ("UTR-CENTRUM",), staff_role=StaffRole.SERVICE_DESK),
)


def desk_token(api: Api) -> str:
    return api.tokens.mint(Principal(
        role=Role.STAFF, subject="staff-desk", stores=("UTR-CENTRUM",),
        staff_role=StaffRole.SERVICE_DESK, expires_at=int(time.time() + 600),
    ))  # fmt: skip


async def test_a_carts_recommendations_are_the_hand_counted_ones(api: Api) -> None:
    await buy_the_baskets(api.data, api.token)
    cart = await adas_cart_with_a_clock(api.data, api.token)
    api.settled()
    ada = api.token(Role.CUSTOMER, "cust-ada")

    found = (await api.data(CART_RECOMMENDATIONS, ada, cart=cart))["cart"]["recommendations"]
    at_centraal = await api.data(CART_RECOMMENDATIONS, ada, cart=cart, store="AMS-CENTRAAL")

    assert triples(found) == ADAS_CART
    assert found[0]["reason"] == "bought together with RETRO-CLOCK 3 times"
    assert found[1]["reason"] == "bought together with RETRO-CLOCK 1 time"
    # Centraal still has kettles: there the kettle is offered too.
    assert ("TEA-KETTLE", "RETRO-CLOCK", 1) in triples(at_centraal["cart"]["recommendations"])


async def test_the_customers_own_store_staff_and_the_desk_see_them(api: Api) -> None:
    last = await buy_the_baskets(api.data, api.token)
    centraal = api.token(Role.STAFF, "staff-centraal", "AMS-CENTRAAL")

    mine = await api.data(CUSTOMER_RECOMMENDATIONS, centraal, id="cust-grace", after=last)
    desk = await api.data(CUSTOMER_RECOMMENDATIONS, desk_token(api), id="cust-grace", after=last)

    assert triples(mine["customer"]["recommendations"]) == FOR_GRACE
    assert triples(desk["customer"]["recommendations"]) == FOR_GRACE


async def test_other_stores_the_customer_herself_a_till_and_admins_are_refused(api: Api) -> None:
    last = await buy_the_baskets(api.data, api.token)
    before = await api.event_count()
    refusals = {
        "another store's staff": api.token(Role.STAFF, "staff-utrecht", "UTR-CENTRUM"),
        "a till": api.token(Role.POS, "till-1", "AMS-CENTRAAL"),
        "an admin": api.token(Role.ADMIN, "admin"),
    }
    for who, token in refusals.items():
        body = await api.gql(CUSTOMER_RECOMMENDATIONS, token, id="cust-grace", after=last)
        assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED", who
    herself = await api.gql(ME_RECOMMENDATIONS, api.token(Role.CUSTOMER, "cust-grace"))
    assert herself["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    assert herself["data"] is None
    assert await api.event_count() == before


async def test_bad_arguments_are_refused_and_change_nothing(api: Api) -> None:
    cart = await adas_cart_with_a_clock(api.data, api.token)
    ada = api.token(Role.CUSTOMER, "cust-ada")
    before = await api.event_count()

    too_many = await api.gql(CART_RECOMMENDATIONS, ada, cart=cart, first=21)
    none = await api.gql(CART_RECOMMENDATIONS, ada, cart=cart, first=0)
    nowhere = await api.gql(CART_RECOMMENDATIONS, ada, cart=cart, store="ATLANTIS")

    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert "first: between 1 and 20" in too_many["errors"][0]["message"]
    assert none["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert nowhere["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert await api.event_count() == before


async def test_an_erased_customer_gets_nothing_and_their_baskets_still_count(api: Api) -> None:
    last = await buy_the_baskets(api.data, api.token)
    centraal = api.token(Role.STAFF, "staff-centraal", "AMS-CENTRAAL")
    before = await api.data(CUSTOMER_RECOMMENDATIONS, centraal, id="cust-grace", after=last)
    assert before["customer"]["recommendations"] != []

    async def erase() -> object:
        return await api.services.service.request_erasure("cust-grace", "forget me", DESK)

    done = api.client.blocking_portal.call(erase)  # on the app's own loop
    api.settled()
    after = await api.data(CUSTOMER_RECOMMENDATIONS, desk_token(api), id="cust-grace")
    cart = await adas_cart_with_a_clock(api.data, api.token)
    api.settled()
    adas = await api.data(CART_RECOMMENDATIONS, api.token(Role.CUSTOMER, "cust-ada"), cart=cart)

    assert done is not None
    assert after["customer"]["recommendations"] == []
    # Grace's order still counts, anonymously: the lamp with the clock, 3 times.
    assert triples(adas["cart"]["recommendations"]) == ADAS_CART


PLACED = CHECKOUT.replace("position userErrors", "pickupId userErrors")
START_PICKING = """mutation($id: UUID!) { startPicking(pickupId: $id) { userErrors { code } } }"""
SHORT = """mutation($id: UUID!, $line: String!) { reportShort(pickupId: $id, lineId: $line,
  quantity: 1) { status userErrors { code } } }"""


async def test_a_fan_short_at_picking_is_no_longer_bought_with_the_clock(api: Api) -> None:
    await buy_the_baskets(api.data, api.token)
    alan, staff = (
        api.token(Role.CUSTOMER, "cust-alan"),
        api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL"),
    )
    cart = (await api.data(START, alan))["startCart"]["cartId"]
    for sku in ("RETRO-CLOCK", "DESK-FAN"):  # lines L1 and L2
        await api.data(ADD, alan, cart=cart, sku=sku)
    pickup = (await api.data(PLACED, alan, cart=cart))["checkout"]["pickupId"]
    ada = api.token(Role.CUSTOMER, "cust-ada")
    adas_cart = await adas_cart_with_a_clock(api.data, api.token)
    api.settled()
    before = await api.data(CART_RECOMMENDATIONS, ada, cart=adas_cart)

    await api.data(START_PICKING, staff, id=pickup)
    short = (await api.data(SHORT, staff, id=pickup, line="L2"))["reportShort"]
    api.settled()
    after = await api.data(CART_RECOMMENDATIONS, ada, cart=adas_cart)

    assert ("DESK-FAN", "RETRO-CLOCK", 2) in triples(before["cart"]["recommendations"])
    assert short == {"status": "PICKING", "userErrors": []}  # the clock is still to hand over
    assert triples(after["cart"]["recommendations"]) == ADAS_CART  # Grace's fan only
