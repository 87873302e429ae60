"""The click-to-collect dashboard: a store's 14 days (placed → collected p50 and p90 per day,
no-shows, short picks) and what waits now, live; an admin's chain with every store compared.
Each test works a store of its own, so the figures it reads are its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.async_api import expect

from api.auth import Role
from bench.harness import staff_documents as documents
from bench.harness.browser import signed_in
from tests.staff.conftest import StaffServer
from tests.staff.last_week import pickup_left_on_the_shelf

SHOWN_WITHIN_MS = 15_000


def tile(page: Any, name: str) -> Any:
    return page.locator(f'[data-testid="tile-{name}"] .value')


async def count(page: Any, name: str) -> int:
    return int(await tile(page, name).inner_text())


async def days_of(server: StaffServer, token: str, store: str) -> list[dict]:
    """The store's days with pickups, as the API reports them (around today, any hour)."""
    now = datetime.now(UTC)
    first, last = (now - timedelta(days=14)).date(), (now + timedelta(days=1)).date()
    data = await server.shop.data(
        documents.STORE_DAYS, token, store=store, first=first.isoformat(), last=last.isoformat()
    )
    return data["fulfillmentStats"]["nodes"]  # type: ignore[no-any-return]


async def test_a_store_sees_what_waits_and_its_click_to_collect_time_per_day(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-di", "UTR-CENTRUM")
    async with signed_in(browser, shop.base, associate, "/staff/dashboard") as dashboard:
        page = dashboard.page
        await expect(page.locator("body")).to_have_attribute("data-state", "ready")
        await expect(tile(page, "waiting")).to_have_text("0")
        await expect(tile(page, "oldest")).to_have_text("\u2013")
        await expect(page.locator("#chart-title")).to_contain_text("placed \u2192 collected")
        assert await page.locator("#chart circle").count() == 0

        order_id, pickup_id = await shop.order_for_pickup("cust-alan", "UTR-CENTRUM")
        await expect(tile(page, "waiting")).to_have_text("1", timeout=SHOWN_WITHIN_MS)
        await expect(tile(page, "pickups")).to_have_text("1", timeout=SHOWN_WITHIN_MS)
        await expect(tile(page, "oldest")).not_to_have_text("\u2013")

        await shop.act(documents.START_PICKING, associate, id=pickup_id)
        await shop.act(documents.MARK_READY, associate, id=pickup_id, shelf="A1")
        await expect(tile(page, "within-promise")).to_have_text("100 %", timeout=SHOWN_WITHIN_MS)
        assert await page.locator("#chart circle").count() == 0  # ready is not collected

        code = (await shop.pickup_of("cust-alan", order_id, "READY"))["pickupCode"]
        await shop.act(documents.COLLECT, associate, id=pickup_id, code=code)
        await expect(tile(page, "collected")).to_have_text("1", timeout=SHOWN_WITHIN_MS)
        await expect(tile(page, "collected-today")).to_have_text("1")
        await expect(tile(page, "waiting")).to_have_text("0")
        points = page.locator("#chart circle")
        await expect(points).to_have_count(2, timeout=SHOWN_WITHIN_MS)
        [today] = await days_of(staff_server, associate, "UTR-CENTRUM")
        for series in ("p50", "p90"):
            point = page.locator(f'#chart circle[data-series="{series}"]')
            await expect(point).to_have_attribute("data-day", today["day"])
            shown = float(await point.get_attribute("data-seconds") or "nan")
            assert shown == today["placedToCollected"][series]
        await expect(page.locator("#comparison-panel")).to_be_hidden()
        await dashboard.screenshot("dashboard-store")
        assert dashboard.errors == []


async def test_no_shows_and_short_picks_are_counted(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    async with signed_in(browser, shop.base, associate, "/staff/dashboard") as dashboard:
        page = dashboard.page
        await expect(page.locator("body")).to_have_attribute("data-state", "ready")
        before = {name: await count(page, name) for name in ("no-shows", "no-shows-today",
                                                             "short-picks", "pickups")}  # fmt: skip

        _, left = await pickup_left_on_the_shelf(
            staff_server, "cust-ada", "AMS-CENTRAAL", "DESK-FAN"
        )
        assert (await shop.act(documents.MARK_NO_SHOW, associate, id=left))["userErrors"] == []
        _, short = await shop.order_for_pickup("cust-grace", "AMS-CENTRAAL", quantity=3)
        await shop.act(documents.START_PICKING, associate, id=short)
        shorted = await shop.act(documents.REPORT_SHORT, associate, id=short, line="L1", quantity=2)
        assert shorted["userErrors"] == []

        expected = {"no-shows": 1, "no-shows-today": 1, "short-picks": 2, "pickups": 2}
        for name, more in expected.items():
            await expect(tile(page, name)).to_have_text(
                str(before[name] + more), timeout=SHOWN_WITHIN_MS
            )
        days = await days_of(staff_server, associate, "AMS-CENTRAAL")
        assert sum(day["noShows"] for day in days) == before["no-shows"] + 1
        assert sum(day["shortPicks"] for day in days) == before["short-picks"] + 2
        assert dashboard.errors == []


async def test_an_admin_sees_the_chain_and_compares_every_store(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    await shop.order_for_pickup("cust-grace", "AMS-ZUID")
    admin = shop.token(Role.ADMIN, "root")
    async with signed_in(browser, shop.base, admin, "/staff/dashboard") as dashboard:
        page = dashboard.page
        rows = page.locator("#comparison tbody tr")
        await expect(rows).to_have_count(3, timeout=SHOWN_WITHIN_MS)
        stores = [await row.get_attribute("data-store") for row in await rows.all()]
        assert stores == ["AMS-CENTRAAL", "AMS-ZUID", "UTR-CENTRUM"]
        zuid = page.locator('#comparison tr[data-store="AMS-ZUID"] td')
        await expect(zuid.nth(1)).to_have_text("1")  # pickups in 14 days
        await expect(zuid.nth(2)).to_have_text("\u2013")  # none made ready yet: no share
        await expect(zuid.nth(7)).to_have_text("1")  # waiting now
        await expect(page.locator("#store-name")).to_have_text("all 3 stores")
        # The chain's own figures (one query) add up to the stores' (another).
        per_store = [int(await row.locator("td").nth(1).inner_text()) for row in await rows.all()]
        assert await count(page, "pickups") == sum(per_store)
        await dashboard.screenshot("dashboard-admin")

        await page.get_by_label("Store").select_option("AMS-ZUID")
        await expect(page.locator("#store-name")).to_have_text("Amsterdam Zuid")
        await expect(tile(page, "pickups")).to_have_text("1")
        await expect(page.locator("#comparison-panel")).to_be_hidden()
        assert dashboard.errors == []
