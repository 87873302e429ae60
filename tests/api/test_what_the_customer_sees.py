"""What a customer's app can show without guessing (issue 19, item 3): the order number staff
ask for, and for a pickup the store, the window to collect in and the code; and every
version checkout's expectedVersions takes, read from the schema with its stream id."""

from __future__ import annotations

from datetime import datetime, timedelta

from api.auth import Role
from domain.values import Channel
from tests.api.conftest import Api
from tests.api.test_mutations import ADD, CHECKOUT, PICKUP_ACTION

ORDER = """query($id: UUID!, $after: String) { order(id: $id, consistentWith: $after) {
  orderNumber
  pickup { status storeId storeName promisedReadyAt readyAt collectBy pickupCode } } }"""
BOARD_CARD = """query($id: UUID!) { pickup(id: $id) { orderNumber } }"""
SEEN = """query($after: String) {
  myCart(consistentWith: $after) { streamId version lines { sku } }
  storeStock(locationId: "AMS-CENTRAAL", skus: ["LAVA-LAMP", "RETRO-CLOCK"],
             consistentWith: $after) { nodes { sku streamId version } } }"""
DELIVERY = """mutation { receiveStock(locationId: "AMS-CENTRAAL", sku: "RETRO-CLOCK",
  quantity: 1, reference: "late delivery") { position userErrors { code } } }"""
PLACE = """mutation($input: CheckoutInput!) { checkout(input: $input) {
  orderId pickupId userErrors { code field message } } }"""


async def test_the_customer_reads_the_order_number_and_where_when_and_how_to_collect(
    api: Api,
) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada", channel=Channel.WEB)
    cart = (await api.data("mutation { startCart { cartId } }", ada))["startCart"]["cartId"]
    await api.data(ADD, ada, cart=cart, sku="RETRO-CLOCK", qty=1)
    pickup = {"cartId": cart, "method": "PICKUP", "locationId": "AMS-CENTRAAL"}
    placed = (await api.data(CHECKOUT, ada, input=pickup))["checkout"]
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    waiting = await api.data(ORDER, ada, id=placed["orderId"], after=placed["position"])
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=placed["pickupId"])
    ready = (
        await api.data(
            PICKUP_ACTION % ("markReady", ', shelfSpot: "B2"'), staff, id=placed["pickupId"]
        )
    )["markReady"]

    order = (await api.data(ORDER, ada, id=placed["orderId"], after=ready["position"]))["order"]
    card = (await api.data(BOARD_CARD, staff, id=placed["pickupId"]))["pickup"]

    assert order["orderNumber"] == card["orderNumber"] == placed["orderId"][:8].upper()
    assert waiting["order"]["pickup"]["pickupCode"] is None  # not before it is ready
    shown = order["pickup"]
    assert (shown["status"], shown["storeId"]) == ("READY", "AMS-CENTRAAL")
    assert shown["storeName"] == "Amsterdam Centraal"
    window = _at(shown["collectBy"]) - _at(shown["readyAt"])
    assert timedelta(days=6) < window <= timedelta(days=8)  # the store's 7-day window
    assert len(shown["pickupCode"]) == 6


async def test_every_expected_version_is_read_with_its_stream_from_the_schema(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada", channel=Channel.WEB)
    cart = (await api.data("mutation { startCart { cartId } }", ada))["startCart"]["cartId"]
    await api.data(ADD, ada, cart=cart, sku="LAVA-LAMP", qty=1)
    added = (await api.data(ADD, ada, cart=cart, sku="RETRO-CLOCK", qty=1))["addToCart"]
    seen = await api.data(SEEN, ada, after=added["position"])
    pickup = {"cartId": cart, "method": "PICKUP", "locationId": "AMS-CENTRAAL"}
    delivered = (await api.data(DELIVERY, api.token(Role.ADMIN, "head-office")))["receiveStock"]
    before = await api.event_count()

    stale = await api.data(PLACE, ada, input={**pickup, "expectedVersions": versions(seen)})
    assert await api.event_count() == before
    fresh = await api.data(SEEN, ada, after=delivered["position"])
    placed = await api.data(PLACE, ada, input={**pickup, "expectedVersions": versions(fresh)})

    assert seen["myCart"]["streamId"] == cart and len(versions(seen)) == 3
    [refusal] = stale["checkout"]["userErrors"]
    assert refusal["code"] == "STALE_VERSION" and "RETRO-CLOCK" in refusal["message"]
    assert placed["checkout"]["userErrors"] == [] and placed["checkout"]["pickupId"]


def versions(seen: dict) -> list[dict]:
    """Checkout's expectedVersions, as a client builds them from what it read."""
    streams = [seen["myCart"], *seen["storeStock"]["nodes"]]
    return [{"streamId": s["streamId"], "version": s["version"]} for s in streams]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)
