"""The click-to-collect dashboard: a store's 14 days and what waits now, live; an admin's
comparison of stores."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from api.auth import Role
from tests.staff import documents
from tests.staff.browser import signed_in
from tests.staff.conftest import StaffServer

SHOWN_WITHIN_MS = 15_000


def tile(page: Any, name: str) -> Any:
    return page.locator(f'[data-testid="tile-{name}"] .value')


async def test_a_store_sees_what_waits_and_its_days_change_as_pickups_move(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    async with signed_in(browser, shop.base, associate, "/staff/dashboard") as dashboard:
        page = dashboard.page
        await expect(page.locator("body")).to_have_attribute("data-state", "ready")
        await expect(tile(page, "waiting")).to_have_text("0")
        await expect(tile(page, "oldest")).to_have_text("\u2013")
        assert await page.locator("#chart circle").count() == 0

        _, pickup_id = await shop.order_for_pickup("cust-ada", "AMS-CENTRAAL")
        await expect(tile(page, "waiting")).to_have_text("1", timeout=SHOWN_WITHIN_MS)
        await expect(tile(page, "pickups")).to_have_text("1", timeout=SHOWN_WITHIN_MS)
        await expect(tile(page, "oldest")).not_to_have_text("\u2013")

        await shop.act(documents.START_PICKING, associate, id=pickup_id)
        await shop.act(documents.MARK_READY, associate, id=pickup_id, shelf="A1")
        # Ready within the hour promised: today gets its p50 and p90 points.
        await expect(tile(page, "within-promise")).to_have_text("100 %", timeout=SHOWN_WITHIN_MS)
        await expect(page.locator("#chart circle")).to_have_count(2, timeout=SHOWN_WITHIN_MS)
        await expect(page.locator("#comparison-panel")).to_be_hidden()
        await dashboard.screenshot("dashboard-store")
        assert dashboard.errors == []


async def test_an_admin_compares_every_store(browser: Any, staff_server: StaffServer) -> None:
    shop = staff_server.shop
    await shop.order_for_pickup("cust-grace", "AMS-ZUID")
    admin = shop.token(Role.ADMIN, "root")
    async with signed_in(browser, shop.base, admin, "/staff/dashboard") as dashboard:
        rows = dashboard.page.locator("#comparison tbody tr")
        await expect(rows).to_have_count(3, timeout=SHOWN_WITHIN_MS)
        stores = [await row.get_attribute("data-store") for row in await rows.all()]
        assert stores == ["AMS-CENTRAAL", "AMS-ZUID", "UTR-CENTRUM"]
        zuid = dashboard.page.locator('#comparison tr[data-store="AMS-ZUID"] td')
        await expect(zuid.nth(1)).to_have_text("1")  # pickups in 14 days
        await expect(zuid.nth(4)).to_have_text("1")  # waiting now
        await expect(dashboard.page.locator("#store-name")).to_have_text("3 stores")
        await dashboard.screenshot("dashboard-admin")
        assert dashboard.errors == []
