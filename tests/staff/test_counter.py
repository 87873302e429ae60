"""The counter and the curb in a real Chromium against a real server: an unpaid order is paid
at hand-over (a declined card said in words), a short pick is confirmed and undone, a
cancelled order lands in "Cancelled today", and a customer's "I'm here" travels from their
app to the board's arrived lane, the hand-over and the dashboard's arrival to hand-over."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect

from api.auth import Role
from bench.harness import staff_documents as documents
from bench.harness.browser import signed_in
from bench.harness.staff_shop import Shop
from tests.staff.conftest import StaffServer
from tests.store_clock import store_today

SHOWN_WITHIN_MS = 15_000  # a bound on waiting, not a speed test
STORE = "AMS-CENTRAAL"

CHECKOUT_UNPAID = """mutation($cart: UUID!, $store: String!) {
  checkout(input: {cartId: $cart, method: PICKUP, locationId: $store}) {
    orderId pickupId userErrors { code message } } }"""
ARRIVE = """mutation($order: UUID!, $where: String) {
  arriveForPickup(orderId: $order, bayOrCar: $where) { position userErrors { code message } } }"""
PICKUP = """query($id: UUID!) { pickup(id: $id) {
  status payment shortPicks { sku quantityShort } lines { sku quantity } } }"""
TODAY = """query($store: String!, $day: Date!) {
  fulfillmentStats(storeId: $store, firstDay: $day, lastDay: $day) {
    nodes { arrivals arrivalToCollected { p50 p90 } } } }"""


async def unpaid_order(shop: Shop, customer: str, sku: str, quantity: int = 1) -> tuple[str, str]:
    """A customer checks out for pickup without paying online: (order id, pickup id)."""
    token = shop.token(Role.CUSTOMER, customer)
    cart = (await shop.data(documents.START_CART, token))["startCart"]["cartId"]
    await shop.data(documents.ADD_TO_CART, token, cart=cart, sku=sku, quantity=quantity)
    placed = (await shop.data(CHECKOUT_UNPAID, token, cart=cart, store=STORE))["checkout"]
    assert placed["userErrors"] == [], placed
    return placed["orderId"], placed["pickupId"]


async def put_ready(shop: Shop, staff: str, pickup_id: str, shelf: str) -> None:
    await shop.act(documents.START_PICKING, staff, id=pickup_id)
    await shop.act(documents.MARK_READY, staff, id=pickup_id, shelf=shelf)


async def test_an_unpaid_order_is_paid_at_hand_over_and_a_decline_is_said_in_words(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-bo", STORE)
    order_id, pickup_id = await unpaid_order(shop, "cust-grace", "TEA-KETTLE")
    await put_ready(shop, associate, pickup_id, "E1")
    async with signed_in(browser, shop.base, associate) as board:
        card = board.card(pickup_id, "ready")
        await expect(card.get_by_test_id("payment")).to_have_text(
            "Unpaid \u00b7 EUR 34.90", timeout=SHOWN_WITHIN_MS
        )
        await expect(card.get_by_label("Pickup code")).to_have_count(0)  # payment comes first
        await expect_to_fit(
            card,
            card.get_by_label("Card terminal token"),
            card.get_by_role("button", name="Take payment EUR 34.90"),
        )
        await card.get_by_label("Card terminal token").fill("decline-card-7")
        await card.get_by_role("button", name="Take payment EUR 34.90").click()
        refusal = card.get_by_test_id("card-error").locator(".refusal")
        await expect(refusal).to_have_text("Card declined.", timeout=SHOWN_WITHIN_MS)
        await expect(refusal).to_have_attribute("title", "PAYMENT_DECLINED")
        await board.screenshot("board-take-payment-declined")

        await card.get_by_label("Card terminal token").fill("tok-terminal-7")
        await card.get_by_role("button", name="Take payment EUR 34.90").click()
        await expect(card.get_by_test_id("payment")).to_have_text(
            "Authorized", timeout=SHOWN_WITHIN_MS
        )
        code = (await shop.pickup_of("cust-grace", order_id, "READY"))["pickupCode"]
        await card.get_by_label("Pickup code").fill(code)
        await card.get_by_role("button", name="Collect").click()
        handed = board.card(pickup_id, "collectedToday")
        await expect(handed.get_by_test_id("payment")).to_have_text("Paid", timeout=SHOWN_WITHIN_MS)
        pickup = (await shop.data(PICKUP, associate, id=pickup_id))["pickup"]
        assert (pickup["status"], pickup["payment"]) == ("COLLECTED", "PAID")
        await board.screenshot("board-paid-at-hand-over")
        assert board.errors == []


async def test_a_short_pick_is_confirmed_undone_and_a_cancelled_order_is_listed_today(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-bo", STORE)
    _, pickup_id = await shop.order_for_pickup("cust-alan", STORE, "NOTEBOOK-A5", 2)
    await shop.act(documents.START_PICKING, associate, id=pickup_id)
    async with signed_in(browser, shop.base, associate) as board:
        card = board.card(pickup_id, "picking")
        await card.get_by_role("button", name="Report short").click()
        units, short = (
            card.get_by_label("Units short of NOTEBOOK-A5"),
            card.get_by_role("button", name="Short NOTEBOOK-A5"),
        )
        await expect_to_fit(card, units, short)

        await units.fill("2")
        await short.click()
        confirm = card.get_by_test_id("confirm")
        await expect(confirm).to_contain_text("This cancels the whole order and releases 2 units.")
        await board.screenshot("board-short-pick-confirm")
        await confirm.get_by_role("button", name="Report short").click()
        step = card.get_by_test_id("step")
        await expect(step).to_contain_text("Short 2 \u00d7 NOTEBOOK-A5: sending in 5 seconds.")
        await expect(card.get_by_role("button", name="Start picking")).to_have_count(0)
        await step.get_by_role("button", name="Undo").click()
        await expect(step).to_be_empty()

        # Only one short is sent now; the undone one, due first, would have been sent before.
        await expect(units).to_have_value("2")  # the form is as the associate left it
        await units.fill("1")
        await short.click()
        await expect(confirm).to_contain_text(
            "This removes 1 \u00d7 NOTEBOOK-A5 from the order (the customer is not charged for "
            "it) and releases 1 unit."
        )
        await confirm.get_by_role("button", name="Report short").click()
        await expect(card.locator('[data-sku="NOTEBOOK-A5"]')).to_contain_text(
            "short 1", timeout=SHOWN_WITHIN_MS
        )
        pickup = (await shop.data(PICKUP, associate, id=pickup_id))["pickup"]
        assert pickup["status"] == "PICKING"
        assert pickup["shortPicks"] == [{"sku": "NOTEBOOK-A5", "quantityShort": 1}]

        await card.get_by_role("button", name="Cancel order").click()
        await expect(confirm).to_contain_text("This cancels the whole order and releases 1 unit.")
        await confirm.get_by_label("Why").fill("customer called: no longer needed")
        await confirm.get_by_role("button", name="Cancel order").click()
        cancelled = board.card(pickup_id, "cancelledToday")
        await expect(cancelled).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(cancelled.locator(".sla")).to_contain_text("cancelled")
        await expect(cancelled.get_by_role("button")).to_have_count(0)
        assert (await shop.data(PICKUP, associate, id=pickup_id))["pickup"]["status"] == "CANCELLED"
        await board.screenshot("board-cancelled-today")
        assert board.errors == []


async def expect_to_fit(card: Any, units: Any, button: Any) -> None:
    """The quantity box is wide enough to read a number, and the button stays in the card."""
    await expect(button).to_be_visible()
    box, field, pressed = (
        await card.bounding_box(),
        await units.bounding_box(),
        await button.bounding_box(),
    )
    assert field["width"] >= 48, field  # three digits and the spinner, not a sliver
    for part in (field, pressed):
        assert part["x"] >= box["x"] and part["x"] + part["width"] <= box["x"] + box["width"], (
            part,
            box,
        )


async def test_curbside_from_the_customers_im_here_to_the_dashboards_figure(
    browser: Any, staff_server: StaffServer
) -> None:
    shop = staff_server.shop
    associate = shop.token(Role.STAFF, "staff-bo", STORE)
    ada = shop.token(Role.CUSTOMER, "cust-ada")
    order_id, pickup_id = await shop.order_for_pickup("cust-ada", STORE, "ESPRESSO-POT")
    await put_ready(shop, associate, pickup_id, "F2")
    async with (
        signed_in(browser, shop.base, associate) as board,
        signed_in(browser, shop.base, associate, "/staff/dashboard") as dashboard,
    ):
        await expect(board.card(pickup_id, "ready")).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(board.page.get_by_test_id("live-status")).to_have_attribute(
            "data-status", "live", timeout=SHOWN_WITHIN_MS
        )
        here = await shop.act(ARRIVE, ada, order=order_id, where="bay 3, red Golf")
        assert here["userErrors"] == []

        card = board.card(pickup_id, "arrived")
        await expect(card).to_be_visible(timeout=SHOWN_WITHIN_MS)
        assert await board.card(pickup_id, "ready").count() == 0  # moved, not copied
        await expect(card.get_by_test_id("arrival")).to_contain_text("bay 3, red Golf")
        alert = board.page.get_by_test_id("arrival-alert")
        number = order_id.replace("-", "")[:8].upper()
        await expect(alert).to_contain_text(
            f"Ada is here for order {number} \u00b7 bay 3, red Golf"
        )
        await board.screenshot("board-curbside-arrived")

        code = (await shop.pickup_of("cust-ada", order_id, "READY"))["pickupCode"]
        await card.get_by_label("Pickup code").fill(code)
        await card.get_by_role("button", name="Collect").click()
        handed = board.card(pickup_id, "collectedToday")
        await expect(handed).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(handed).not_to_contain_text("null")  # a card's missing parts are left out
        await expect(alert).to_have_count(0)

        day = store_today().isoformat()
        [today] = (await shop.data(TODAY, associate, store=STORE, day=day))["fulfillmentStats"][
            "nodes"
        ]
        assert today["arrivals"] >= 1 and today["arrivalToCollected"]["p50"] is not None
        row = dashboard.page.locator(f'#waits tr[data-day="{day}"] td')
        await expect(row.nth(4)).to_have_text(str(today["arrivals"]), timeout=SHOWN_WITHIN_MS)
        await expect(row.nth(5)).to_have_text(duration(today["arrivalToCollected"]["p50"]))
        await expect(row.nth(6)).to_have_text(duration(today["arrivalToCollected"]["p90"]))
        await dashboard.screenshot("dashboard-curbside-waits")
        assert board.errors == [] and dashboard.errors == []


def duration(seconds: float) -> str:
    """As the pages' format.js says a duration (the waits here are minutes at most)."""
    whole = int(seconds + 0.5)
    return f"{whole} s" if whole < 60 else f"{whole // 60} min"
