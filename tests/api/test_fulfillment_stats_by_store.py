"""Click-to-collect per store and day in one query (the admin dashboard's comparison): the
same figures as one store's own query, paged by cursor, and only the caller's stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.auth import Role
from tests.api.conftest import Api
from tests.api.test_mutations import CHECKOUT, PICKUP_ACTION, code_for_customer, guest_cart

FIGURES = """fragment figures on FulfillmentStatsConnection {
  pageInfo { hasNextPage endCursor }
  nodes { storeId day pickups madeReady collected noShows shortPicks readyWithinPromise
    placedToReady { p50 p90 max } readyToCollected { p50 p90 max }
    placedToCollected { p50 p90 max } } }"""
BY_STORE = (
    """query($first: Date!, $last: Date!, $stores: [String!], $size: Int, $after: String) {
  fulfillmentStatsByStore(firstDay: $first, lastDay: $last, storeIds: $stores, first: $size,
    after: $after) { ...figures } }"""
    + FIGURES
)
ONE_STORE = (
    """query($first: Date!, $last: Date!, $store: String!) {
  fulfillmentStats(firstDay: $first, lastDay: $last, storeId: $store) { ...figures } }"""
    + FIGURES
)
# Around today, whatever the hour: a pickup counts on its store's (Amsterdam) day.
DAYS = {
    "first": (datetime.now(UTC) - timedelta(days=1)).date().isoformat(),
    "last": (datetime.now(UTC) + timedelta(days=1)).date().isoformat(),
}


async def pickup_at(api: Api, store: str, sku: str = "RETRO-CLOCK") -> tuple[str, str, str]:
    """A guest's order for pickup at `store`: pickup id, order id, guest token."""
    cart_id, token = await guest_cart(api, (sku, 2))
    order = {"cartId": cart_id, "method": "PICKUP", "locationId": store, "paymentToken": "tok"}
    placed = (await api.data(CHECKOUT, token, input=order))["checkout"]
    assert placed["userErrors"] == [], placed
    return placed["pickupId"], placed["orderId"], token


async def three_stores_of_pickups(api: Api) -> None:
    """Centraal: two pickups, one handed over. Zuid: one, a unit short. Utrecht: none."""
    centraal = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    zuid = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    handed, order_id, shopper = await pickup_at(api, "AMS-CENTRAAL")
    await pickup_at(api, "AMS-CENTRAAL", "LAVA-LAMP")
    short, _, _ = await pickup_at(api, "AMS-ZUID", "LAVA-LAMP")
    await api.data(PICKUP_ACTION % ("startPicking", ""), centraal, id=handed)
    ready = await api.data(PICKUP_ACTION % ("markReady", ', shelfSpot: "A1"'), centraal, id=handed)
    code = await code_for_customer(api, order_id, shopper, ready["markReady"]["position"])
    await api.data(PICKUP_ACTION % ("collectPickup", f', code: "{code}"'), centraal, id=handed)
    await api.data(PICKUP_ACTION % ("startPicking", ""), zuid, id=short)
    line = 'lineId: "L1", quantity: 1'
    reported = await api.data(PICKUP_ACTION % ("reportShort", f", {line}"), zuid, id=short)
    assert reported["reportShort"]["userErrors"] == []
    api.settled()


async def every_page(api: Api, token: str, size: int, **variables: Any) -> list[dict]:
    nodes, after, pages = [], None, 0
    while True:
        page = (await api.data(BY_STORE, token, size=size, after=after, **DAYS, **variables))[
            "fulfillmentStatsByStore"
        ]
        nodes += page["nodes"]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            return nodes
        after = page["pageInfo"]["endCursor"]
        assert pages < 10, "the cursor does not move"


async def test_an_admin_reads_every_store_in_one_query_with_each_stores_own_figures(
    api: Api,
) -> None:
    await three_stores_of_pickups(api)
    admin = api.token(Role.ADMIN, "root")

    rows = (await api.data(BY_STORE, admin, **DAYS))["fulfillmentStatsByStore"]["nodes"]

    assert [(r["storeId"], r["pickups"]) for r in rows] == [("AMS-CENTRAAL", 2), ("AMS-ZUID", 1)]
    centraal, zuid = rows
    assert (centraal["collected"], centraal["noShows"], centraal["shortPicks"]) == (1, 0, 0)
    assert (centraal["madeReady"], centraal["readyWithinPromise"]) == (1, 1.0)
    assert centraal["placedToCollected"]["p50"] is not None
    assert (zuid["collected"], zuid["shortPicks"]) == (0, 1)
    assert (zuid["madeReady"], zuid["readyWithinPromise"]) == (0, None)
    assert zuid["placedToCollected"] == {"p50": None, "p90": None, "max": None}
    for row in rows:
        own = await api.data(ONE_STORE, admin, store=row["storeId"], **DAYS)
        assert own["fulfillmentStats"]["nodes"] == [row]


async def test_pages_by_cursor_neither_skip_nor_repeat_a_store_day(api: Api) -> None:
    await three_stores_of_pickups(api)
    admin = api.token(Role.ADMIN, "root")
    whole = (await api.data(BY_STORE, admin, **DAYS))["fulfillmentStatsByStore"]["nodes"]

    one_by_one = await every_page(api, admin, size=1)

    assert len(whole) == 2 and one_by_one == whole


async def test_staff_read_their_own_stores_and_are_refused_anothers(api: Api) -> None:
    await three_stores_of_pickups(api)
    zuid = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")

    mine = (await api.data(BY_STORE, zuid, **DAYS))["fulfillmentStatsByStore"]["nodes"]
    named = await api.gql(BY_STORE, zuid, stores=["AMS-ZUID", "AMS-CENTRAAL"], **DAYS)
    till = await api.gql(BY_STORE, api.token(Role.POS, "till-2", "AMS-ZUID"), **DAYS)

    assert [row["storeId"] for row in mine] == ["AMS-ZUID"]
    assert named["data"] is None
    assert named["errors"][0]["message"] == "not allowed at store AMS-CENTRAAL"
    assert till["data"] is None and till["errors"][0]["message"] == "pos may not do this"


async def test_bad_arguments_are_refused_with_a_clear_message(api: Api) -> None:
    admin = api.token(Role.ADMIN, "root")
    cases = [
        ({"stores": []}, "storeIds: 1 to 500 stores, or leave it out for all yours"),
        ({"after": "not-a-cursor"}, "after: not a cursor of this list"),
        ({"size": 101}, "first: between 0 and 100"),  # 0 is a page of no edges (Relay)
    ]
    for variables, message in cases:
        body = await api.gql(BY_STORE, admin, **DAYS, **variables)
        assert body["data"] is None and body["errors"][0]["message"] == message
    backwards = await api.gql(BY_STORE, admin, first=DAYS["last"], last=DAYS["first"])
    assert "lastDay: on or after firstDay" in backwards["errors"][0]["message"]
