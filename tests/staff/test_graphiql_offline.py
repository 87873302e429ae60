"""GraphiQL (GET /graphql) comes entirely from files the service ships (issue 14: it must work
on a machine with no internet and a store's locked-down network): in Chromium with every
request to anywhere but this server refused, it renders, loads the schema and runs a query."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import expect

from bench.harness import staff_documents as documents
from bench.harness.browser import StaffPage
from tests.staff.conftest import StaffServer

SHOWN_WITHIN_MS = 15_000
THIS_MACHINE = {"127.0.0.1", "localhost"}
# GraphiQL's editor is CodeMirror 5, which keeps its instance on its element.
TYPE_QUERY = (
    "(query) => document.querySelector('.graphiql-query-editor .CodeMirror')"
    ".CodeMirror.setValue(query)"
)


async def test_graphiql_renders_and_runs_a_query_with_the_internet_cut_off(
    browser: Any, staff_server: StaffServer
) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    refused: list[str] = []

    async def only_this_machine(route: Any) -> None:
        if urlsplit(route.request.url).hostname in THIS_MACHINE:
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    await context.route("**/*", only_this_machine)
    try:
        graphiql = StaffPage(await context.new_page())
        page = graphiql.page
        await page.goto(f"{staff_server.base}/graphql")
        await expect(page.locator(".graphiql-container")).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()
        await page.evaluate(TYPE_QUERY, documents.GRAPHIQL_QUERY)
        await page.locator(".graphiql-execute-button").click()

        response = page.locator(".graphiql-response")
        await expect(response).to_contain_text('"sku": "LAVA-LAMP"', timeout=SHOWN_WITHIN_MS)
        await expect(response).to_contain_text('"name": "Lava lamp"')
        await page.get_by_label("Show Documentation Explorer").click()
        explorer = page.locator(".graphiql-doc-explorer")
        await expect(explorer).to_contain_text("subscription: Subscription")  # the schema loaded
        await graphiql.screenshot("graphiql-offline")
        assert refused == []  # it never even asked for anything elsewhere
        assert graphiql.errors == []
    finally:
        await context.close()
