"""Every connection of the schema pages both ways (issue 19 item 1): walked forward with
`first`/`after` and backward with `last`/`before` in small pages, each gives the rows of one
big page in the same order; `first: 0` and `last: 0` give no edges and a pageInfo that says
whether there are rows; `first` and `last` together are INVALID_INPUT. The cases are checked
against the schema, so a new connection without one fails here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import msgspec
import pytest
from graphql import get_named_type

from adapters.settings import Settings
from api.auth import Role
from api.graphql.schema import schema
from tests.api.conftest import Api, app_under_test
from tests.api.test_mutations import ADD, CHECKOUT

PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
PAGING = "first: $first, after: $after, last: $last, before: $before"
TODAY = date.today()
DAYS = f'firstDay: "{TODAY - timedelta(days=3)}", lastDay: "{TODAY + timedelta(days=1)}"'


@dataclass(frozen=True)
class Case:
    parent: str  # the type that has the connection field
    field: str
    selection: str  # the path down to the field: PAGING its arguments, SELECT its selection
    role: Role

    def query(self) -> str:
        selection = self.selection.replace("PAGING", PAGING)
        selection = selection.replace("SELECT", f"{{ edges {{ cursor }} {PAGE_INFO} }}")
        variables = "$first: Int, $after: String, $last: Int, $before: String"
        return f"query({variables}) {{ {selection} }}"


def _case(parent: str, field: str, selection: str, role: Role = Role.ADMIN) -> Case:
    return Case(parent, field, selection, role)


CASES = [
    _case("Query", "products", "products(PAGING) SELECT", Role.GUEST),
    _case("Query", "myOrders", "myOrders(PAGING) SELECT", Role.CUSTOMER),
    _case("Query", "pickups", 'pickups(storeId: "AMS-CENTRAAL", PAGING) SELECT'),
    _case("Query", "storeStock", 'storeStock(locationId: "AMS-ZUID", PAGING) SELECT'),
    _case(
        "Query",
        "availability",
        'availability(sku: "LAVA-LAMP", latitude: 52.37, longitude: 4.9, PAGING) SELECT',
    ),
    _case("Query", "lowStock", 'lowStock(locationId: "AMS-ZUID", PAGING) SELECT'),
    _case(
        "Query",
        "stockMovements",
        'stockMovements(locationId: "AMS-ZUID", sku: "DESK-FAN", PAGING) SELECT',
    ),
    _case(
        "Query", "fulfillmentStats", f'fulfillmentStats({DAYS}, storeId: "AMS-ZUID", PAGING) SELECT'
    ),
    _case("Query", "fulfillmentStatsByStore", f"fulfillmentStatsByStore({DAYS}, PAGING) SELECT"),
    _case("Query", "recoveryStats", f"recoveryStats({DAYS}, PAGING) SELECT"),
    _case("Query", "journeyStats", f"journeyStats({DAYS}, PAGING) SELECT"),
    _case("Query", "returnStats", f"returnStats({DAYS}, PAGING) SELECT"),
    _case("Customer", "timeline", "me { timeline(PAGING) SELECT }", Role.CUSTOMER),
    _case("Customer", "feedback", "me { feedback(PAGING) SELECT }", Role.CUSTOMER),
    _case("Customer", "recoverableCarts", "me { recoverableCarts(PAGING) SELECT }", Role.CUSTOMER),
    _case("FeedbackAnalytics", "daily", f"feedbackAnalytics({DAYS}) {{ daily(PAGING) SELECT }}"),
    _case(
        "Product",
        "availability",
        'product(sku: "LAVA-LAMP") {'
        " availability(latitude: 52.37, longitude: 4.9, PAGING) SELECT }",
    ),
]


def test_every_connection_of_the_schema_has_a_case() -> None:
    connections = {
        (name, field)
        for name, kind in schema._schema.type_map.items()
        if not name.startswith("__")
        for field, definition in getattr(kind, "fields", {}).items()
        if get_named_type(definition.type).name.endswith("Connection")
    }
    assert connections == {(case.parent, case.field) for case in CASES}


@pytest.fixture
async def shop(settings: Settings) -> AsyncIterator[Api]:
    """The demo with three days of click-and-collect history, and three orders of Ada's."""
    with_history = msgspec.structs.replace(settings, demo_history_days=3)
    async with app_under_test(with_history) as api:
        ada = api.token(Role.CUSTOMER, "cust-ada")
        for _ in range(3):
            started = (await api.data("mutation { startCart { cartId } }", ada))["startCart"]
            await api.data(ADD, ada, cart=started["cartId"], sku="TEA-KETTLE", qty=1)
            placed = await api.data(
                CHECKOUT,
                ada,
                input={"cartId": started["cartId"], "method": "SHIP", "locationId": "WH-NL"},
            )
            assert placed["checkout"]["userErrors"] == []
        api.settled()
        yield api


def _token(api: Api, role: Role) -> str | None:
    if role is Role.GUEST:
        return None
    return api.token(role, "cust-ada" if role is Role.CUSTOMER else "admin-1")


async def _page(api: Api, case: Case, token: str | None, **paging: Any) -> dict[str, Any]:
    data = await api.data(case.query(), token, **paging)
    found: Any = data
    while "edges" not in found:
        [found] = found.values()
    return found  # type: ignore[no-any-return]


def _cursors(page: dict[str, Any]) -> list[str]:
    return [edge["cursor"] for edge in page["edges"]]


async def _walk(api: Api, case: Case) -> int:
    token = _token(api, case.role)
    big = await _page(api, case, token, first=100)
    assert not big["pageInfo"]["hasNextPage"], f"{case.field}: more than one big page"
    everything = _cursors(big)

    forward: list[str] = []
    after = None
    while True:
        page = await _page(api, case, token, first=2, after=after)
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None), case.field
        forward += _cursors(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert forward == everything, f"{case.field}: forward"

    backward: list[str] = []
    before = None
    while True:
        page = await _page(api, case, token, last=2, before=before)
        assert page["pageInfo"]["hasNextPage"] == (before is not None and bool(everything))
        backward = _cursors(page) + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert backward == everything, f"{case.field}: backward"

    for empty, more in (({"first": 0}, "hasNextPage"), ({"last": 0}, "hasPreviousPage")):
        page = await _page(api, case, token, **empty)
        assert page["edges"] == [], case.field
        assert page["pageInfo"][more] == bool(everything), (case.field, empty)
        assert page["pageInfo"]["startCursor"] is None

    if len(everything) >= 3:  # between two cursors, from either end
        between = {"after": everything[0], "before": everything[2]}
        assert _cursors(await _page(api, case, token, first=5, **between)) == everything[1:2]
        assert _cursors(await _page(api, case, token, last=5, **between)) == everything[1:2]

    both = await api.gql(case.query(), token, first=1, last=1)
    codes = [error["extensions"]["code"] for error in both["errors"]]
    assert codes == ["INVALID_INPUT"], (case.field, both)
    return len(everything)


async def test_every_connection_walks_both_ways_to_the_same_rows(shop: Api) -> None:
    sizes = {f"{case.parent}.{case.field}": await _walk(shop, case) for case in CASES}
    # Most lists hold enough rows here for each walk to take several pages; recovery, return
    # and feedback figures, a customer's surveys and recoverable carts need days to pass or
    # journeys to finish, and walk empty here (their paging is the same code).
    walked = [name for name, size in sizes.items() if size > 2]
    assert len(walked) >= 11, sizes


async def test_bad_paging_arguments_are_invalid_input_and_change_nothing(api: Api) -> None:
    before = await api.event_count()
    for paging in ({"first": -1}, {"last": 101}, {"before": "not a cursor"}, {"last": -2}):
        body = await api.gql(CASES[0].query(), None, **paging)
        assert [e["extensions"]["code"] for e in body["errors"]] == ["INVALID_INPUT"], paging
    assert await api.event_count() == before
