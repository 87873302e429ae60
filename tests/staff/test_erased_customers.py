"""The staff pages with an erased customer in the data (issue 20): her collected card stays on
the board as a business fact, with no name; the dashboard still counts her pickup; neither page
shows an error."""

from __future__ import annotations

import time
from typing import Any

from playwright.async_api import expect

from api.auth import Principal, Role
from bench.harness import staff_documents as documents
from bench.harness.browser import signed_in
from domain.values import StaffRole
from tests.staff.conftest import StaffServer

SHOWN_WITHIN_MS = 15_000
STORE = "AMS-ZUID"
ERASE = """mutation($customer: String!, $reason: String!) {
  eraseCustomer(customerId: $customer, reason: $reason) { customerId userErrors { code } } }"""


async def test_an_erased_customers_collected_card_and_figures_stay_without_her_name(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-zuid", STORE)
    order_id, pickup_id = await shop.order_for_pickup("cust-barbara", STORE)
    await shop.act(documents.START_PICKING, associate, id=pickup_id)
    await shop.act(documents.MARK_READY, associate, id=pickup_id, shelf="B2")
    code = (await shop.pickup_of("cust-barbara", order_id, "READY"))["pickupCode"]
    assert (await shop.act(documents.COLLECT, associate, id=pickup_id, code=code))[
        "userErrors"
    ] == []
    desk = shop.tokens.mint(Principal(
        role=Role.STAFF, subject="staff-desk", stores=(STORE,),
        staff_role=StaffRole.SERVICE_DESK, expires_at=int(time.time() + 3600),
    ))  # fmt: skip

    async with signed_in(browser, shop.base, associate) as board:
        card = board.card(pickup_id, "collectedToday")
        await expect(card).to_contain_text("Barbara", timeout=SHOWN_WITHIN_MS)

        erased = await shop.data(ERASE, desk, customer="cust-barbara", reason="her request")
        assert erased["eraseCustomer"]["userErrors"] == []
        await board.page.reload()
        await expect(card).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(card).not_to_contain_text("Barbara")
        assert board.errors == []
    async with signed_in(browser, shop.base, associate, "/staff/dashboard") as dashboard:
        page = dashboard.page
        await expect(page.locator("body")).to_have_attribute("data-state", "ready")
        collected = page.locator('[data-testid="tile-collected-today"] .value')
        await expect(collected).not_to_have_text("0", timeout=SHOWN_WITHIN_MS)
        assert dashboard.errors == []
