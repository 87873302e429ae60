"""What frontends and staff could not do before (issue 14, items 8 and 10): find products by
name or SKU with their details and availability, and read a SKU's stock movements at a
store with who moved it and why."""

from __future__ import annotations

from api.auth import Role
from tests.api.conftest import Api

PRODUCTS = """query($search: String, $first: Int, $after: String) {
  products(search: $search, first: $first, after: $after) {
    edges { cursor node { sku name description price { amount currency }
      attributes { name value } imageUrls } }
    pageInfo { hasNextPage hasPreviousPage endCursor } } }"""
MOVEMENTS = """query($first: Int, $after: String) {
  stockMovements(locationId: "AMS-ZUID", sku: "DESK-FAN", first: $first, after: $after) {
    edges { cursor node { version kind onHandChange reservedChange discrepancyChange
      reference actor { kind id } channel } }
    pageInfo { hasNextPage endCursor } } }"""


async def test_products_are_found_by_name_or_sku_with_what_was_imported(api: Api) -> None:
    by_name = (await api.data(PRODUCTS, search="lamp"))["products"]
    by_sku = (await api.data(PRODUCTS, search="desk-"))["products"]

    [lamp] = [edge["node"] for edge in by_name["edges"]]
    assert lamp["sku"] == "LAVA-LAMP" and lamp["price"] == {"amount": "39.00", "currency": "EUR"}
    assert {"name": "colour", "value": "orange"} in lamp["attributes"]
    assert lamp["imageUrls"] == ["https://images.example.com/products/lava-lamp.jpg"]
    assert [edge["node"]["sku"] for edge in by_sku["edges"]] == ["DESK-FAN"]


async def test_the_catalog_pages_by_sku_without_skipping_or_repeating(api: Api) -> None:
    seen, after, pages = [], None, 0
    while True:
        page = (await api.data(PRODUCTS, first=5, after=after))["products"]
        seen += [edge["node"]["sku"] for edge in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3 and seen == sorted(seen) and len(seen) == len(set(seen)) == 12


async def test_availability_is_asked_on_a_product(api: Api) -> None:
    api.settled()
    query = """query { product(sku: "RETRO-CLOCK") { name
      availability(latitude: 52.3389, longitude: 4.8730, first: 2) {
        nodes { locationId available distanceKm } pageInfo { hasNextPage } } } }"""
    product = (await api.data(query))["product"]
    nearest = product["availability"]["nodes"]
    assert [store["locationId"] for store in nearest] == ["AMS-ZUID", "AMS-CENTRAAL"]
    assert nearest[0]["distanceKm"] == 0.0 and product["availability"]["pageInfo"]["hasNextPage"]


async def test_a_skus_stock_ledger_names_every_movement_newest_first(api: Api) -> None:
    manager = api.token(Role.STAFF, "staff-bo", "AMS-ZUID")
    till = api.token(Role.POS, "till-4", "AMS-ZUID")
    await api.data(
        """mutation { receiveStock(locationId: "AMS-ZUID", sku: "DESK-FAN", quantity: 5,
        reference: "delivery 881") { userErrors { code } } }""",
        manager,
    )
    sold = await api.data(
        """mutation { recordPosSale(saleId: "S-1", lines: [{sku: "DESK-FAN", quantity: 2}])
        { receipt userErrors { code } } }""",
        till,
    )
    assert sold["recordPosSale"] == {"receipt": "AMS-ZUID/till-4/S-1", "userErrors": []}
    await api.data(
        """mutation { countStock(locationId: "AMS-ZUID", sku: "DESK-FAN", counted: 10,
        reason: "weekly count") { userErrors { code } } }""",
        manager,
    )
    first = (await api.data(MOVEMENTS, manager, first=3))["stockMovements"]
    rest = (await api.data(MOVEMENTS, manager, first=10, after=first["pageInfo"]["endCursor"]))[
        "stockMovements"
    ]

    newest = [edge["node"] for edge in first["edges"]]
    assert [(m["kind"], m["onHandChange"], m["reference"]) for m in newest] == [
        ("COUNTED", -1, "weekly count"),
        ("SOLD_AT_POS", -2, "till-4/S-1"),
        ("RECEIVED", 5, "delivery 881"),
    ]
    assert newest[1]["actor"] == {"kind": "pos_terminal", "id": "till-4"}
    assert newest[1]["channel"] == "POS"
    older = [edge["node"] for edge in rest["edges"]]
    assert [m["kind"] for m in older] == ["RECEIVED", "OPENED"]  # the demo's opening stock
    assert not rest["pageInfo"]["hasNextPage"]
    versions = [m["version"] for m in newest + older]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == 5


async def test_the_ledger_is_for_staff_of_the_store(api: Api) -> None:
    elsewhere = api.token(Role.STAFF, "staff-cy", "AMS-CENTRAAL")
    body = await api.gql(MOVEMENTS, elsewhere, first=1)
    assert body["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
