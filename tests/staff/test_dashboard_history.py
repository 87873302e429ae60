"""The dashboard of a new user, on a server that seeded the demo's two weeks of pickups: the
chart and tiles have history at once; a manager picks the days shown (a preset, or a first and
last day, kept across a reload; a range that cannot be shown is said in words); the CSV holds
the figures of the range, one row per store and day, as the API reports them."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest_asyncio
from playwright.async_api import expect

from adapters.settings import Settings
from api.auth import Role
from bench.harness.browser import signed_in
from bench.harness.server_process import drop_schema, free_port, running_server
from bench.harness.staff_shop import Shop
from tests.staff.conftest import SECRET, SERVER_SETTINGS, StaffServer
from tests.store_clock import store_today

SHOWN_WITHIN_MS = 15_000
STORES = ("AMS-CENTRAAL", "AMS-ZUID", "UTR-CENTRUM")
FIGURES = """query($store: String!, $first: Date!, $last: Date!) {
  fulfillmentStats(storeId: $store, firstDay: $first, lastDay: $last, first: 100) {
    nodes { storeId day pickups madeReady readyWithinPromise collected noShows shortPicks
            placedToReady { p50 p90 } readyToCollected { p50 p90 }
            placedToCollected { p50 p90 max } } } }"""


@pytest_asyncio.fixture(scope="module")
async def history_server(settings: Settings, chromium: str) -> AsyncIterator[StaffServer]:
    schema, port = f"staff_{uuid4().hex[:10]}", free_port()
    with_history = {**SERVER_SETTINGS, "OMNI_DEMO_HISTORY_DAYS": "14"}
    try:
        async with running_server(
            settings, os.environ, port=port, schema=schema, **with_history
        ) as base:
            shop = Shop(base, SECRET)
            yield StaffServer(base, schema, port, shop, settings)
            await shop.close()
    finally:
        await drop_schema(settings, schema)


today = store_today


async def figures(server: StaffServer, token: str, store: str, first: date, last: date) -> list:
    data = await server.shop.data(
        FIGURES, token, store=store, first=first.isoformat(), last=last.isoformat()
    )
    return data["fulfillmentStats"]["nodes"]  # type: ignore[no-any-return]


def tile(page: Any, name: str) -> Any:
    return page.locator(f'[data-testid="tile-{name}"] .value')


async def test_a_new_manager_sees_two_weeks_of_history_at_once(
    browser: Any, history_server: StaffServer
) -> None:
    manager = history_server.shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    days = await figures(history_server, manager, "AMS-CENTRAAL", today() - timedelta(13), today())
    assert len(days) >= 13  # every day before today had pickups
    async with signed_in(browser, history_server.base, manager, "/staff/dashboard") as dashboard:
        page = dashboard.page
        await expect(page.locator("body")).to_have_attribute("data-state", "ready")
        await expect(tile(page, "pickups")).to_have_text(str(sum(d["pickups"] for d in days)))
        await expect(tile(page, "no-shows")).to_have_text(str(sum(d["noShows"] for d in days)))
        with_times = [d for d in days if d["placedToCollected"]["p50"] is not None]
        await expect(page.locator("#chart circle")).to_have_count(2 * len(with_times))
        await expect(page.locator("#chart-title")).to_contain_text("last 14 days")
        await dashboard.screenshot("dashboard-history")
        assert dashboard.errors == []


async def test_the_manager_picks_the_days_shown_and_a_reload_keeps_them(
    browser: Any, history_server: StaffServer
) -> None:
    manager = history_server.shop.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    async with signed_in(browser, history_server.base, manager, "/staff/dashboard") as dashboard:
        page = dashboard.page
        await expect(page.locator("body")).to_have_attribute("data-state", "ready")

        await page.get_by_role("button", name="7 days").click()
        week = (today() - timedelta(6), today())
        await expect(page.locator("body")).to_have_attribute("data-range", _range(*week))
        shown = await figures(history_server, manager, "AMS-ZUID", *week)
        await expect(tile(page, "pickups")).to_have_text(str(sum(d["pickups"] for d in shown)))
        await expect(page.locator("#chart-title")).to_contain_text("last 7 days")

        first, last = today() - timedelta(10), today() - timedelta(4)
        await page.get_by_label("From").fill(first.isoformat())
        await page.get_by_label("To").fill(last.isoformat())
        await page.get_by_role("button", name="Show").click()
        await expect(page.locator("body")).to_have_attribute("data-range", _range(first, last))
        shown = await figures(history_server, manager, "AMS-ZUID", first, last)
        await expect(tile(page, "pickups")).to_have_text(str(sum(d["pickups"] for d in shown)))
        assert f"from={first.isoformat()}&to={last.isoformat()}" in page.url

        await page.reload()
        await expect(page.locator("body")).to_have_attribute("data-range", _range(first, last))
        await expect(tile(page, "pickups")).to_have_text(str(sum(d["pickups"] for d in shown)))

        await page.get_by_label("From").fill(last.isoformat())
        await page.get_by_label("To").fill(first.isoformat())
        await page.get_by_role("button", name="Show").click()
        await expect(page.get_by_test_id("range-error")).to_have_text(
            "The last day is before the first."
        )
        await expect(page.locator("body")).to_have_attribute("data-range", _range(first, last))
        assert dashboard.errors == []


def _range(first: date, last: date) -> str:
    return f"{first.isoformat()}/{last.isoformat()}"


async def csv_of(page: Any, tmp_path: Path) -> tuple[str, list[dict[str, str]]]:
    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="Download CSV").click()
    downloaded = await waiting.value
    path = tmp_path / downloaded.suggested_filename
    await downloaded.save_as(path)
    return downloaded.suggested_filename, list(csv.DictReader(io.StringIO(path.read_text())))


def as_api_row(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row in the API's shape, to compare the two."""

    def number(name: str) -> float | None:
        return float(row[name]) if row[name] else None

    return {
        "storeId": row["store_id"],
        "day": row["day"],
        "pickups": int(row["pickups"]),
        "madeReady": int(row["made_ready"]),
        "readyWithinPromise": number("ready_within_promise"),
        "collected": int(row["collected"]),
        "noShows": int(row["no_shows"]),
        "shortPicks": int(row["short_picked_units"]),
        "placedToReady": {"p50": number("placed_to_ready_p50_s"),
                          "p90": number("placed_to_ready_p90_s")},
        "readyToCollected": {"p50": number("ready_to_collected_p50_s"),
                             "p90": number("ready_to_collected_p90_s")},
        "placedToCollected": {"p50": number("placed_to_collected_p50_s"),
                              "p90": number("placed_to_collected_p90_s"),
                              "max": number("placed_to_collected_max_s")},
    }  # fmt: skip


async def test_the_csv_holds_every_day_of_the_range_as_the_api_reports_it(
    browser: Any, history_server: StaffServer, tmp_path: Path
) -> None:
    manager = history_server.shop.token(Role.STAFF, "staff-di", "UTR-CENTRUM")
    first, last = today() - timedelta(13), today()
    async with signed_in(browser, history_server.base, manager, "/staff/dashboard") as dashboard:
        page = dashboard.page
        await expect(page.locator("body")).to_have_attribute("data-range", _range(first, last))
        name, rows = await csv_of(page, tmp_path)
        assert name == f"click-to-collect_UTR-CENTRUM_{first}_{last}.csv"
        assert [row["day"] for row in rows] == [
            (first + timedelta(n)).isoformat() for n in range(14)
        ]
        assert {row["store_name"] for row in rows} == {"Utrecht Centrum"}
        by_day = {
            d["day"]: d for d in await figures(history_server, manager, "UTR-CENTRUM", first, last)
        }
        for row in rows:
            found = by_day.get(row["day"])
            if found is None:  # a day without pickups (today, so far) is a row of zeros
                assert (row["pickups"], row["placed_to_collected_p50_s"]) == ("0", "")
            else:
                assert as_api_row(row) == found
        assert dashboard.errors == []


async def test_an_admins_csv_has_a_row_per_store_and_day(
    browser: Any, history_server: StaffServer, tmp_path: Path
) -> None:
    admin = history_server.shop.token(Role.ADMIN, "root")
    async with signed_in(browser, history_server.base, admin, "/staff/dashboard") as dashboard:
        page = dashboard.page
        await expect(page.locator("#comparison tbody tr")).to_have_count(3, timeout=SHOWN_WITHIN_MS)
        await page.get_by_role("button", name="30 days").click()
        first = today() - timedelta(29)
        await expect(page.locator("body")).to_have_attribute("data-range", _range(first, today()))
        await expect(page.locator("#comparison-title")).to_have_text(
            "Stores compared (last 30 days)"
        )
        name, rows = await csv_of(page, tmp_path)
        assert name == f"click-to-collect_all-stores_{first}_{today()}.csv"
        assert len(rows) == 3 * 30
        for store in STORES:
            ours = [row for row in rows if row["store_id"] == store]
            days = await figures(history_server, admin, store, first, today())
            assert sum(int(row["pickups"]) for row in ours) == sum(d["pickups"] for d in days)
        assert dashboard.errors == []
