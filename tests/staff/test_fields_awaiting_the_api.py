"""What the pages show once the API rebuild adds the fields they ask for (see the report
and docs/ARCHITECTURE.md). Each is a strict xfail: it fails the suite the moment it passes,
so whoever adds the field removes the mark."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from api.auth import Role
from tests.staff import documents
from tests.staff.browser import signed_in
from tests.staff.conftest import StaffServer

SHOWN_WITHIN_MS = 15_000
QUICK_MS = 2_000  # the card is already shown: the field is there or it is not


async def ready_pickup(server: StaffServer, customer: str) -> tuple[str, str, str]:
    """(associate token, order id, pickup id) of a pickup waiting on the shelf."""
    shop = server.shop
    associate = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    order_id, pickup_id = await shop.order_for_pickup(customer, "AMS-CENTRAAL", quantity=2)
    await shop.act(documents.START_PICKING, associate, id=pickup_id)
    await shop.act(documents.MARK_READY, associate, id=pickup_id, shelf="D4")
    return associate, order_id, pickup_id


@pytest.mark.xfail(strict=True, reason="needs Pickup.orderNumber from the API rebuild")
async def test_a_card_shows_the_order_number(browser: Any, staff_server: StaffServer) -> None:
    associate, order_id, pickup_id = await ready_pickup(staff_server, "cust-ada")
    async with signed_in(browser, staff_server.base, associate) as board:
        card = board.card(pickup_id, "ready")
        await expect(card).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(card.locator(".order")).not_to_have_text(
            f"Order {order_id[:8]}", timeout=QUICK_MS
        )


@pytest.mark.xfail(strict=True, reason="needs Pickup.shortPicks from the API rebuild")
async def test_a_short_pick_shows_on_its_card(browser: Any, staff_server: StaffServer) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    _, pickup_id = await shop.order_for_pickup("cust-grace", "AMS-CENTRAAL", quantity=2)
    await shop.act(documents.START_PICKING, associate, id=pickup_id)
    async with signed_in(browser, staff_server.base, associate) as board:
        card = board.card(pickup_id, "picking")
        await card.get_by_role("button", name="Report short").click()
        await card.get_by_label("Units short of RETRO-CLOCK").fill("1")
        await card.get_by_role("button", name="Short RETRO-CLOCK").click()
        await expect(card).to_contain_text("1 \u00d7 RETRO-CLOCK", timeout=SHOWN_WITHIN_MS)
        await expect(card.locator(".short")).to_have_text("short 1", timeout=QUICK_MS)


@pytest.mark.xfail(strict=True, reason="needs the markNoShow mutation from the API rebuild")
async def test_a_ready_card_offers_mark_no_show(browser: Any, staff_server: StaffServer) -> None:
    associate, _, pickup_id = await ready_pickup(staff_server, "cust-alan")
    async with signed_in(browser, staff_server.base, associate) as board:
        card = board.card(pickup_id, "ready")
        await expect(card).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(card.get_by_role("button", name="Mark no-show")).to_be_visible(
            timeout=QUICK_MS
        )


@pytest.mark.xfail(strict=True, reason="needs FulfillmentStats.placedToCollected (rebuild)")
async def test_the_chart_shows_placed_to_collected(browser: Any, staff_server: StaffServer) -> None:
    associate = staff_server.shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    async with signed_in(browser, staff_server.base, associate, "/staff/dashboard") as page:
        await expect(page.page.locator("body")).to_have_attribute("data-state", "ready")
        await expect(page.page.locator("#chart-title")).to_contain_text(
            "Click-to-collect", timeout=QUICK_MS
        )


@pytest.mark.xfail(strict=True, reason="needs FulfillmentStats.noShows and shortPicks (rebuild)")
async def test_the_dashboard_counts_no_shows_and_short_picks_per_day(
    browser: Any, staff_server: StaffServer
) -> None:
    associate = staff_server.shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    async with signed_in(browser, staff_server.base, associate, "/staff/dashboard") as page:
        await expect(page.page.locator("body")).to_have_attribute("data-state", "ready")
        await expect(page.page.get_by_test_id("tile-no-shows")).to_be_visible(timeout=QUICK_MS)
        await expect(page.page.get_by_test_id("tile-short-picks")).to_be_visible(timeout=QUICK_MS)
