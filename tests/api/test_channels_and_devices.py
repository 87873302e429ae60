"""The sales channel is part of the API (issue 19, items 3 and 4): a shopper's token claims
it, or a guest's startCart declares it (and the cart token then claims it); it is validated,
never guessed from a device id, and shown on the cart, the timeline and the analytics. The
retired X-Omni-Channel header is refused. A write without a device id is an unknown device:
no device of its own, and no switch of channel."""

from __future__ import annotations

import time
from datetime import timedelta

import jwt

from api.auth import ISSUER, Role, key_id
from domain.values import Channel
from tests.api.conftest import Api
from tests.api.test_mutations import ADD, CHECKOUT
from tests.store_clock import store_today

START = """mutation($device: String) { startCart(deviceId: $device) { cartId userErrors { code }
  cart { channel } } }"""
GUEST_START = """mutation { startCart(channel: MOBILE, deviceId: "phone") { cartId cartToken
  cart { channel } } }"""
CART = """query($id: UUID!) { cart(id: $id) { channel devices { channel deviceId touches } } }"""
TIMELINE = "{ me { timeline(first: 20) { nodes { kind channel deviceId } } } }"
JOURNEYS = """query($from: Date!, $to: Date!) { journeyStats(firstDay: $from, lastDay: $to,
  chainWide: true) { nodes { channel crossChannel funnel { step reached } } } }"""
TODAY = {
    "from": (store_today() - timedelta(days=1)).isoformat(),
    "to": store_today().isoformat(),
}


async def test_a_phone_app_counts_as_mobile_on_the_cart_the_timeline_and_the_analytics(
    api: Api,
) -> None:
    phone = api.token(Role.CUSTOMER, "cust-ada", channel=Channel.MOBILE)
    cart = (await api.data(START, phone, device="ada-phone"))["startCart"]["cartId"]
    await api.data(ADD, phone, cart=cart, sku="RETRO-CLOCK", qty=1)
    api.settled()

    seen = (await api.data(CART, phone, id=cart))["cart"]
    timeline = (await api.data(TIMELINE, phone))["me"]["timeline"]["nodes"]
    admin = api.token(Role.ADMIN, "head-office")
    journeys = (await api.data(JOURNEYS, admin, **TODAY))["journeyStats"]["nodes"]

    assert seen["channel"] == "MOBILE"
    assert {device["channel"] for device in seen["devices"]} == {"MOBILE"}
    assert {(n["kind"], n["channel"]) for n in timeline} == {
        ("CART_STARTED", "MOBILE"),
        ("LINE_ADDED", "MOBILE"),
    }
    assert [row["channel"] for row in journeys] == ["MOBILE"]


async def test_a_device_id_says_nothing_of_the_channel(api: Api) -> None:
    """A client that declares no channel is UNKNOWN, whatever its device is called."""
    undeclared = api.token(Role.CUSTOMER, "cust-grace")
    started = (await api.data(START, undeclared, device="phone"))["startCart"]
    assert started["cart"]["channel"] == "UNKNOWN"


async def test_a_guest_declares_its_channel_once_and_its_cart_token_carries_it(api: Api) -> None:
    started = (await api.data(GUEST_START))["startCart"]
    token, cart = started["cartToken"], started["cartId"]
    await api.data(ADD, token, cart=cart, sku="LAVA-LAMP", qty=1)  # no channel, no device
    api.settled()

    seen = (await api.data(CART, token, id=cart))["cart"]

    assert started["cart"]["channel"] == "MOBILE"
    assert seen["devices"] == [
        {"channel": "MOBILE", "deviceId": "phone", "touches": 1},
        {"channel": "MOBILE", "deviceId": None, "touches": 1},
    ]


async def test_the_retired_channel_header_is_refused_and_writes_nothing(api: Api) -> None:
    before = await api.event_count()
    response = await api.client.post(
        "/graphql", json={"query": GUEST_START}, headers={"X-Omni-Channel": "mobile"}
    )

    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert "X-Omni-Channel is not read" in error["message"]
    assert await api.event_count() == before


async def test_a_channel_the_token_contradicts_or_no_shopper_has_is_refused(api: Api) -> None:
    phone = api.token(Role.CUSTOMER, "cust-ada", channel=Channel.MOBILE)
    before = await api.event_count()

    contradicted = await api.gql("mutation { startCart(channel: WEB) { cartId } }", phone)
    a_till = await api.gql("mutation { startCart(channel: POS) { cartId } }")

    assert contradicted["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert "this token's channel is MOBILE" in contradicted["errors"][0]["message"]
    # a validation error: the schema's ShopperChannel has no POS (its code is the GraphQL
    # engine's to give, with every validation error's)
    assert a_till.get("data") is None and "ShopperChannel" in a_till["errors"][0]["message"]
    assert await api.event_count() == before


async def test_a_token_claiming_a_channel_its_role_cannot_have_is_not_accepted(api: Api) -> None:
    secret = api.services.settings.secret_key
    before = await api.event_count()
    for role, channel in (("customer", "tv"), ("customer", "pos"), ("pos", "web")):
        claims = {"iss": ISSUER, "sub": "someone", "role": role, "channel": channel}
        claims |= {"exp": int(time.time()) + 600, "stores": ["AMS-CENTRAAL"]}
        forged = jwt.encode(claims, secret, algorithm="HS256", headers={"kid": key_id(secret)})

        body = await api.gql(START, forged, device="tv")

        assert body["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED", (role, channel)
    assert await api.event_count() == before


async def test_finishing_without_a_device_id_is_no_switch_of_device_or_channel(api: Api) -> None:
    web = api.token(Role.CUSTOMER, "cust-ada", channel=Channel.WEB)
    cart = (await api.data(START, web, device="tab-2"))["startCart"]["cartId"]
    await api.data(ADD, web, cart=cart, sku="RETRO-CLOCK", qty=1)  # no device id
    pickup = {"cartId": cart, "method": "PICKUP", "locationId": "AMS-CENTRAAL"}
    placed = (await api.data(CHECKOUT, web, input=pickup))["checkout"]
    assert placed["userErrors"] == []
    api.settled()

    admin = api.token(Role.ADMIN, "head-office")
    journeys = (await api.data(JOURNEYS, admin, **TODAY))["journeyStats"]["nodes"]
    devices = (await api.data(CART, web, id=cart))["cart"]["devices"]

    assert [(row["channel"], row["crossChannel"]) for row in journeys] == [("WEB", 0)]
    assert [d["deviceId"] for d in devices] == ["tab-2", None]
