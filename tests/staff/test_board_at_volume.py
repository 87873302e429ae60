"""The board at volume (issue 21, items 1 and 3) in a real Chromium against a real server:
search and the scanner field, the new-order alert, the phone's tabs, paged columns and
sorting, taking a card, the "Mine" filter, and the printed pick list with bag labels."""

from __future__ import annotations

import asyncio
import io
import os
import unicodedata
from pathlib import Path
from typing import Any

from playwright.async_api import expect
from pypdf import PdfReader

from api.auth import Role
from bench.harness import staff_documents as documents
from bench.harness.browser import SCREENSHOTS, signed_in
from bench.harness.staff_shop import Shop
from tests.staff.conftest import StaffServer

SHOWN_WITHIN_MS = 15_000  # a bound on waiting, not a speed test (bench/staff_board.py is)
DOCS = Path(__file__).resolve().parents[2] / "docs"
CENTRAAL, ZUID = "AMS-CENTRAAL", "AMS-ZUID"
SKUS = ("RETRO-CLOCK", "DESK-FAN")
PAGE = 25  # cards per column before "Show more" (api/pages/static/js/board.js)


def screenshot_path(name: str) -> str:
    """Under .omni/screenshots; the README's copy in docs/ only when asked for
    (OMNI_UPDATE_SCREENSHOTS=1), so that a test run leaves the work tree as it was."""
    if os.environ.get("OMNI_UPDATE_SCREENSHOTS") == "1":
        return str(DOCS / f"{name}.png")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return str(SCREENSHOTS / f"{name}.png")


def order_number(order_id: str) -> str:
    return order_id.replace("-", "")[:8].upper()


async def stocked(shop: Shop, store: str, staff: str) -> None:
    for sku in ("RETRO-CLOCK", "LAVA-LAMP", "DESK-FAN"):
        received = await shop.act(documents.RECEIVE_STOCK, staff, store=store, sku=sku, quantity=80)
        assert received["userErrors"] == []


async def made_ready(shop: Shop, staff: str, pickup_id: str, shelf: str) -> None:
    assert (await shop.act(documents.START_PICKING, staff, id=pickup_id))["userErrors"] == []
    marked = await shop.act(documents.MARK_READY, staff, id=pickup_id, shelf=shelf)
    assert marked["userErrors"] == []


async def ready_board(page: Any) -> None:
    await expect(page.locator("body")).to_have_attribute("data-state", "ready")
    await expect(page.get_by_test_id("live-status")).to_have_attribute(
        "data-status", "live", timeout=SHOWN_WITHIN_MS
    )


async def test_search_finds_cards_by_number_name_sku_and_code_and_a_scan_opens_one(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    staff = shop.token(Role.STAFF, "staff-bo", CENTRAAL)
    await stocked(shop, CENTRAAL, staff)
    grace_order, grace = await shop.order_for_pickup("cust-grace", CENTRAAL, sku="LAVA-LAMP")
    ada_order, ada = await shop.order_for_pickup("cust-ada", CENTRAAL)
    edsger_order, edsger = await shop.order_for_pickup("cust-edsger", CENTRAAL, sku="DESK-FAN")
    await made_ready(shop, staff, edsger, "D4")
    code = (await shop.pickup_of("cust-edsger", edsger_order, "READY"))["pickupCode"]

    async with signed_in(browser, shop.base, staff) as board:
        page, cards = board.page, board.page.locator('[data-testid="card"]')
        await ready_board(page)
        search = page.get_by_test_id("search")

        await search.fill(order_number(grace_order).lower())
        await expect(cards).to_have_count(1)
        await expect(board.card(grace, "toPick")).to_be_visible()

        await search.fill("Grace")
        await expect(board.card(ada)).to_have_count(0)
        await expect(board.card(grace)).to_be_visible()
        assert set(await cards.locator(".customer").all_inner_texts()) == {"Grace"}

        await search.fill("lava-lamp")
        await expect(board.card(grace)).to_be_visible()
        await expect(board.card(ada)).to_have_count(0)
        skus = await cards.locator("[data-sku]").evaluate_all("els => els.map(e => e.dataset.sku)")
        assert "LAVA-LAMP" in skus and "RETRO-CLOCK" not in skus

        await search.fill(code.lower())  # the code is never on a card: looked up by the server
        await expect(board.card(edsger, "ready")).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(cards).to_have_count(1)

        await search.fill("")
        await expect(board.card(ada, "toPick")).to_be_visible()

        scan = page.get_by_test_id("scan")
        await scan.fill(order_number(ada_order))
        await scan.press("Enter")
        await expect(board.card(ada, "toPick")).to_have_attribute("data-opened", "true")
        await expect(search).to_have_value(order_number(ada_order))
        await expect(cards).to_have_count(1)

        await scan.fill(code)  # the customer's QR: the code, then Enter
        await scan.press("Enter")
        await expect(board.card(edsger, "ready")).to_have_attribute(
            "data-opened", "true", timeout=SHOWN_WITHIN_MS
        )
        await expect(page.get_by_test_id("scan-result")).to_have_text(
            f"Order {order_number(edsger_order)}"
        )
        await expect(scan).to_have_value("")  # ready for the next scan

        await search.fill("")
        await page.locator("h1").click()  # nothing focused: a scanner types into the page
        await page.keyboard.type(f"{order_number(grace_order)}\n", delay=5)
        await expect(board.card(grace, "toPick")).to_have_attribute("data-opened", "true")
        await expect(search).to_have_value(order_number(grace_order))

        await scan.fill("ZZZZZ9")
        await scan.press("Enter")
        await expect(page.get_by_test_id("scan-result")).to_have_text(
            "No open pickup with order number or code ZZZZZ9", timeout=SHOWN_WITHIN_MS
        )
        assert board.errors == []


async def test_a_new_order_is_highlighted_counted_in_the_title_and_its_tone_can_be_switched_off(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    staff = shop.token(Role.STAFF, "staff-cy", ZUID)
    await stocked(shop, ZUID, staff)
    async with signed_in(browser, shop.base, staff) as board:
        page = board.page
        await ready_board(page)
        title = await page.title()
        assert title == "Pickups · Amsterdam Zuid"
        toggle = page.get_by_test_id("sound-toggle")
        await expect(toggle).to_have_attribute("data-sound", "on")
        await expect(toggle).to_have_attribute("data-played", "0")

        _, first = await shop.order_for_pickup("cust-alan", ZUID)
        await expect(board.card(first, "toPick")).to_have_attribute(
            "data-new", "true", timeout=SHOWN_WITHIN_MS
        )
        await expect(page).to_have_title(f"(1) {title}")
        await expect(toggle).to_have_attribute("data-played", "1")

        await toggle.click()
        await expect(toggle).to_have_attribute("data-sound", "off")
        await expect(toggle).to_have_text("Sound off")
        await page.reload()
        await ready_board(page)
        await expect(toggle).to_have_attribute("data-sound", "off")  # remembered on the tablet
        await expect(page).to_have_title(title)  # nothing new since this page loaded
        await expect(board.card(first)).not_to_have_attribute("data-new", "true")

        _, second = await shop.order_for_pickup("cust-barbara", ZUID)
        await expect(board.card(second, "toPick")).to_have_attribute(
            "data-new", "true", timeout=SHOWN_WITHIN_MS
        )
        await expect(page).to_have_title(f"(1) {title}")
        await expect(toggle).to_have_attribute("data-played", "0")  # no tone while off

        await board.card(second).locator(".order").click()  # the associate looks at it
        await expect(page).to_have_title(title)
        await expect(board.card(second)).not_to_have_attribute("data-new", "true")
        await toggle.click()
        assert await page.evaluate("localStorage.getItem('omni.board.sound')") == "on"
        assert board.errors == []


async def test_a_phone_shows_one_column_at_a_time_with_tabs_and_counts(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    staff = shop.token(Role.STAFF, "staff-bo", CENTRAAL)
    await stocked(shop, CENTRAAL, staff)
    _, waiting = await shop.order_for_pickup("cust-alan", CENTRAAL)
    _, ready = await shop.order_for_pickup("cust-barbara", CENTRAAL)
    await made_ready(shop, staff, ready, "A1")
    async with signed_in(browser, shop.base, staff) as board:
        page = board.page
        await page.set_viewport_size({"width": 390, "height": 844})
        await ready_board(page)
        to_pick, ready_column = (page.locator(f'[data-column="{c}"]') for c in ("toPick", "ready"))
        await expect(to_pick).to_be_visible()
        await expect(ready_column).to_be_hidden()
        await expect(board.card(waiting, "toPick")).to_be_visible()
        tab = page.get_by_role("tab", name="Ready")
        assert (
            await tab.locator(".count").inner_text()
            == await ready_column.locator("h2 .count").inner_text()
        )

        await tab.click()
        await expect(tab).to_have_attribute("aria-selected", "true")
        await expect(ready_column).to_be_visible()
        await expect(to_pick).to_be_hidden()
        await expect(board.card(ready, "ready")).to_be_visible()
        box = await ready_column.bounding_box()
        assert box is not None and box["y"] < 844  # on the first screen, not pages down
        assert box["width"] > 300  # the one column takes the phone's width
        await page.screenshot(path=screenshot_path("staff-board-phone"))
        assert board.errors == []


async def test_columns_page_hundreds_of_cards_and_sort_by_promised_time(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    staff = shop.token(Role.STAFF, "staff-cy", ZUID)
    await stocked(shop, ZUID, staff)
    customers = ("cust-ada", "cust-alan", "cust-barbara", "cust-edsger", "cust-grace")
    for batch in range(0, PAGE + 10, 5):  # one order per customer at a time: their own cart
        await asyncio.gather(
            *(
                shop.order_for_pickup(
                    customers[n % 5], ZUID, sku=("RETRO-CLOCK", "DESK-FAN")[n % 2]
                )
                for n in range(batch, batch + 5)
            )
        )
    board_now = (await shop.data(documents.PICKUP_BOARD, staff, store=ZUID))["pickupBoard"]
    moving = [card["id"] for card in board_now["toPick"][:6]]
    for n, pickup_id in enumerate(moving):  # a board as a store has it: every step in use
        if n % 2:
            await made_ready(shop, staff, pickup_id, f"C{n}")
        else:
            assert (await shop.act(documents.START_PICKING, staff, id=pickup_id))[
                "userErrors"
            ] == []
    async with signed_in(browser, shop.base, staff) as board:
        page = board.page
        await ready_board(page)
        column = page.locator('[data-column="toPick"]')
        total = int(await column.locator("h2 .count").inner_text())
        assert total > PAGE
        cards = column.locator('[data-testid="card"]')
        await expect(cards).to_have_count(PAGE)
        await page.wait_for_function("() => performance.getEntriesByName('board-complete').length")
        # Cards past each column's first 25, read after the first paint, were there before:
        # not new orders.
        assert await page.locator('[data-new="true"]').count() == 0
        await expect(page).to_have_title("Pickups · Amsterdam Zuid")
        more = column.get_by_test_id("show-more")
        await expect(more).to_contain_text(f"({total - PAGE} not shown)")
        await page.screenshot(path=screenshot_path("staff-board"))
        await more.click()
        await expect(cards).to_have_count(min(total, 2 * PAGE))

        promised = await cards.evaluate_all(
            "els => els.map(e => e.querySelector('.window').textContent)"
        )
        assert promised == sorted(promised)  # soonest first (one store day: clock times sort)
        await page.get_by_test_id("sort").select_option("promised-late")
        latest_first = await cards.evaluate_all(
            "els => els.map(e => e.querySelector('.window').textContent)"
        )
        assert latest_first == sorted(latest_first, reverse=True)

        # A new order, promised after every other: at the head of its column, highlighted,
        # at once (the subscription carries To pick's newest orders too).
        await page.get_by_test_id("sort").select_option("promised")
        _, newest = await shop.order_for_pickup("cust-grace", ZUID)
        await expect(cards.first).to_have_attribute("data-id", newest, timeout=SHOWN_WITHIN_MS)
        await expect(cards.first).to_have_attribute("data-new", "true")
        await expect(page).to_have_title("(1) Pickups · Amsterdam Zuid")
        assert board.errors == []


async def test_a_picker_takes_cards_filters_to_theirs_and_prints_their_pick_list(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    bo = shop.token(Role.STAFF, "staff-fay", CENTRAAL)  # no cards of earlier tests are hers
    colleague = shop.token(Role.STAFF, "staff-eve", CENTRAAL)
    await stocked(shop, CENTRAAL, bo)
    clock_order, clock = await shop.order_for_pickup("cust-grace", CENTRAAL)
    lamp_order, lamp = await shop.order_for_pickup("cust-alan", CENTRAAL, sku="LAVA-LAMP")
    other_order, other = await shop.order_for_pickup("cust-ada", CENTRAAL, sku="DESK-FAN")
    taken = await shop.act(documents.TAKE_PICKUP, colleague, id=other)
    assert taken["userErrors"] == []

    async with signed_in(browser, shop.base, bo) as board:
        page = board.page
        await ready_board(page)
        await expect(board.card(other).get_by_test_id("assignee")).to_have_text(
            "taken by staff-eve"
        )
        for pickup in (clock, lamp):
            await board.card(pickup).get_by_role("button", name="Take").click()
            await expect(board.card(pickup).get_by_test_id("assignee")).to_have_text(
                "yours", timeout=SHOWN_WITHIN_MS
            )
        await made_ready(shop, bo, lamp, "B2")
        await expect(board.card(lamp, "ready")).to_contain_text("shelf B2", timeout=SHOWN_WITHIN_MS)

        await page.locator('[data-filter="mine"]').click()
        await expect(board.card(clock)).to_be_visible()
        await expect(board.card(lamp)).to_be_visible()
        await expect(board.card(other)).to_have_count(0)

        # Headless Chromium's own print dialog would hold the page: note the call instead, and
        # print what it would have printed through print-to-PDF (the print stylesheet applies).
        await page.evaluate(
            "() => { window.print = () => { window.__printed = (window.__printed || 0) + 1; }; }"
        )
        await page.get_by_test_id("print-pick-list").click()
        await expect(page.locator("body")).to_have_attribute("data-print", "ready")
        assert await page.evaluate("window.__printed") == 1
        labels = page.get_by_test_id("bag-label")
        await expect(labels).to_have_count(2)
        qr = labels.locator("img.label-qr").first
        assert (await qr.get_attribute("src") or "").startswith("data:image/svg+xml")
        assert await qr.evaluate("img => img.complete && img.naturalWidth > 0")
        pdf = await page.pdf(format="A4")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "pick-list.pdf").write_bytes(pdf)
        pages = PdfReader(io.BytesIO(pdf)).pages
        # NFKC: the printed font joins "ff" into one ligature glyph, read back as U+FB00.
        text = unicodedata.normalize("NFKC", " ".join(p.extract_text() for p in pages))
        assert "Pick list" in text and "staff-fay" in text
        for number in (order_number(clock_order), order_number(lamp_order)):
            assert text.count(number) >= 2  # its pick-list row and its bag label
        assert "Grace" in text and "Alan" in text and "Shelf B2" in text
        assert "LAVA-LAMP" in text and "RETRO-CLOCK" in text
        assert order_number(other_order) not in text  # a colleague's order is not on it
        assert board.errors == []
