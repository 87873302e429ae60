"""The pickup board in a real Chromium against a real server: a customer's order arrives
live, the associate works it to hand-over, other tablets and channels move it too, and a
store's token sees only its store."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from api.auth import Role
from bench.harness import staff_documents as documents
from bench.harness.browser import signed_in
from tests.staff.conftest import StaffServer

# How long a page may take to show what happened: a bound on waiting, not a speed test
# (bench/staff_board.py measures the speed).
SHOWN_WITHIN_MS = 15_000


async def mark_no_reload(page: Any) -> None:
    await page.evaluate("window.__sameDocument = true")


async def still_same_document(page: Any) -> bool:
    return bool(await page.evaluate("window.__sameDocument === true"))


async def tile(page: Any, name: str) -> Any:
    return page.locator(f'[data-testid="tile-{name}"] .value')


async def test_a_pickup_travels_the_board_from_checkout_to_hand_over(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    async with (
        signed_in(browser, shop.base, associate) as board,
        signed_in(browser, shop.base, associate, "/staff/dashboard") as dashboard,
    ):
        await expect(board.page.get_by_test_id("live-status")).to_have_attribute(
            "data-status", "live", timeout=SHOWN_WITHIN_MS
        )
        await expect(dashboard.page.locator("body")).to_have_attribute("data-state", "ready")
        collected_before = int(await (await tile(dashboard.page, "collected-today")).inner_text())
        await mark_no_reload(board.page)

        order_id, pickup_id = await shop.order_for_pickup("cust-ada", "AMS-CENTRAAL", quantity=2)
        card = board.card(pickup_id, "toPick")
        await expect(card).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(card.locator('[data-sku="RETRO-CLOCK"]')).to_have_text(
            "2 \u00d7 Retro alarm clock RETRO-CLOCK"
        )
        await expect(card.locator(".customer")).to_have_text("Ada")

        await card.get_by_role("button", name="Start picking").click()
        card = board.card(pickup_id, "picking")
        await expect(card).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await card.get_by_label("Shelf spot").fill("B3")
        await card.get_by_role("button", name="Mark ready").click()
        card = board.card(pickup_id, "ready")
        await expect(card).to_contain_text("shelf B3", timeout=SHOWN_WITHIN_MS)

        pickup = await shop.pickup_of("cust-ada", order_id, "READY")
        assert pickup["shelfSpot"] == "B3"
        wrong = "AAAAAA" if pickup["pickupCode"] != "AAAAAA" else "BBBBBB"
        await card.get_by_label("Pickup code").fill(wrong)
        await card.get_by_role("button", name="Collect").click()
        await expect(card.get_by_test_id("card-error")).to_contain_text(
            "WRONG_PICKUP_CODE", timeout=SHOWN_WITHIN_MS
        )
        await expect(card).to_be_visible()  # still waiting on the shelf

        await card.get_by_label("Pickup code").fill(pickup["pickupCode"])
        await card.get_by_role("button", name="Collect").click()
        collected = board.card(pickup_id, "collectedToday")
        await expect(collected).to_contain_text("handed over by staff-bo", timeout=SHOWN_WITHIN_MS)
        await expect(await tile(dashboard.page, "collected-today")).to_have_text(
            str(collected_before + 1), timeout=SHOWN_WITHIN_MS
        )
        await shop.pickup_of("cust-ada", order_id, "COLLECTED")  # the customer sees it too
        assert await still_same_document(board.page)
        await board.screenshot("board-after-hand-over")
        await dashboard.screenshot("dashboard-after-hand-over")
        assert board.errors == [] and dashboard.errors == []


async def test_two_associates_see_each_others_moves_live(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    handheld = shop.token(Role.STAFF, "staff-ed", "AMS-ZUID")
    async with (
        signed_in(browser, shop.base, shop.token(Role.STAFF, "staff-cy", "AMS-ZUID")) as first,
        signed_in(browser, shop.base, shop.token(Role.STAFF, "staff-di", "AMS-ZUID")) as second,
    ):
        await mark_no_reload(first.page)
        await mark_no_reload(second.page)
        order_id, pickup_id = await shop.order_for_pickup("cust-grace", "AMS-ZUID")
        for page in (first, second):
            await expect(page.card(pickup_id, "toPick")).to_be_visible(timeout=SHOWN_WITHIN_MS)

        await first.card(pickup_id).get_by_role("button", name="Start picking").click()
        await expect(second.card(pickup_id, "picking")).to_contain_text(
            "staff-cy", timeout=SHOWN_WITHIN_MS
        )
        card = second.card(pickup_id, "picking")
        await card.get_by_label("Shelf spot").fill("C7")
        await card.get_by_role("button", name="Mark ready").click()
        await expect(first.card(pickup_id, "ready")).to_contain_text(
            "shelf C7", timeout=SHOWN_WITHIN_MS
        )

        # A third colleague hands it over from a handheld at the counter: same boards.
        code = (await shop.pickup_of("cust-grace", order_id, "READY"))["pickupCode"]
        handed = await shop.act(documents.COLLECT, handheld, id=pickup_id, code=code)
        assert handed["userErrors"] == []
        for page in (first, second):
            await expect(page.card(pickup_id, "collectedToday")).to_contain_text(
                "handed over by staff-ed", timeout=SHOWN_WITHIN_MS
            )
            assert await still_same_document(page.page)
        assert first.errors == [] and second.errors == []


async def test_a_store_token_cannot_see_or_work_another_stores_board(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    centraal = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
    _, zuid_pickup = await shop.order_for_pickup("cust-alan", "AMS-ZUID")

    async with signed_in(browser, shop.base, centraal, "/staff?store=AMS-ZUID") as page:
        notice = page.page.get_by_test_id("notice")
        await expect(notice).to_contain_text("No access to AMS-ZUID")
        await expect(notice).to_contain_text("staff-bo works at AMS-CENTRAAL")
        assert await page.page.locator('[data-testid="card"]').count() == 0
        await page.screenshot("board-no-access")
    async with signed_in(browser, shop.base, centraal, "/staff/dashboard?store=AMS-ZUID") as page:
        await expect(page.page.get_by_test_id("notice")).to_contain_text("No access to AMS-ZUID")

    refused_board = await shop.post(documents.PICKUP_BOARD, centraal, store="AMS-ZUID")
    assert refused_board["data"] is None
    assert "not allowed at store AMS-ZUID" in refused_board["errors"][0]["message"]
    refused_move = await shop.post(documents.START_PICKING, centraal, id=zuid_pickup)
    assert "not allowed at store AMS-ZUID" in refused_move["errors"][0]["message"]
    zuid = shop.token(Role.STAFF, "staff-cy", "AMS-ZUID")
    board = (await shop.data(documents.PICKUP_BOARD, zuid, store="AMS-ZUID"))["pickupBoard"]
    assert zuid_pickup in [card["id"] for card in board["toPick"]]  # the refusal moved nothing


async def test_a_token_without_a_staff_role_gets_a_page_that_says_so(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    customer = shop.token(Role.CUSTOMER, "cust-ada")
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{shop.base}/staff/signin")
        await page.fill("textarea[name=token]", customer)
        await page.click("#paste button")
        error = page.get_by_test_id("token-error")
        await expect(error).to_contain_text("a customer token cannot open the staff pages")
        assert await page.evaluate("sessionStorage.length") == 0

        await page.evaluate(f"sessionStorage.setItem('omni.staff.token', '{customer}')")
        await page.goto(f"{shop.base}/staff")
        await expect(page.get_by_test_id("notice")).to_contain_text("Not a staff token")
        assert customer not in page.url
    finally:
        await context.close()


async def test_signing_in_with_store_credentials_opens_that_stores_board(
    browser: Any, staff_server: StaffServer
) -> None:
    context = await browser.new_context()
    try:
        page = await context.new_page()
        await page.goto(f"{staff_server.base}/staff")
        await page.wait_for_url("**/staff/signin?next=%2Fstaff")
        form = page.locator("#credentials")
        await form.get_by_label("Store").fill("AMS-CENTRAAL")
        await form.get_by_label("Staff id").fill("staff-bo")
        await form.get_by_label("PIN").fill("9999")
        await form.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_test_id("credentials-error")).to_contain_text("wrong PIN")

        await form.get_by_label("PIN").fill("1234")
        await form.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{staff_server.base}/staff")
        await expect(page.locator("#store-name")).to_have_text("Amsterdam Centraal")
        assert "1234" not in page.url and "token" not in page.url
        token = await page.evaluate("sessionStorage.getItem('omni.staff.token')")
        assert token and token not in page.url
    finally:
        await context.close()
