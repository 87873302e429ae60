"""A board left open while the server restarts reconnects by itself and shows the board as
it is after the restart, including what changed before it was back."""

from __future__ import annotations

import os
from contextlib import AsyncExitStack
from typing import Any
from uuid import uuid4

from playwright.async_api import expect

from adapters.settings import Settings
from api.auth import Role
from bench.harness import staff_documents as documents
from bench.harness.browser import signed_in
from bench.harness.server_process import drop_schema, free_port, running_server
from bench.harness.staff_shop import Shop
from tests.staff.conftest import SECRET, SERVER_SETTINGS

SHOWN_WITHIN_MS = 20_000


async def test_the_board_reconnects_after_a_server_restart_and_resyncs(
    browser: Any, settings: Settings
) -> None:
    schema, port = f"staff_{uuid4().hex[:10]}", free_port()
    same_place: dict[str, Any] = {"port": port, "schema": schema, **SERVER_SETTINGS}
    async with AsyncExitStack() as stack:
        stack.push_async_callback(drop_schema, settings, schema)
        first_run = running_server(settings, os.environ, **same_place)
        base = await first_run.__aenter__()
        shop = Shop(base, SECRET)
        associate = shop.token(Role.STAFF, "staff-bo", "AMS-CENTRAAL")
        _, first = await shop.order_for_pickup("cust-ada", "AMS-CENTRAAL")
        await shop.close()
        board = await stack.enter_async_context(signed_in(browser, base, associate))
        status = board.page.get_by_test_id("live-status")
        await expect(status).to_have_attribute("data-status", "live")
        await expect(board.card(first, "toPick")).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await board.page.evaluate("window.__sameDocument = true")

        await first_run.__aexit__(None, None, None)  # the server stops; the page stays open
        await expect(status).to_have_attribute("data-status", "offline", timeout=SHOWN_WITHIN_MS)

        again = await stack.enter_async_context(running_server(settings, os.environ, **same_place))
        assert again == base
        shop = Shop(again, SECRET)
        # Changed as soon as the server is back, whether the page has reconnected yet or
        # not: it must end up showing both.
        moved = await shop.act(documents.START_PICKING, associate, id=first)
        assert moved["userErrors"] == []
        _, second = await shop.order_for_pickup("cust-grace", "AMS-CENTRAAL")
        await shop.close()

        await expect(status).to_have_attribute("data-status", "live", timeout=SHOWN_WITHIN_MS)
        await expect(board.card(first, "picking")).to_be_visible(timeout=SHOWN_WITHIN_MS)
        await expect(board.card(second, "toPick")).to_be_visible(timeout=SHOWN_WITHIN_MS)
        assert await board.page.evaluate("window.__sameDocument === true")
        assert board.errors == []
