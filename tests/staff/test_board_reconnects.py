"""A board left open while the server restarts reconnects by itself and shows the board as
it is after the restart, including what changed while it was away."""

from __future__ import annotations

import os
from typing import Any
from uuid import uuid4

from playwright.async_api import expect

from adapters.settings import Settings
from api.auth import Role
from api.server_process import drop_schema, free_port, running_server
from tests.staff import documents
from tests.staff.browser import signed_in
from tests.staff.conftest import SECRET, SERVER_SETTINGS
from tests.staff.shop import Shop

SHOWN_WITHIN_MS = 20_000


async def test_the_board_reconnects_after_a_server_restart_and_resyncs(
    browser: Any, settings: Settings
) -> None:
    schema, port = f"staff_{uuid4().hex[:10]}", free_port()
    server = {"port": port, "schema": schema, **SERVER_SETTINGS}
    try:
        async with running_server(settings, os.environ, **server) as base:  # type: ignore[arg-type]
            shop = Shop(base, SECRET)
            associate = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
            _, first = await shop.order_for_pickup("cust-ada", "AMS-CENTRAAL")
            page_context = signed_in(browser, base, associate)
            board = await page_context.__aenter__()
            status = board.page.get_by_test_id("live-status")
            await expect(status).to_have_attribute("data-status", "live")
            await expect(board.card(first, "toPick")).to_be_visible(timeout=SHOWN_WITHIN_MS)
            await board.page.evaluate("window.__sameDocument = true")
            await shop.close()

        try:
            await expect(status).to_have_attribute(
                "data-status", "offline", timeout=SHOWN_WITHIN_MS
            )
            async with running_server(settings, os.environ, **server) as again:  # type: ignore[arg-type]
                assert again == base
                shop = Shop(again, SECRET)
                # Changed as soon as the server is back, whether the page has reconnected yet
                # or not: the page must end up showing it either way.
                moved = await shop.act(documents.START_PICKING, associate, id=first)
                assert moved["userErrors"] == []
                _, second = await shop.order_for_pickup("cust-grace", "AMS-CENTRAAL")

                await expect(status).to_have_attribute(
                    "data-status", "live", timeout=SHOWN_WITHIN_MS
                )
                await expect(board.card(first, "picking")).to_be_visible(timeout=SHOWN_WITHIN_MS)
                await expect(board.card(second, "toPick")).to_be_visible(timeout=SHOWN_WITHIN_MS)
                assert await board.page.evaluate("window.__sameDocument === true")
                assert board.errors == []
                await shop.close()
        finally:
            await page_context.__aexit__(None, None, None)
    finally:
        await drop_schema(settings, schema)
