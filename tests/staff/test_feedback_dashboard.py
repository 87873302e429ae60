"""The dashboard's customer voice: a store manager sees their store's CSAT, how many answered
and CSAT by how pickups kept their promise; an admin compares every store; a picker does not
see the panel. Surveys are asked as `omni notify run` asks them (its own process, the
server's schema) and answered through their links, over HTTP, as a customer would."""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from playwright.async_api import expect

from adapters.clock import SystemClock
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.catalog import PostgresCatalog
from adapters.postgres.database import Database
from api.auth import Principal, Role, StaffRole
from bench.harness import staff_documents as documents
from bench.harness.browser import signed_in
from domain.customer.consent import MarketingChannel
from domain.feedback.values import DEFAULT_QUESTIONS, FeedbackPoint, SurveyRules
from domain.service import CommerceService
from domain.values import Actor, ActorKind, Context
from tests.staff.conftest import StaffServer

SHOWN_WITHIN_MS = 15_000
CONSENT = (
    'mutation { setConsent(channel: EMAIL, granted: true, wordingVersion: "v1") { position } }'
)
ANSWER = """mutation($link: String!, $score: Int!) { answerSurvey(token: $link, score: $score) {
  userErrors { code } } }"""
NOTIFIER = Context(actor=Actor(ActorKind.SYSTEM, "notifier"))


def manager_of(server: StaffServer, store: str) -> str:
    return server.shop.tokens.mint(
        Principal(role=Role.STAFF, subject="staff-manager", stores=(store,),
                  staff_role=StaffRole.MANAGER, expires_at=int(time.time() + 3600))
    )  # fmt: skip


async def collected(server: StaffServer, customer: str, store: str) -> str:
    shop = server.shop
    associate = shop.token(Role.STAFF, "staff-bo", store)
    order_id, pickup_id = await shop.order_for_pickup(customer, store)
    await shop.act(documents.START_PICKING, associate, id=pickup_id)
    await shop.act(documents.MARK_READY, associate, id=pickup_id, shelf="F1")
    code = (await shop.pickup_of(customer, order_id, "READY"))["pickupCode"]
    await shop.act(documents.COLLECT, associate, id=pickup_id, code=code)
    return pickup_id


async def surveyed(server: StaffServer, answers: list[tuple[str, str, int | None]]) -> list[str]:
    """Each (customer, store, score): a collected pickup, consent, the survey, the answer (none
    without a score). The links, in order."""
    links = []
    database = await Database.open(server.settings, schema=server.schema, pool_size=2)
    service = CommerceService(
        store=database.store, catalog=PostgresCatalog(database.pool),
        payments=SimulatedPaymentGateway(), clock=SystemClock(),
    )  # fmt: skip
    try:
        for customer, store, score in answers:
            pickup_id = await collected(server, customer, store)
            await server.shop.data(CONSENT, server.shop.token(Role.CUSTOMER, customer))
            asked = (await service.request_feedback(
                FeedbackPoint.PICKUP_COLLECTED, UUID(pickup_id), service.clock.now(),
                SurveyRules(DEFAULT_QUESTIONS), MarketingChannel.EMAIL, NOTIFIER,
            )).result  # fmt: skip
            await service.record_survey_sent(customer, asked.request_id, MarketingChannel.EMAIL,
                                             NOTIFIER)  # fmt: skip
            assert asked.expires_at is not None
            link = server.shop.tokens.mint_survey_link(
                customer, asked.request_id, int(asked.expires_at.timestamp())
            )
            links.append(link)
            if score is not None:
                answered = await server.shop.data(ANSWER, None, link=link, score=score)
                assert answered["answerSurvey"]["userErrors"] == []
    finally:
        await database.close()
    return links


def tile(page: Any, name: str) -> Any:
    return page.locator(f'[data-testid="tile-{name}"] .value')


async def test_a_manager_sees_the_stores_voice_and_an_admin_compares_stores(
    browser: Any, staff_server: StaffServer
) -> None:
    await surveyed(staff_server, [
        ("cust-alan", "UTR-CENTRUM", 5), ("cust-barbara", "UTR-CENTRUM", 2),
        ("cust-grace", "AMS-ZUID", 4),
    ])  # fmt: skip
    manager = manager_of(staff_server, "UTR-CENTRUM")
    async with signed_in(browser, staff_server.base, manager, "/staff/dashboard") as dashboard:
        page = dashboard.page
        panel = page.locator('[data-testid="feedback"]')
        await expect(panel).to_have_attribute("data-state", "ready", timeout=SHOWN_WITHIN_MS)
        await expect(tile(page, "csat")).to_have_text("50 %")  # one of two answered 4 or 5
        await expect(tile(page, "response-rate")).to_have_text("100 %")
        await expect(tile(page, "nps")).to_have_text("\u2013")  # nobody was asked NPS
        on_time = page.locator('#csat-by-wait tr[data-bucket="ready_by_promise"] td')
        await expect(on_time).to_have_text(["Ready by the promise", "2", "50 %"])
        await expect(page.locator("#feedback-comparison-panel")).to_be_hidden()
        await dashboard.screenshot("dashboard-feedback-store")
        assert dashboard.errors == []

    admin = staff_server.shop.token(Role.ADMIN, "root")
    async with signed_in(browser, staff_server.base, admin, "/staff/dashboard") as dashboard:
        page = dashboard.page
        rows = page.locator("#feedback-comparison tbody tr")
        await expect(rows).to_have_count(3, timeout=SHOWN_WITHIN_MS)
        csat = {"UTR-CENTRUM": "50 %", "AMS-ZUID": "100 %", "AMS-CENTRAAL": "\u2013"}
        for store, shown in csat.items():
            cells = page.locator(f'#feedback-comparison tr[data-store="{store}"] td')
            await expect(cells.nth(1)).to_have_text(shown)
        await expect(tile(page, "csat")).to_have_text("67 %")  # two of the three
        assert dashboard.errors == []

    picker = staff_server.shop.token(Role.STAFF, "staff-bo", "UTR-CENTRUM")
    async with signed_in(browser, staff_server.base, picker, "/staff/dashboard") as dashboard:
        page = dashboard.page
        await expect(page.locator("body")).to_have_attribute("data-state", "ready")
        await expect(page.locator('[data-testid="feedback"]')).to_be_hidden()
        assert dashboard.errors == []


async def test_a_customer_answers_on_the_survey_page_without_signing_in(
    browser: Any, staff_server: StaffServer
) -> None:
    [link] = await surveyed(staff_server, [("cust-edsger", "AMS-CENTRAAL", None)])
    context = await browser.new_context()
    try:
        page = await context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await page.goto(f"{staff_server.base}/survey#{link}")
        await expect(page.locator("h2")).to_have_text(
            "How satisfied were you with collecting your order at Amsterdam Centraal?"
        )
        await page.locator('input[name="score"][value="4"]').check()
        await page.fill("textarea[name=comment]", "The shelf was easy to find")
        await page.click("button[type=submit]")
        await expect(page.locator(".outcome")).to_have_text("Thank you: your answer is recorded.")
        await page.reload()
        await expect(page.locator(".outcome")).to_have_attribute("data-state", "answered")
        assert errors == []
    finally:
        await context.close()
    edsger = staff_server.shop.token(Role.CUSTOMER, "cust-edsger")
    mine = await staff_server.shop.data(
        "query { me { feedback { nodes { score comment } } } }", edsger
    )
    assert mine["me"]["feedback"]["nodes"] == [
        {"score": 4, "comment": "The shelf was easy to find"}
    ]
