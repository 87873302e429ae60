"""The app reading from a real streaming replica (the session's `replicated` cluster: a
primary and a standby made by pg_basebackup), and what the tests do to that replica: hold its
replay, wait for it to catch up."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest

from adapters.settings import Settings
from bench.harness.postgres_cluster import caught_up
from bench.harness.server_process import running_server
from tests.api.conftest import Api, app_under_test
from tests.private_cluster import PrivateCluster, Standby

START = 'mutation { startCart(deviceId: "phone") { cartId cartToken position } }'
ADD = """mutation($cart: UUID!, $sku: String!) {
  addToCart(cartId: $cart, sku: $sku) { position userErrors { code } } }"""
CART = """query($id: UUID!, $after: String) { cart(id: $id, consistentWith: $after) {
  lines { sku quantity } } }"""


@asynccontextmanager
async def app_on_replica(
    settings: Settings, replicated: tuple[PrivateCluster, Standby], **overrides: Any
) -> AsyncIterator[Api]:
    """The app in this process: writes on the primary, queries on the standby."""
    primary, standby = replicated
    on_replica = msgspec.structs.replace(
        settings, database_url=primary.dsn, read_database_url=standby.dsn, **overrides
    )
    async with app_under_test(on_replica) as api:
        await caught_up(primary, standby)  # the test's schema is on the replica too
        yield api


@asynccontextmanager
async def server_on_replica(
    settings: Settings, replicated: tuple[PrivateCluster, Standby], **overrides: str
) -> AsyncIterator[httpx.AsyncClient]:
    """A real API process (uvicorn, as deployed), writing on the primary and reading from the
    standby, in a schema of its own; a client of it. `overrides` are OMNI_* settings."""
    primary, standby = replicated
    on_primary = msgspec.structs.replace(settings, database_url=primary.dsn)
    env = {
        "DATABASE_URL": primary.dsn,
        "OMNI_READ_DATABASE_URL": standby.dsn,
        "OMNI_SEED_DEMO": "true",
        "OMNI_RUN_SCHEDULER": "false",
        "OMNI_POLL_INTERVAL": "0.2",
        **overrides,
    }
    async with (
        running_server(on_primary, os.environ, **env) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        await caught_up(primary, standby)
        yield client


async def post(
    client: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any
) -> tuple[int, dict[str, Any]]:
    """One GraphQL request over HTTP: its status and body, errors included."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    return response.status_code, response.json()


async def data(
    client: httpx.AsyncClient, query: str, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    status, body = await post(client, query, token, **variables)
    assert status == 200 and "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


@pytest.fixture
async def replica_api(
    settings: Settings, replicated: tuple[PrivateCluster, Standby]
) -> AsyncIterator[Api]:
    async with app_on_replica(settings, replicated, consistency_wait=1.0) as api:
        yield api


@asynccontextmanager
async def replay_paused(standby: Standby) -> AsyncIterator[None]:
    """The standby receives WAL but applies none of it until the block ends: a replica
    that has fallen behind, on demand."""
    replica = await asyncpg.connect(standby.dsn)
    try:
        await replica.execute("SELECT pg_wal_replay_pause()")
        while await replica.fetchval("SELECT pg_get_wal_replay_pause_state()") != "paused":
            await asyncio.sleep(0.01)
        yield
    finally:
        await replica.execute("SELECT pg_wal_replay_resume()")
        await replica.close()


async def guest_cart(api: Api) -> tuple[str, str, str]:
    """A new guest cart: its id, token and position."""
    started = (await api.data(START))["startCart"]
    return started["cartId"], started["cartToken"], started["position"]


async def add_line(api: Api, cart: str, token: str, sku: str) -> str:
    """One unit of `sku` added: the write's position."""
    added = (await api.data(ADD, token, cart=cart, sku=sku))["addToCart"]
    assert added["userErrors"] == []
    return added["position"]  # type: ignore[no-any-return]
