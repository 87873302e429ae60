"""Abandoned carts recovered through GraphQL (lines re-checked, changes as typed data, only by
their owner), the admin's recovery and journey figures, and a simulation's clock skipped ahead
so the month of idleness passes in a moment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import msgspec
import pytest

from adapters.settings import Settings
from api.auth import Role
from api.server.scheduler import tick
from domain.values import Channel
from tests.api.conftest import Api, app_under_test
from tests.api.recovery_queries import RECOVER, RECOVERABLE, SKIP, on_phone
from tests.api.test_mutations import ADD

COUNT = """mutation($at: String!, $n: Int!) { countStock(locationId: $at, sku: "VINYL-PLAYER",
  counted: $n, reason: "cycle count") { position userErrors { code } } }"""
RECOVERY_STATS = """query($from: Date!, $to: Date!, $zone: String!, $first: Int, $after: String) {
  recoveryStats(firstDay: $from, lastDay: $to, timeZone: $zone, first: $first, after: $after) {
    nodes { day channel abandoned value { amount } recovered valueRecovered { amount }
            recoveredShare }
    pageInfo { hasNextPage endCursor } } }"""
JOURNEYS = """query($from: Date!, $to: Date!, $first: Int, $after: String) {
  journeyStats(firstDay: $from, lastDay: $to, first: $first, after: $after) {
    nodes { day storeId channel crossChannel noShows funnel { step reached dropped } }
    pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
async def sim_api(settings: Settings) -> AsyncIterator[Api]:
    """The app on a simulation's clock: real speed, but an admin may skip it ahead."""
    simulated = msgspec.structs.replace(settings, clock_start=datetime.now(UTC).isoformat())
    async with app_under_test(simulated) as api:
        yield api


async def abandoned_cart_of_ada(api: Api) -> str:
    """Ada fills a cart on her laptop and leaves it for a month: the rule gives it up."""
    ada = api.token(Role.CUSTOMER, "cust-ada", channel=Channel.WEB)
    cart = (await api.data('mutation { startCart(deviceId: "ada-laptop") { cartId } }', ada))[
        "startCart"
    ]["cartId"]
    await api.data(ADD, ada, cart=cart, sku="VINYL-PLAYER", qty=3)
    await api.data(ADD, ada, cart=cart, sku="LAVA-LAMP", qty=1)
    api.settled()
    admin = api.token(Role.ADMIN, "head-office")
    skipped = (await api.data(SKIP, admin, to=_later(days=31)))["skipClock"]
    assert skipped["userErrors"] == [] and skipped["clock"]["canSkip"]
    services = api.services
    fired = api.client.blocking_portal.call(
        tick, services.database.pool, services.service, services.clock
    )
    assert fired.fired >= 1
    api.settled()
    return cart  # type: ignore[no-any-return]


async def test_a_customer_recovers_an_abandoned_cart_on_another_device(sim_api: Api) -> None:
    api = sim_api
    cart = await abandoned_cart_of_ada(api)
    ada, admin = api.token(Role.CUSTOMER, "cust-ada"), api.token(Role.ADMIN, "head-office")
    listed = (await api.data(RECOVERABLE, ada))["me"]["recoverableCarts"]["nodes"]
    assert [(c["cartId"], c["channel"], c["value"]["amount"]) for c in listed] == [
        (cart, "WEB", "486.00")
    ]
    for location in ("AMS-CENTRAAL", "AMS-ZUID", "UTR-CENTRUM", "WH-NL"):  # one left anywhere
        assert (await api.data(COUNT, admin, at=location, n=1))["countStock"]["userErrors"] == []

    recovered = (await on_phone(api, RECOVER, ada, cart=cart))["recoverCart"]

    assert recovered["userErrors"] == [] and recovered["cartId"] == cart
    assert recovered["recoveredCartId"] == cart and recovered["mergedInto"] is None
    assert recovered["changes"] == [
        {"sku": "VINYL-PLAYER", "change": "REDUCED", "oldQuantity": 3, "newQuantity": 1,
         "oldPrice": {"amount": "149.00"}, "newPrice": {"amount": "149.00"}}
    ]  # fmt: skip
    lines = recovered["cart"]["lines"]
    assert [(line["sku"], line["quantity"]) for line in lines] == [
        ("VINYL-PLAYER", 1),
        ("LAVA-LAMP", 1),
    ]
    assert recovered["cart"]["status"] == "OPEN"
    api.settled()
    assert (await api.data(RECOVERABLE, ada))["me"]["recoverableCarts"]["nodes"] == []
    before = await api.event_count()
    again = (await on_phone(api, RECOVER, ada, cart=cart))["recoverCart"]
    assert [e["code"] for e in again["userErrors"]] == ["CART_NOT_ABANDONED"]
    assert await api.event_count() == before


async def test_only_the_owner_recovers_a_cart_and_refusals_write_nothing(sim_api: Api) -> None:
    api = sim_api
    cart = await abandoned_cart_of_ada(api)
    guest = (await api.data("mutation { startCart { cartToken } }"))["startCart"]["cartToken"]
    refused_by = {
        "another customer": api.token(Role.CUSTOMER, "cust-grace"),
        "a guest": guest,
        "staff": api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL"),
        "a till": api.token(Role.POS, "till-1", "AMS-CENTRAAL"),
    }
    before = await api.event_count()

    for who, token in refused_by.items():
        for cart_id in (cart, str(uuid4())):  # ada's, and one that does not exist: the same
            body = await api.gql(RECOVER, token, cart=cart_id)
            assert body["data"] is None, who
            assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED", who
    no_token = await api.gql(RECOVER, None, cart=cart)
    bad_id = await api.gql(RECOVER, refused_by["a guest"], cart="not-a-uuid")

    assert no_token["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    assert bad_id["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
    assert await api.event_count() == before
    ada = api.token(Role.CUSTOMER, "cust-ada")
    assert len((await api.data(RECOVERABLE, ada))["me"]["recoverableCarts"]["nodes"]) == 1


async def test_admins_read_recovery_figures_and_the_journey_funnel(sim_api: Api) -> None:
    api = sim_api
    cart = await abandoned_cart_of_ada(api)
    await on_phone(api, RECOVER, api.token(Role.CUSTOMER, "cust-ada"), cart=cart)
    api.settled()
    admin = api.token(Role.ADMIN, "head-office")
    days = {"from": date.today().isoformat(), "to": (date.today() + timedelta(days=40)).isoformat()}

    [row] = (await api.data(RECOVERY_STATS, admin, **days, zone="UTC"))["recoveryStats"]["nodes"]
    journeys = await _all_pages(api, admin, JOURNEYS, "journeyStats", **days)

    assert (row["channel"], row["abandoned"], row["value"]["amount"]) == ("WEB", 1, "486.00")
    assert (row["recovered"], row["valueRecovered"]["amount"], row["recoveredShare"]) == (
        1,
        "486.00",
        1.0,
    )
    [adas] = [j for j in journeys if j["channel"] == "WEB"]
    assert [(s["step"], s["reached"]) for s in adas["funnel"]][:3] == [
        ("STARTED", 1),
        ("FIRST_LINE", 1),
        ("CHECKED_OUT", 0),
    ]
    staff = api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    for token, zone, code in (
        (staff, "UTC", "NOT_ALLOWED"),
        (admin, "Mars/Olympus", "INVALID_INPUT"),
    ):
        body = await api.gql(RECOVERY_STATS, token, **days, zone=zone)
        assert body["errors"][0]["extensions"]["code"] == code


async def test_journey_figures_page_through_every_row_once(api: Api) -> None:
    admin = api.token(Role.ADMIN, "head-office")
    for device in ("a", "b", "c"):
        for channel in ("WEB", "MOBILE"):
            start = f"mutation {{ startCart(channel: {channel}) {{ cartId }} }}"
            await on_phone(api, start, None, device)
    api.settled()
    days = {"from": (date.today() - timedelta(days=1)).isoformat(), "to": _later(days=1)[:10]}
    whole = (await api.data(JOURNEYS, admin, **days))["journeyStats"]["nodes"]

    paged = await _all_pages(api, admin, JOURNEYS, "journeyStats", **days)

    assert paged == whole and {row["channel"] for row in whole} == {"WEB", "MOBILE"}
    assert sum(row["funnel"][0]["reached"] for row in whole) == 6


async def test_the_real_clock_is_never_skipped(api: Api) -> None:
    admin = api.token(Role.ADMIN, "head-office")
    clock = (await api.data("{ serverClock { now speed canSkip } }", admin))["serverClock"]
    refused = await api.gql(SKIP, admin, to=_later(days=31))
    by_staff = await api.gql(SKIP, api.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL"), to=_later(1))

    assert (clock["speed"], clock["canSkip"]) == (1.0, False)
    assert refused["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    assert by_staff["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"


async def test_a_simulated_clock_skips_ahead_but_never_back(sim_api: Api) -> None:
    admin = sim_api.token(Role.ADMIN, "head-office")
    ahead = (await sim_api.data(SKIP, admin, to=_later(days=2)))["skipClock"]
    back = (await sim_api.data(SKIP, admin, to=_later(days=1)))["skipClock"]

    assert ahead["userErrors"] == [] and ahead["clock"]["now"] >= _later(days=2)[:10]
    assert [(e["code"], e["field"]) for e in back["userErrors"]] == [("INVALID_INPUT", "to")]


async def _all_pages(api: Api, token: str, query: str, field: str, **variables: Any) -> list:
    rows, after = [], None
    while True:
        page = (await api.data(query, token, **variables, first=1, after=after))[field]
        rows += page["nodes"]
        if not page["pageInfo"]["hasNextPage"]:
            return rows
        after = page["pageInfo"]["endCursor"]


def _later(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()
