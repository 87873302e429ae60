"""Issue 17, item 2, as it was found: requests the write side accepted and a read model then
could not hold, which stopped it for every customer. Each is now refused with its field named,
writes nothing, and every read model keeps moving."""

from __future__ import annotations

import pytest

from api.auth import Role
from domain.bounds import MAX_STOCK
from tests.api.conftest import Api
from tests.api.read_models import every_projection_at_the_head

START = """mutation($device: String) { startCart(deviceId: $device) {
  cartId cartToken position userErrors { code field message } } }"""
CART = """query($id: UUID!, $after: String) { cart(id: $id, consistentWith: $after) {
  devices { deviceId } } }"""
RECEIVE = """mutation($qty: Int!) { receiveStock(locationId: "AMS-CENTRAAL", sku: "LAVA-LAMP",
  quantity: $qty, reference: "delivery-1") { position stockLevels { onHand }
  userErrors { code field message } } }"""
COUNT = """mutation { countStock(locationId: "AMS-CENTRAAL", sku: "LAVA-LAMP", counted: 0,
  reason: "recount") { position userErrors { code } } }"""
LONG_DEVICE = "d" * 3_000


async def another_customer_still_reads_their_cart(api: Api) -> None:
    """The cart read models still apply new events: a fresh cart reads back at its position."""
    started = (await api.data(START, device="phone"))["startCart"]
    body = await api.gql(
        CART, started["cartToken"], id=started["cartId"], after=started["position"]
    )
    assert body["data"]["cart"]["devices"] == [{"deviceId": "phone"}]
    assert "extensions" not in body or "staleReads" not in str(body["extensions"]), body


@pytest.mark.read_your_writes
async def test_a_3000_character_device_id_argument_is_refused(api: Api) -> None:
    before = await api.event_count()
    payload = (await api.data(START, device=LONG_DEVICE))["startCart"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_INPUT", "deviceId")
    ]
    assert "3,000" in payload["userErrors"][0]["message"]
    assert payload["cartId"] is None and payload["position"] is None
    assert await api.event_count() == before
    await every_projection_at_the_head(api)
    await another_customer_still_reads_their_cart(api)


@pytest.mark.read_your_writes
async def test_a_3000_character_device_header_is_refused(api: Api) -> None:
    before = await api.event_count()
    response = await api.client.post(
        "/graphql", json={"query": START}, headers={"X-Omni-Device": LONG_DEVICE}
    )
    payload = response.json()["data"]["startCart"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [
        ("INVALID_INPUT", "deviceId")
    ]
    assert await api.event_count() == before
    await every_projection_at_the_head(api)
    await another_customer_still_reads_their_cart(api)


@pytest.mark.read_your_writes
async def test_receiving_the_largest_int_twice_is_refused_the_second_time(api: Api) -> None:
    manager = api.token(Role.STAFF, "staff-mo", "AMS-CENTRAAL")
    assert (await api.data(COUNT, manager))["countStock"]["userErrors"] == []
    first = (await api.data(RECEIVE, manager, qty=MAX_STOCK))["receiveStock"]
    assert first["userErrors"] == []
    assert first["stockLevels"] == [{"onHand": MAX_STOCK}]

    before = await api.event_count()
    second = (await api.gql(RECEIVE, manager, qty=MAX_STOCK))["data"]["receiveStock"]
    assert [(e["code"], e["field"]) for e in second["userErrors"]] == [
        ("INVALID_QUANTITY", "quantity")
    ]
    assert second["position"] is None and await api.event_count() == before
    one_more = (await api.data(RECEIVE, manager, qty=1))["receiveStock"]
    assert [e["code"] for e in one_more["userErrors"]] == ["INVALID_QUANTITY"]
    await every_projection_at_the_head(api)
    await another_customer_still_reads_their_cart(api)
