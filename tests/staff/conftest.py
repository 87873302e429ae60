"""Fixtures for the staff pages: the system Chromium (skipped with one line where there is
none, a failure where OMNI_REQUIRE_BROWSER=1 as in CI) and a real server per module."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import pytest
import pytest_asyncio

from adapters.postgres.database import server_for
from adapters.postgres.pool import connect
from adapters.settings import Settings
from bench.harness.browser import CHROMIUM_FLAGS, HOW_TO_ENABLE, chromium_executable
from bench.harness.server_process import drop_schema, free_port, running_server
from bench.harness.staff_shop import Shop
from tests.plan_shadow import SHADOWED_APP, read_log

SECRET = "staff-pages-secret-for-the-browser-tests"
SET_ASIDE = pytest.StashKey[int]()
SERVER_SETTINGS = {
    "OMNI_SECRET_KEY": SECRET,
    "OMNI_POLL_INTERVAL": "0.2",
    "OMNI_SEED_DEMO": "true",
    "OMNI_RUN_SCHEDULER": "false",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium (and unless CI requires it) the browser tests are set aside and the
    run says so in one line at the end, instead of one skip line per test."""
    if chromium_executable() is not None or os.environ.get("OMNI_REQUIRE_BROWSER") == "1":
        return
    needing = [item for item in items if "chromium" in getattr(item, "fixturenames", ())]
    if needing:
        config.hook.pytest_deselected(items=needing)
        items[:] = [item for item in items if item not in needing]
        config.stash[SET_ASIDE] = len(needing)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if config.stash.get(SET_ASIDE, 0):
        terminalreporter.write_line(f"{config.stash[SET_ASIDE]} {HOW_TO_ENABLE}", yellow=True)


@pytest.fixture(scope="session")
def chromium() -> str:
    found = chromium_executable()
    if found is None:
        if os.environ.get("OMNI_REQUIRE_BROWSER") == "1":
            pytest.fail(HOW_TO_ENABLE.replace("skipped", "required"), pytrace=False)
        pytest.skip(HOW_TO_ENABLE)
    return found


@pytest_asyncio.fixture(scope="session")
async def browser(chromium: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        await launched.close()


@dataclass
class StaffServer:
    """A running server, where it keeps its data, and a shop talking to it."""

    base: str
    schema: str
    port: int
    shop: Shop
    settings: Settings

    async def database(self) -> Any:
        """A connection into the server's own schema (to load reference data as an import would)."""
        dsn, _ = server_for(self.settings)
        return await connect(dsn, schema=self.schema)


@pytest_asyncio.fixture(scope="module")
async def staff_server(
    settings: Settings, chromium: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[StaffServer]:
    """The server compares every operation the pages send through a plan with graphql-core's
    answer (tests/plan_shadow.py); the module fails if any differed."""
    schema, port = f"staff_{uuid4().hex[:10]}", free_port()
    shadow_log = str(tmp_path_factory.mktemp("shadow") / "plans-against-graphql-core.jsonl")
    try:
        async with running_server(
            settings,
            os.environ,
            port=port,
            schema=schema,
            factory=SHADOWED_APP,
            OMNI_TEST_SHADOW_LOG=shadow_log,
            **SERVER_SETTINGS,
        ) as base:
            shop = Shop(base, SECRET)
            yield StaffServer(base, schema, port, shop, settings)
            await shop.close()
    finally:
        await drop_schema(settings, schema)
    problems = read_log(shadow_log).problems()
    assert problems == [], "\n\n".join(problems)
