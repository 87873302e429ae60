"""What a card tells the associate (whose order, what to hand over, what the shelf lacked) and
the no-show: offered on a ready card, accepted once the window has closed, refused before with
the API's own reason."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from api.auth import Role
from bench.harness import staff_documents as documents
from bench.harness.browser import signed_in
from tests.staff.conftest import StaffServer
from tests.staff.last_week import pickup_left_on_the_shelf

SHOWN_WITHIN_MS = 15_000


async def test_a_card_shows_the_order_number_the_customer_and_the_products(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    _, pickup_id = await shop.order_for_pickup("cust-ada", "AMS-CENTRAAL", "LAVA-LAMP", 2)
    async with signed_in(browser, shop.base, associate) as board:
        card = board.card(pickup_id, "toPick")
        await expect(card).to_be_visible(timeout=SHOWN_WITHIN_MS)
        pickup = (await shop.data(documents.PICKUP, associate, id=pickup_id))["pickup"]
        await expect(card.locator(".order")).to_have_text(f"Order {pickup['orderNumber']}")
        await expect(card.locator(".customer")).to_have_text("Ada")
        await expect(card.locator('[data-sku="LAVA-LAMP"]')).to_have_text(
            "2 \u00d7 Lava lamp LAVA-LAMP"
        )
        assert pickup["customerFirstName"] == "Ada"
        assert pickup["lines"] == [{"sku": "LAVA-LAMP", "productName": "Lava lamp", "quantity": 2}]
        assert board.errors == []


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
        await expect(card.locator('[data-sku="RETRO-CLOCK"]')).to_have_text(
            "1 \u00d7 Retro alarm clock RETRO-CLOCK short 1", timeout=SHOWN_WITHIN_MS
        )
        pickup = (await shop.data(documents.PICKUP, associate, id=pickup_id))["pickup"]
        assert pickup["shortPicks"] == [{"sku": "RETRO-CLOCK", "quantityShort": 1}]
        assert board.errors == []


async def test_a_ready_card_past_its_window_is_marked_a_no_show(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    _, pickup_id = await pickup_left_on_the_shelf(
        staff_server, "cust-barbara", "AMS-CENTRAAL", "DESK-FAN"
    )
    async with signed_in(browser, shop.base, associate) as board:
        card = board.card(pickup_id, "ready")
        await expect(card).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(card).to_have_attribute("data-sla", "late")
        await expect(card.locator(".sla")).to_contain_text("window closed")
        no_show = card.get_by_role("button", name="Mark no-show")
        await expect(no_show).to_have_class("no-show")  # the way forward, not a side option
        await no_show.click()

        moved = board.card(pickup_id, "notCollected")
        await expect(moved).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(moved.get_by_role("button")).to_have_count(0)
        assert await board.card(pickup_id, "ready").count() == 0
        pickup = (await shop.data(documents.PICKUP, associate, id=pickup_id))["pickup"]
        assert pickup["status"] == "NOT_COLLECTED"
        await board.screenshot("board-no-show")
        assert board.errors == []


async def test_a_no_show_before_the_window_closes_shows_the_apis_refusal(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    _, pickup_id = await shop.order_for_pickup("cust-alan", "AMS-CENTRAAL")
    await shop.act(documents.START_PICKING, associate, id=pickup_id)
    await shop.act(documents.MARK_READY, associate, id=pickup_id, shelf="D4")
    async with signed_in(browser, shop.base, associate) as board:
        card = board.card(pickup_id, "ready")
        await expect(card.locator(".sla")).to_contain_text("collect by", timeout=SHOWN_WITHIN_MS)
        no_show = card.get_by_role("button", name="Mark no-show")
        await expect(no_show).to_have_class("secondary")
        await no_show.click()

        error = card.get_by_test_id("card-error")
        await expect(error).to_contain_text("PICKUP_WINDOW_STILL_OPEN", timeout=SHOWN_WITHIN_MS)
        await expect(error).to_contain_text("The customer can still collect this order until")
        await expect(no_show).to_be_enabled()
        pickup = (await shop.data(documents.PICKUP, associate, id=pickup_id))["pickup"]
        assert pickup["status"] == "READY"
        assert await board.card(pickup_id, "ready").count() == 1
        assert board.errors == []
