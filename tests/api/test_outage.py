"""The app while its database is down (a private cluster, stopped and started again): alive,
not ready, /health "down"; the outage logged once however often it is probed; ready and
healthy again by itself once the database is back."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from api.server.app import create_app
from tests.private_cluster import PrivateCluster

pytestmark = pytest.mark.slow

PROBES_WHILE_DOWN = 5


@pytest.fixture
async def client(
    private_cluster: PrivateCluster, settings: Settings
) -> AsyncIterator[AsyncTestClient]:
    app_settings = msgspec.structs.replace(
        settings,
        database_url=private_cluster.dsn,
        database_schema="shop",
        seed_demo=True,
        run_scheduler=False,
        poll_interval=0.2,
    )
    async with AsyncTestClient(app=create_app(app_settings)) as client:
        yield client


async def answer(client: AsyncTestClient, path: str) -> tuple[int, Any]:
    response = await client.get(path)
    return response.status_code, response.json()


async def until_status(client: AsyncTestClient, path: str, status: str) -> tuple[int, Any]:
    deadline = time.monotonic() + 20
    while (found := await answer(client, path))[1]["status"] != status:
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    return found


async def test_while_the_database_is_down_the_app_is_alive_not_ready_and_says_so_once(
    private_cluster: PrivateCluster,
    client: AsyncTestClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = client.app.state.services.database.outage
    assert (await until_status(client, "/health", "ok"))[0] == 200
    assert (await answer(client, "/health/ready"))[0] == 200

    with caplog.at_level(logging.INFO, logger="adapters.postgres.outage"):
        await asyncio.to_thread(private_cluster.stop)
        for _ in range(PROBES_WHILE_DOWN):
            assert await answer(client, "/health/live") == (200, {"status": "alive"})
            code, ready = await answer(client, "/health/ready")
            assert (code, ready["status"], ready["database"]) == (503, "not_ready", "unreachable")
            code, health = await answer(client, "/health")
            assert (code, health["status"], health["database"]) == (503, "down", "unreachable")
        assert outage.ongoing
        down = [r for r in caplog.records if "database unavailable" in r.getMessage()]
        assert len(down) == 1 and down[0].levelno == logging.WARNING, down

        await asyncio.to_thread(private_cluster.resume)
        assert (await until_status(client, "/health/ready", "ready"))[0] == 200
        code, health = await until_status(client, "/health", "ok")
        assert code == 200, health
        deadline = time.monotonic() + 10
        while outage.ongoing and time.monotonic() < deadline:  # its probe runs every 0.5 s
            await asyncio.sleep(0.05)
    back = [r for r in caplog.records if "database available again" in r.getMessage()]
    assert len(back) == 1, caplog.records
    assert not outage.ongoing
