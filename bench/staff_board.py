"""staff-board: how long after a mutation's response the card moves on an open /staff page.

200 moves (start picking, mark ready, collect) against a real server, one at a time. The page
records when each card lands in its new column (a MutationObserver, wall clock in the page);
a graphql-transport-ws client subscribed to the same board with the same fields records when
the subscription's message arrives: the baseline, measured in the same run. Both are counted
from the moment the mutation's HTTP response reached this process (same machine, same clock).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from typing import Any

import websockets

from adapters.settings import Settings
from api.auth import Role
from bench.common import Rate
from bench.harness import staff_documents as documents
from bench.harness.browser import CHROMIUM_FLAGS, chromium_executable, signed_in
from bench.harness.server_process import running_server
from bench.harness.staff_shop import Shop

SECRET = "bench-secret-for-the-staff-board-benchmark"
STORE = "AMS-CENTRAAL"
MOVES = 200
TARGET_MS = 1000.0  # the "within 1 s"
COLUMNS = ("toPick", "picking", "ready", "collectedToday", "notCollected")

OBSERVE = """() => {
  window.__landed = new Map();
  const observer = new MutationObserver((changes) => {
    const at = performance.timeOrigin + performance.now();
    for (const change of changes) for (const node of change.addedNodes) {
      if (node.dataset && node.dataset.id) {
        const column = node.closest("[data-column]").dataset.column;
        window.__landed.set(`${node.dataset.id}/${column}`, at);
      }
    }
  });
  observer.observe(document.querySelector(".board"), {childList: true, subtree: true});
}"""
LANDED = "(key) => window.__landed.get(key) ?? null"


class BoardFollower:
    """The baseline: a bare subscription client noting when each card reached each column."""

    def __init__(self, base: str, token: str) -> None:
        self.url, self.token = base.replace("http", "ws") + "/graphql", token
        self.arrived: dict[str, float] = {}
        self.where: dict[str, str] = {}

    async def run(self) -> None:
        async with websockets.connect(self.url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"Authorization": f"Bearer {self.token}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            await ws.recv()
            payload = {"query": documents.BOARD_SUBSCRIPTION, "variables": {"store": STORE}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            async for raw in ws:
                at = time.time() * 1000
                board = json.loads(raw)["payload"]["data"]["pickupBoard"]
                for column in COLUMNS:
                    for card in board[column]:
                        if self.where.get(card["id"]) != column:
                            self.where[card["id"]] = column
                            self.arrived[f"{card['id']}/{column}"] = at


async def _until(found: Callable[[], Any]) -> Any:
    for _ in range(2000):
        value = await found()
        if value is not None:
            return value
        await asyncio.sleep(0.005)
    raise TimeoutError("the move never showed")


async def _orders(shop: Shop, staff: str, count: int) -> list[tuple[str, str]]:
    await shop.act(documents.RECEIVE_STOCK, staff, store=STORE, sku="RETRO-CLOCK", quantity=count)
    return [await shop.order_for_pickup("cust-ada", STORE) for _ in range(count)]


async def _moves(shop: Shop, staff: str, order_id: str, pickup_id: str) -> Any:
    """The three moves of one pickup: (mutation, variables, column it lands in)."""
    yield documents.START_PICKING, {"id": pickup_id}, "picking"
    yield documents.MARK_READY, {"id": pickup_id, "shelf": "B1"}, "ready"
    code = (await shop.pickup_of("cust-ada", order_id, "READY"))["pickupCode"]
    yield documents.COLLECT, {"id": pickup_id, "code": code}, "collectedToday"


async def _measure(shop: Shop, browser: Any, staff: str) -> tuple[Rate, Rate]:
    orders = await _orders(shop, staff, (MOVES + 2) // 3)
    page_rate, socket_rate = Rate(0, 0.0), Rate(0, 0.0)
    follower = BoardFollower(shop.base, staff)
    following = asyncio.create_task(follower.run())
    async with signed_in(browser, shop.base, staff) as board:
        await board.page.wait_for_selector('[data-status="live"]')
        await board.page.evaluate(OBSERVE)
        for order_id, pickup_id in orders:
            async for document, variables, column in _moves(shop, staff, order_id, pickup_id):
                if page_rate.operations == MOVES:
                    break
                assert (await shop.act(document, staff, **variables))["userErrors"] == []
                answered = time.time() * 1000
                key = f"{pickup_id}/{column}"
                shown = await _until(lambda key=key: board.page.evaluate(LANDED, key))
                heard = await _until(lambda key=key: _async(follower.arrived.get(key)))
                for rate, at in ((page_rate, shown), (socket_rate, heard)):
                    rate.operations += 1
                    rate.latencies.append((at - answered) / 1000)
    following.cancel()
    return page_rate, socket_rate


async def _async(value: Any) -> Any:
    return value


def _line(name: str, rate: Rate) -> str:
    return (
        f"staff-board {name:34} p50 {rate.percentile(0.5) * 1000:7.1f} ms"
        f"  p99 {rate.percentile(0.99) * 1000:7.1f} ms  ({rate.operations} moves)"
    )


async def run(settings: Settings, seconds: float) -> list[str]:
    chromium = chromium_executable()
    if chromium is None:
        return ["# staff-board: skipped, no Chromium (apt-get install chromium)"]
    from playwright.async_api import async_playwright

    overrides = {"OMNI_SECRET_KEY": SECRET, "OMNI_SEED_DEMO": "true", "OMNI_RUN_SCHEDULER": "false"}
    async with running_server(settings, os.environ, **overrides) as base, async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        shop = Shop(base, SECRET)
        staff = shop.token(Role.STAFF, "staff-bo", STORE)
        page_rate, socket_rate = await _measure(shop, browser, staff)
        await shop.close()
        await browser.close()
    p50 = page_rate.percentile(0.5) / max(socket_rate.percentile(0.5), 1e-6)
    p99 = page_rate.percentile(0.99) / max(socket_rate.percentile(0.99), 1e-6)
    return [
        _line("response -> card moved on the page", page_rate),
        _line("response -> subscription message", socket_rate),
        f"staff-board page / subscription: p50 {p50:.2f}x  p99 {p99:.2f}x;"
        f" page p99 against the 1 s goal: {page_rate.percentile(0.99) * 1000 / TARGET_MS:.2f}",
    ]
