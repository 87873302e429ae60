"""Taking a card (issue 21, item 3) and finding a card by the customer's pickup code (a scan
at the counter): staff of the pickup's store only; every other role and store is refused (a
GraphQL error, nothing written); a finished pickup cannot be taken (a userError)."""

from __future__ import annotations

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_auth_rules import forbidden
from tests.api.test_mutations import PICKUP_ACTION, code_for_customer, guest_pickup, refused

TAKE = """mutation($id: UUID!) { takePickup(pickupId: $id) {
  status position userErrors { code message } pickup { assignedTo pickerId } } }"""
BOARD = """query($after: String) { pickupBoard(storeId: "AMS-CENTRAAL", consistentWith: $after) {
  toPick { id: pickupId assignedTo } } }"""
WITH_CODE = """query($store: String!, $code: String!) {
  pickupWithCode(storeId: $store, code: $code) { id: pickupId orderNumber status } }"""


async def test_an_associate_takes_a_card_and_the_board_shows_whose_it_is(api: Api) -> None:
    bo = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    cy = api.token(Role.STAFF, "staff-cy", "AMS-CENTRAAL")
    pickup_id, _, _ = await guest_pickup(api)

    taken = (await api.data(TAKE, bo, id=pickup_id))["takePickup"]
    assert taken["userErrors"] == [] and taken["pickup"]["assignedTo"] == "staff-bo"
    board = (await api.data(BOARD, bo, after=taken["position"]))["pickupBoard"]
    assert {"id": pickup_id, "assignedTo": "staff-bo"} in board["toPick"]

    over = (await api.data(TAKE, cy, id=pickup_id))["takePickup"]
    assert over["pickup"] == {"assignedTo": "staff-cy", "pickerId": None}


async def test_taking_a_card_is_refused_across_stores_and_roles(api: Api) -> None:
    pickup_id, _, shopper = await guest_pickup(api)
    zuid = api.token(Role.STAFF, "staff-zu", "AMS-ZUID")
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    ada = api.token(Role.CUSTOMER, "cust-ada")
    assert await forbidden(api, TAKE, zuid, id=pickup_id) == "not allowed at store AMS-CENTRAAL"
    assert await forbidden(api, TAKE, till, id=pickup_id) == "a till may not pick"
    assert await forbidden(api, TAKE, ada, id=pickup_id) == "a customer may not pick"
    assert await forbidden(api, TAKE, shopper, id=pickup_id) == "a guest may not pick"
    assert "bearer token" in await forbidden(api, TAKE, None, id=pickup_id)


async def test_a_finished_pickup_cannot_be_taken_and_nothing_is_written(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    pickup_id, order_id, shopper = await guest_pickup(api)
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=pickup_id)
    ready = await api.data(PICKUP_ACTION % ("markReady", ', shelfSpot: "B1"'), staff, id=pickup_id)
    code = await code_for_customer(api, order_id, shopper, ready["markReady"]["position"])
    await api.data(PICKUP_ACTION % ("collectPickup", f', code: "{code}"'), staff, id=pickup_id)
    error = await refused(api, TAKE, staff, "takePickup", id=pickup_id)
    assert error["code"] == "PICKUP_CLOSED"
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await refused(api, TAKE, staff, "takePickup", id=unknown))["code"]


async def test_a_scanned_pickup_code_finds_its_ready_card_for_the_store_only(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    pickup_id, order_id, shopper = await guest_pickup(api)
    await api.data(PICKUP_ACTION % ("startPicking", ""), staff, id=pickup_id)
    ready = await api.data(PICKUP_ACTION % ("markReady", ', shelfSpot: "B1"'), staff, id=pickup_id)
    code = await code_for_customer(api, order_id, shopper, ready["markReady"]["position"])
    api.settled()

    found = await api.data(WITH_CODE, staff, store="AMS-CENTRAAL", code=f" {code.lower()} ")
    assert found["pickupWithCode"]["id"] == pickup_id
    assert found["pickupWithCode"]["status"] == "READY"
    wrong = "AAAAAA" if code != "AAAAAA" else "BBBBBB"
    none = await api.data(WITH_CODE, staff, store="AMS-CENTRAAL", code=wrong)
    assert none["pickupWithCode"] is None

    zuid = api.token(Role.STAFF, "staff-zu", "AMS-ZUID")
    ada = api.token(Role.CUSTOMER, "cust-ada")
    assert "AMS-CENTRAAL" in await forbidden(api, WITH_CODE, zuid, store="AMS-CENTRAAL", code=code)
    assert await forbidden(api, WITH_CODE, ada, store="AMS-CENTRAAL", code=code)
    too_long = await api.gql(WITH_CODE, staff, store="AMS-CENTRAAL", code="X" * 5000)
    assert too_long.get("errors")


HEADS = """query($first: Int) { pickupBoard(storeId: "AMS-CENTRAAL", firstPerColumn: $first) {
  toPick { id: pickupId } counts { toPick picking } } }"""


async def test_a_board_asked_for_its_first_cards_still_counts_them_all(api: Api) -> None:
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    placed = [(await guest_pickup(api))[0] for _ in range(4)]
    api.settled()
    whole = (await api.data(HEADS, staff))["pickupBoard"]
    assert len(whole["toPick"]) == whole["counts"]["toPick"] >= 4
    first = (await api.data(HEADS, staff, first=1))["pickupBoard"]
    assert first["toPick"][0] == whole["toPick"][0]  # the soonest promise, as on the whole
    assert {"id": placed[-1]} in first["toPick"][1:]  # and the newest orders after it
    assert len(first["toPick"]) == min(len(whole["toPick"]), 1 + 5)
    assert first["counts"] == whole["counts"]
    for bad in (0, 501):
        body = await api.gql(HEADS, staff, first=bad)
        assert body["data"] is None
        assert "firstPerColumn: between 1 and 500" in body["errors"][0]["message"]
