"""/health names a transaction that has been open too long (it holds every follower of the
global order back), and is healthy again once that transaction ends."""

from __future__ import annotations

import asyncio
import time

from adapters.postgres.database import LONG_TRANSACTION_SECONDS
from adapters.postgres.pool import connect
from tests.api.conftest import Api

# Instead of waiting the real 5 s: the threshold is lowered on the app's database.
SHORT_THRESHOLD = 0.3


async def health(api: Api) -> dict:
    response = await api.client.get("/health")
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def degraded_within(api: Api, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while (report := await health(api))["status"] != "degraded" and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return report


async def test_health_names_a_long_open_transaction_until_it_ends(api: Api) -> None:
    database = api.services.database
    assert database.long_transaction_seconds == LONG_TRANSACTION_SECONDS == 5.0
    assert (await health(api))["status"] == "ok"

    holder = await connect(database.dsn)
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.fetchval("SELECT pg_current_xact_id()")  # holds a transaction id
        young = await health(api)
        assert young["status"] == "ok"  # open well under 5 s: not named yet
        assert "held_back_by" not in young["event_store"]

        database.long_transaction_seconds = SHORT_THRESHOLD
        report = await degraded_within(api, 5.0)
        assert report["status"] == "degraded", report
        held_back_by = report["event_store"]["held_back_by"]
        assert held_back_by["pid"] == holder.get_server_pid()
        assert held_back_by["state"] == "idle in transaction"
        assert "pg_current_xact_id" in held_back_by["query"]
        assert held_back_by["open_seconds"] >= SHORT_THRESHOLD - 0.05

        await transaction.rollback()
        after = await health(api)
        assert after["status"] == "ok", after
        assert "held_back_by" not in after["event_store"]
    finally:
        await holder.close()
