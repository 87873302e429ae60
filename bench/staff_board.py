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

    def __init__(self, base: str, token: str, store: str = STORE) -> None:
        self.url, self.token = base.replace("http", "ws") + "/graphql", token
        self.store = store
        self.arrived: dict[str, float] = {}
        self.where: dict[str, str] = {}

    async def run(self) -> None:
        async with websockets.connect(self.url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"Authorization": f"Bearer {self.token}"}
            await ws.send(json.dumps({"type": "connection_init", "payload": init}))
            await ws.recv()
            variables = {"store": self.store, "first": documents.PAGE_HEAD}
            payload = {"query": documents.BOARD_SUBSCRIPTION, "variables": variables}
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


async def _orders(shop: Shop, staff: str, count: int, store: str) -> list[tuple[str, str]]:
    await shop.act(documents.RECEIVE_STOCK, staff, store=store, sku="RETRO-CLOCK", quantity=count)
    return [await shop.order_for_pickup("cust-ada", store) for _ in range(count)]


async def _moves(shop: Shop, staff: str, order_id: str, pickup_id: str) -> Any:
    """The three moves of one pickup: (mutation, variables, column it lands in)."""
    yield documents.START_PICKING, {"id": pickup_id}, "picking"
    yield documents.MARK_READY, {"id": pickup_id, "shelf": "B1"}, "ready"
    code = (await shop.pickup_of("cust-ada", order_id, "READY"))["pickupCode"]
    yield documents.COLLECT, {"id": pickup_id, "code": code}, "collectedToday"


async def _measure(
    shop: Shop, browser: Any, staff: str, moves: int = MOVES, store: str = STORE
) -> tuple[Rate, Rate]:
    orders = await _orders(shop, staff, (moves + 2) // 3, store)
    page_rate, socket_rate = Rate(0, 0.0), Rate(0, 0.0)
    follower = BoardFollower(shop.base, staff, store)
    following = asyncio.create_task(follower.run())
    async with signed_in(browser, shop.base, staff, f"/staff?store={store}") as board:
        await board.page.wait_for_selector('[data-status="live"]')
        await board.page.evaluate(OBSERVE)
        for order_id, pickup_id in orders:
            async for document, variables, column in _moves(shop, staff, order_id, pickup_id):
                if page_rate.operations == moves:
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
        volume = await at_volume(shop, browser)
        await shop.close()
        await browser.close()
    p50 = page_rate.percentile(0.5) / max(socket_rate.percentile(0.5), 1e-6)
    p99 = page_rate.percentile(0.99) / max(socket_rate.percentile(0.99), 1e-6)
    return [
        _line("response -> card moved on the page", page_rate),
        _line("response -> subscription message", socket_rate),
        f"staff-board page / subscription: p50 {p50:.2f}x  p99 {p99:.2f}x;"
        f" page p99 against the 1 s goal: {page_rate.percentile(0.99) * 1000 / TARGET_MS:.2f}",
        *volume,
    ]


# The board at volume (issue 21): its goals, and how the page is measured.
VOLUME_STORE = "UTR-CENTRUM"
OPEN_PICKUPS = 500
VOLUME_MOVES = 60  # 20 pickups, three moves each: all stay on each column's first page
PAINT_GOAL_MS, KEYSTROKE_GOAL_MS = 300.0, 50.0
PAINTS = 7
SHOPPERS = ("cust-ada", "cust-alan", "cust-barbara", "cust-edsger", "cust-grace")
PAINTED = """async (name) => {
  for (let i = 0; i < 1000 && !performance.getEntriesByName(name).length; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const mark = performance.getEntriesByName(name)[0];
  return mark ? mark.startTime : null;
}"""
FETCHED = """async ([store, first]) => {
  const token = sessionStorage.getItem("omni.staff.token");
  const { BOARD_QUERY } = await import("/staff/static/js/operations.js");
  const started = performance.now();
  const response = await fetch("/graphql", { method: "POST", headers: {
    "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: BOARD_QUERY, variables: { store, first } }) });
  await response.json();
  return performance.now() - started;
}"""
# Each input event's key time to the frame after it (its listeners have run by then).
TIMED_KEYS = """() => {
  window.__keys = [];
  document.addEventListener("input", (event) => {
    const at = event.timeStamp;
    requestAnimationFrame(() => setTimeout(() => window.__keys.push(performance.now() - at)));
  }, true);
}"""
QUERIES = ("grace", "retro", "RETRO-CLOCK", "ada", "lava", "barbara")


async def _open_pickups(shop: Shop, staff: str, count: int) -> None:
    """`count` open pickups at the volume store: five shoppers order at a time."""
    await shop.act(
        documents.RECEIVE_STOCK, staff, store=VOLUME_STORE, sku="RETRO-CLOCK", quantity=count + 50
    )
    for first in range(0, count, len(SHOPPERS)):
        shoppers = SHOPPERS[: min(len(SHOPPERS), count - first)]
        await asyncio.gather(*(shop.order_for_pickup(c, VOLUME_STORE) for c in shoppers))


async def _paints(board: Any) -> tuple[Rate, Rate, Rate, Rate]:
    """First paint (each column's first cards) and the whole board, each with its query
    fetched by the page itself as the baseline."""
    painted, fetched, whole, whole_fetched = (Rate(0, 0.0) for _ in range(4))
    for _ in range(PAINTS):
        await board.page.reload()
        at = await board.page.evaluate(PAINTED, "board-painted")
        complete = await board.page.evaluate(PAINTED, "board-complete")
        if at is None or complete is None:
            raise TimeoutError("the board never painted")
        await board.page.wait_for_selector('[data-status="live"]')
        took = await board.page.evaluate(FETCHED, [VOLUME_STORE, documents.PAGE_HEAD])
        took_whole = await board.page.evaluate(FETCHED, [VOLUME_STORE, None])
        samples = ((painted, at), (fetched, took), (whole, complete), (whole_fetched, took_whole))
        for rate, ms in samples:
            rate.operations += 1
            rate.latencies.append(ms / 1000)
    return painted, fetched, whole, whole_fetched


async def _keystrokes(board: Any, field: str) -> Rate:
    page = board.page
    await page.evaluate(TIMED_KEYS)
    rate = Rate(0, 0.0)
    for query in QUERIES:
        await page.get_by_test_id(field).fill("")
        await page.evaluate("() => { window.__keys = []; }")
        await page.get_by_test_id(field).press_sequentially(query, delay=60)
        await asyncio.sleep(0.2)
        for ms in await page.evaluate("() => window.__keys"):
            rate.operations += 1
            rate.latencies.append(ms / 1000)
    await page.get_by_test_id(field).fill("")
    return rate


def _against(name: str, rate: Rate, baseline: Rate, goal_ms: float | None, share: float) -> str:
    figure, base = rate.percentile(share) * 1000, baseline.percentile(share) * 1000
    goal = "no goal" if goal_ms is None else f"goal < {goal_ms:.0f} ms: "
    goal += "" if goal_ms is None else ("met" if figure < goal_ms else "MISSED")
    return (
        f"staff-board 500 open: {name:26} p{share * 100:.0f} {figure:7.1f} ms ({goal});"
        f" baseline {base:6.1f} ms,"
        f" {figure / max(base, 1e-6):.2f}x  ({rate.operations} samples)"
    )


async def at_volume(shop: Shop, browser: Any) -> list[str]:
    staff = shop.token(Role.STAFF, "staff-di", VOLUME_STORE)
    await _open_pickups(shop, staff, OPEN_PICKUPS)
    async with signed_in(browser, shop.base, staff, f"/staff?store={VOLUME_STORE}") as board:
        await board.page.wait_for_selector('[data-status="live"]')
        cards = await board.page.locator('[data-column="toPick"] h2 .count').inner_text()
        paint, fetch, whole, whole_fetch = await _paints(board)
        search = await _keystrokes(board, "search")
        plain = await _keystrokes(board, "scan")
    moved, heard = await _measure(shop, browser, staff, VOLUME_MOVES, VOLUME_STORE)
    return [
        f"staff-board 500 open: {cards} cards to pick at {VOLUME_STORE} (baselines: the page"
        " fetching the same board query itself; a keystroke into the scanner field; the"
        " subscription's message)",
        _against("first paint", paint, fetch, PAINT_GOAL_MS, 0.5),
        _against("whole board loaded", whole, whole_fetch, None, 0.5),
        _against("search keystroke -> cards", search, plain, KEYSTROKE_GOAL_MS, 0.5),
        _against("search keystroke -> cards", search, plain, KEYSTROKE_GOAL_MS, 0.99),
        _against("card move", moved, heard, TARGET_MS, 0.99),
    ]
