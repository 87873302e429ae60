"""Roles follow what each actor does (issue 14, item 2): a till sells, serves a cart and takes
returns at the counter; picking, counting, inspecting, refunding and handing over need staff
of the store. Each refusal changes nothing. The pickup code is the customer's: staff type it,
never read it; who handed over is recorded and can be read back."""

from __future__ import annotations

import pytest

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_auth_rules import forbidden
from tests.api.test_mutations import PICKUP_ACTION, code_for_customer, guest_pickup

BOARD_CARD = """query($id: UUID!, $after: String) { pickup(id: $id, consistentWith: $after) {
  status collectedBy collectionProof orderNumber lines { sku productName quantity }
  order { pickup { pickupCode } } } }"""


async def test_a_till_may_not_pick_a_click_and_collect_order(api: Api) -> None:
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    pickup_id, _, _ = await guest_pickup(api)
    message = await forbidden(api, PICKUP_ACTION % ("startPicking", ""), till, id=pickup_id)
    assert message == "a till may not pick"


async def test_a_till_may_not_set_a_stock_count(api: Api) -> None:
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    count = """mutation { countStock(locationId: "AMS-CENTRAAL", sku: "LAVA-LAMP", counted: 99,
      reason: "till says so") { position userErrors { code } } }"""
    levels = (
        'query { storeStock(locationId: "AMS-CENTRAAL", skus: ["LAVA-LAMP"]) { nodes { onHand } } }'
    )
    api.settled()
    on_hand = (await api.data(levels))["storeStock"]["nodes"]
    assert await forbidden(api, count, till) == "a till may not manage stock"
    api.settled()
    assert (await api.data(levels))["storeStock"]["nodes"] == on_hand


async def test_a_till_takes_a_return_but_may_not_inspect_or_refund_it(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    return_id = await _collected_and_returned_at_the_till(api, staff, till)
    step = "mutation($id: UUID!) { %s(returnId: $id%s) { status position userErrors { code } } }"
    inspect = step % (
        "inspectReturn",
        ', results: [{sku: "RETRO-CLOCK", resellable: 1, damaged: 0}]',
    )
    assert await forbidden(api, inspect, till, id=return_id) == "a till may not inspect returns"
    inspected = (await api.data(inspect, staff, id=return_id))["inspectReturn"]
    assert inspected["status"] == "INSPECTED"
    refund = step % ("refundReturn", "")
    assert await forbidden(api, refund, till, id=return_id) == "a till may not refund"


@pytest.mark.read_your_writes
async def test_staff_type_the_code_never_read_it_and_who_collected_is_recorded(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    pickup_id, order_id, shopper = await guest_pickup(api)
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=pickup_id)
    ready = (
        await api.data(PICKUP_ACTION % ("markReady", ', shelfSpot: "C2"'), staff, id=pickup_id)
    )["markReady"]
    card = (await api.data(BOARD_CARD, staff, id=pickup_id, after=ready["position"]))["pickup"]
    assert card["order"]["pickup"]["pickupCode"] is None  # not for staff
    code = await code_for_customer(api, order_id, shopper, ready["position"])
    collect = PICKUP_ACTION % ("collectPickup", f', code: "{code}", proof: "id card checked"')
    collected = (await api.data(collect, staff, id=pickup_id))["collectPickup"]

    card = (await api.data(BOARD_CARD, staff, id=pickup_id, after=collected["position"]))["pickup"]
    assert card["status"] == "COLLECTED"
    assert (card["collectedBy"], card["collectionProof"]) == ("staff-bo", "id card checked")
    assert card["orderNumber"] == order_id.replace("-", "")[:8].upper()
    assert card["lines"] == [
        {"sku": "RETRO-CLOCK", "productName": "Retro alarm clock", "quantity": 1}
    ]


async def _collected_and_returned_at_the_till(api: Api, staff: str, till: str) -> str:
    pickup_id, order_id, shopper = await guest_pickup(api)
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=pickup_id)
    ready = (
        await api.data(PICKUP_ACTION % ("markReady", ', shelfSpot: "A1"'), staff, id=pickup_id)
    )["markReady"]
    code = await code_for_customer(api, order_id, shopper, ready["position"])
    await api.data(PICKUP_ACTION % ("collectPickup", f', code: "{code}"'), staff, id=pickup_id)
    request = """mutation($order: UUID!) { requestReturn(orderId: $order,
      lines: [{sku: "RETRO-CLOCK", quantity: 1}], reason: "too loud", via: STORE) {
      returnId userErrors { code } } }"""
    requested = (await api.data(request, till, order=order_id))["requestReturn"]
    receive = """mutation($id: UUID!) { receiveReturn(returnId: $id, locationId: "AMS-CENTRAAL")
      { status userErrors { code } } }"""
    received = (await api.data(receive, till, id=requested["returnId"]))["receiveReturn"]
    assert received == {"status": "RECEIVED", "userErrors": []}
    return requested["returnId"]  # type: ignore[no-any-return]
