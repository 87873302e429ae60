"""A product discontinued through `omni catalog import` (the `discontinued` column): no cart
takes it or more of it, checkout refuses a cart holding it, a recovered cart drops it, no
store offers it, the catalog search leaves it out; the till still sells what is on the shelf.
Importing it again with `discontinued` false puts it back on sale."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from adapters.settings import Settings
from api.auth import Role
from api.server.demo_seed import load_demo_catalog
from tests.api.conftest import Api, app_under_test
from tests.api.recovery_queries import RECOVER, on_phone
from tests.api.test_mutations import ADD, CHANGE, CHECKOUT, REMOVE, guest_cart, refused
from tests.api.test_recovery_and_analytics import abandoned_cart_of_ada
from tests.omni_command import env_of, omni

PRODUCT = """query($sku: String!) { product(sku: $sku) { discontinued
  availability(latitude: 52.37, longitude: 4.89) { nodes { locationId } } } }"""
AVAILABILITY = """query($sku: String!) { availability(sku: $sku, latitude: 52.37,
  longitude: 4.89) { nodes { locationId } } }"""
SEARCH = 'query { products(search: "la", first: 50) { nodes { sku } } }'
LOW_STOCK = 'query { lowStock(locationId: "AMS-ZUID") { nodes { sku } } }'
STOCK = 'query { storeStock(locationId: "AMS-ZUID", skus: ["LAVA-LAMP"]) { nodes { onHand } } }'
PICKUP_AT_CENTRAAL = {"method": "PICKUP", "locationId": "AMS-CENTRAAL", "paymentToken": "tok"}


async def import_products(api: Api, folder: Path, discontinued: bool, *skus: str) -> None:
    """Through the real `omni catalog import`, into the app's schema, as the demo has them
    but for the flag; returns once the app's cached catalog has heard of it."""
    demo = {product.sku: product for product in load_demo_catalog()[0]}
    rows = [
        f"{p.sku},{p.name},{p.price.amount},{p.price.currency},{p.low_stock_threshold or ''},"
        f"{str(discontinued).lower()}"
        for p in (demo[sku] for sku in skus)
    ]
    file = folder / f"products-{discontinued}.csv"
    file.write_text("\n".join(["sku,name,price,currency,low_stock_threshold,discontinued", *rows]))
    database = api.services.database
    env = env_of(DATABASE_URL=database.dsn, OMNI_DATABASE_SCHEMA=database.schema)
    finished = await omni("catalog", "import", "--products", str(file), env=env)
    assert finished.status == 0, finished.err
    async with asyncio.timeout(10):
        for sku in skus:
            while (await api.data(PRODUCT, sku=sku))["product"]["discontinued"] != discontinued:
                await asyncio.sleep(0.05)


async def searched(api: Api) -> list[str]:
    return [node["sku"] for node in (await api.data(SEARCH))["products"]["nodes"]]


async def offered(api: Api, sku: str) -> list[str]:
    nodes = (await api.data(AVAILABILITY, sku=sku))["availability"]["nodes"]
    return [node["locationId"] for node in nodes]


async def test_no_cart_takes_it_and_a_cart_holding_it_cannot_check_out(
    api: Api, tmp_path: Path
) -> None:
    cart, token = await guest_cart(api, ("LAVA-LAMP", 2), ("RETRO-CLOCK", 1))
    await import_products(api, tmp_path, True, "LAVA-LAMP")

    other, other_token = await guest_cart(api)
    error = await refused(api, ADD, other_token, "addToCart", cart=other, sku="LAVA-LAMP", qty=1)
    assert (error["code"], error["field"]) == ("PRODUCT_DISCONTINUED", "sku")
    more = await refused(
        api, CHANGE, token, "changeCartQuantity", cart=cart, sku="LAVA-LAMP", qty=3
    )
    assert more["code"] == "PRODUCT_DISCONTINUED"
    fewer = await api.data(CHANGE, token, cart=cart, sku="LAVA-LAMP", qty=1)
    assert fewer["changeCartQuantity"]["userErrors"] == []

    before = await api.event_count()
    blocked = (await api.data(CHECKOUT, token, input={"cartId": cart, **PICKUP_AT_CENTRAAL}))[
        "checkout"
    ]
    [error] = blocked["userErrors"]
    assert (error["code"], error["field"], blocked["orderId"]) == (
        "PRODUCT_DISCONTINUED",
        "lines",
        None,
    )
    assert "LAVA-LAMP" in error["message"] and await api.event_count() == before

    assert (await api.data(REMOVE, token, cart=cart, sku="LAVA-LAMP"))["removeFromCart"][
        "userErrors"
    ] == []
    placed = (await api.data(CHECKOUT, token, input={"cartId": cart, **PICKUP_AT_CENTRAAL}))[
        "checkout"
    ]
    assert placed["userErrors"] == [] and placed["total"]["amount"] == "24.95"


async def test_no_store_offers_it_the_search_leaves_it_out_and_the_till_still_sells_it(
    api: Api, tmp_path: Path
) -> None:
    staff = api.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    api.settled()  # the demo's stock in the read model
    on_sale = await searched(api)
    assert "LAVA-LAMP" in on_sale and await offered(api, "LAVA-LAMP")
    assert "LAVA-LAMP" in [
        n["sku"] for n in (await api.data(LOW_STOCK, staff))["lowStock"]["nodes"]
    ]
    await import_products(api, tmp_path, True, "LAVA-LAMP")

    product = (await api.data(PRODUCT, sku="LAVA-LAMP"))["product"]
    assert product == {"discontinued": True, "availability": {"nodes": []}}
    assert await offered(api, "LAVA-LAMP") == [] and await offered(api, "RETRO-CLOCK")
    assert await searched(api) == [sku for sku in on_sale if sku != "LAVA-LAMP"]
    low = [node["sku"] for node in (await api.data(LOW_STOCK, staff))["lowStock"]["nodes"]]
    assert "LAVA-LAMP" not in low  # never reordered

    on_hand = (await api.data(STOCK, staff))["storeStock"]["nodes"][0]["onHand"]
    till = api.token(Role.POS, "till-4", "AMS-ZUID")
    sale = {"sales": [{"saleId": "LAST-LAMP", "lines": [{"sku": "LAVA-LAMP", "quantity": 1}]}]}
    headers = {"authorization": f"Bearer {till}"}
    sold = (await api.client.post("/pos/sync", json=sale, headers=headers)).json()
    assert [s["status"] for s in sold] == ["recorded"]
    api.settled()
    assert (await api.data(STOCK, staff))["storeStock"]["nodes"][0]["onHand"] == on_hand - 1

    await import_products(api, tmp_path, False, "LAVA-LAMP")
    assert await offered(api, "LAVA-LAMP")
    assert await searched(api) == on_sale
    await guest_cart(api, ("LAVA-LAMP", 1))  # asserts it is added


@pytest.fixture
async def sim_api(settings: Settings) -> AsyncIterator[Api]:
    simulated = msgspec.structs.replace(settings, clock_start=datetime.now(UTC).isoformat())
    async with app_under_test(simulated) as api:
        yield api


async def test_recovering_an_abandoned_cart_drops_the_discontinued_line(
    sim_api: Api, tmp_path: Path
) -> None:
    api = sim_api
    cart = await abandoned_cart_of_ada(api)  # VINYL-PLAYER x3 and LAVA-LAMP x1
    await import_products(api, tmp_path, True, "LAVA-LAMP")

    recovered = (await on_phone(api, RECOVER, api.token(Role.CUSTOMER, "cust-ada"), cart=cart))[
        "recoverCart"
    ]
    assert recovered["userErrors"] == []
    assert recovered["changes"] == [
        {
            "sku": "LAVA-LAMP",
            "change": "DISCONTINUED",
            "oldQuantity": 1,
            "newQuantity": 0,
            "oldPrice": {"amount": "39.00"},
            "newPrice": None,
        }
    ]
    assert recovered["cart"]["lines"] == [{"sku": "VINYL-PLAYER", "quantity": 3}]
