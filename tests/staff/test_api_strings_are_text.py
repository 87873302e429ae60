"""Strings from the API are shown as text: a store, product, customer or shelf named like
markup renders as those characters, never as an element, and nothing runs."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from playwright.async_api import expect

from adapters.postgres.catalog import upsert_catalog
from adapters.postgres.customers import upsert_customers
from api.auth import Role
from api.server.demo_seed import load_demo_catalog, load_demo_customers
from bench.harness.browser import StaffPage, signed_in
from tests.staff.conftest import StaffServer

MARKUP = "<img src=x onerror=alert(1)>"
SHOWN_WITHIN_MS = 15_000


async def rename(server: StaffServer, store: str, sku: str, customer: str) -> None:
    """As a catalog import would: one transaction, which tells every process to re-read."""
    products, locations = load_demo_catalog()
    connection = await server.database()
    try:
        async with connection.transaction():
            await upsert_catalog(
                connection,
                [msgspec.structs.replace(p, name=MARKUP) for p in products if p.sku == sku],
                [msgspec.structs.replace(loc, name=MARKUP) for loc in locations if loc.id == store],
            )
            await upsert_customers(
                connection,
                [
                    msgspec.structs.replace(c, first_name=MARKUP)
                    for c in load_demo_customers()
                    if c.id == customer
                ],
            )
    finally:
        await connection.close()


async def assert_no_markup_ran(staff: StaffPage) -> None:
    assert await staff.page.locator("main img, header img").count() == 0
    assert staff.dialogs == []
    assert staff.errors == []


@pytest.fixture(scope="module")
async def marked_up(staff_server: StaffServer) -> tuple[str, str]:
    """Utrecht's name, the desk fan's name and Edsger's first name are markup; Edsger has
    ordered a desk fan there. (order id, pickup id)"""
    await rename(staff_server, "UTR-CENTRUM", "DESK-FAN", "cust-edsger")
    return await staff_server.shop.order_for_pickup("cust-edsger", "UTR-CENTRUM", "DESK-FAN")


async def test_a_store_name_and_a_shelf_spot_like_markup_render_as_text(
    browser: Any, staff_server: StaffServer, marked_up: tuple[str, str]
) -> None:
    shop, (_, pickup_id) = staff_server.shop, marked_up
    associate = shop.token(Role.STAFF, "staff-di", "UTR-CENTRUM")
    async with signed_in(browser, shop.base, associate) as board:
        await expect(board.page.locator("#store-name")).to_have_text(MARKUP)
        card = board.card(pickup_id, "toPick")
        await card.get_by_role("button", name="Start picking").click()
        card = board.card(pickup_id, "picking")
        await card.get_by_label("Shelf spot").fill(MARKUP)
        await card.get_by_role("button", name="Mark ready").click()
        await expect(board.card(pickup_id, "ready")).to_contain_text(
            f"shelf {MARKUP}", timeout=SHOWN_WITHIN_MS
        )
        await board.screenshot("board-markup-as-text")
        await assert_no_markup_ran(board)


async def test_a_product_name_like_markup_renders_as_text(
    browser: Any, staff_server: StaffServer, marked_up: tuple[str, str]
) -> None:
    shop, (_, pickup_id) = staff_server.shop, marked_up
    associate = shop.token(Role.STAFF, "staff-di", "UTR-CENTRUM")
    async with signed_in(browser, shop.base, associate) as board:
        card = board.card(pickup_id)
        await expect(card).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(card.locator(".product")).to_have_text(MARKUP, timeout=SHOWN_WITHIN_MS)
        await assert_no_markup_ran(board)


async def test_a_customer_first_name_like_markup_renders_as_text(
    browser: Any, staff_server: StaffServer, marked_up: tuple[str, str]
) -> None:
    shop, (_, pickup_id) = staff_server.shop, marked_up
    associate = shop.token(Role.STAFF, "staff-di", "UTR-CENTRUM")
    async with signed_in(browser, shop.base, associate) as board:
        card = board.card(pickup_id)
        await expect(card).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(card.locator(".customer")).to_have_text(MARKUP, timeout=SHOWN_WITHIN_MS)
        await assert_no_markup_ran(board)
