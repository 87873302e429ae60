"""Two real API processes on one schema: A reads and writes the primary and runs the read
models; B runs none and reads from the streaming replica. A cart written through A is read
through B with `consistentWith` and shows the line at once, and B's subscription, woken by the
primary's notifications, pushes it from the replica."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import msgspec
import pytest

from adapters.settings import Settings
from api.auth import Principal, Role, TokenService
from bench.harness.cluster import subscribe
from bench.harness.server_process import drop_schema, running_server
from tests.private_cluster import PrivateCluster, Standby
from tests.replicas.conftest import ADD, CART, caught_up, data, post, replay_paused

SECRET = "replica-test-secret-of-at-least-thirty-two-bytes"
MY_CART = "subscription { myCart { id: cartId lines { sku quantity } } }"
PUSH_SECONDS = 15


@pytest.fixture
async def a_and_b(
    settings: Settings, replicated: tuple[PrivateCluster, Standby]
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    primary, standby = replicated
    on_primary = msgspec.structs.replace(settings, database_url=primary.dsn)
    schema = f"srv_{uuid4().hex[:10]}"
    common = {
        "DATABASE_URL": primary.dsn,
        "OMNI_SECRET_KEY": SECRET,
        "OMNI_RUN_SCHEDULER": "false",
        "OMNI_POLL_INTERVAL": "0.5",
    }
    b_only = {"OMNI_READ_DATABASE_URL": standby.dsn, "OMNI_RUN_PROJECTIONS": "false"}
    try:
        async with (
            running_server(on_primary, os.environ, schema=schema, **common) as a,
            running_server(on_primary, os.environ, schema=schema, **common, **b_only) as b,
            httpx.AsyncClient(base_url=a, timeout=30) as on_a,
            httpx.AsyncClient(base_url=b, timeout=30) as on_b,
        ):
            await caught_up(primary, standby)
            yield on_a, on_b
    finally:
        await drop_schema(on_primary, schema)


def customer_token(subject: str) -> str:
    principal = Principal(role=Role.CUSTOMER, subject=subject, expires_at=int(time.time() + 600))
    return TokenService(SECRET).mint(principal)


async def test_a_cart_written_through_a_is_read_through_b_on_the_replica_at_once(
    a_and_b: tuple[httpx.AsyncClient, httpx.AsyncClient],
    replicated: tuple[PrivateCluster, Standby],
) -> None:
    on_a, on_b = a_and_b
    ada = customer_token("cust-replica-ada")
    cart = (await data(on_a, "mutation { startCart { cartId } }", ada))["startCart"]["cartId"]
    pushed: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    watching = asyncio.create_task(subscribe(str(on_b.base_url), ada, MY_CART, pushed))
    try:
        await asyncio.wait_for(pushed.get(), PUSH_SECONDS)  # the cart as it is now
        added = (await data(on_a, ADD, ada, cart=cart, sku="HEADPHONES"))["addToCart"]
        read = await post(on_b, CART, ada, id=cart, after=added["position"])
        push = await until_lines(pushed)
    finally:
        watching.cancel()

    line = [{"sku": "HEADPHONES", "quantity": 1}]
    assert read == (200, {"data": {"cart": {"lines": line}}})  # the first read, no retry
    assert push == {"id": cart, "lines": line}
    # And B reads the replica: with its replay held, B cannot show a new line, while A can.
    async with replay_paused(replicated[1]):
        again = (await data(on_a, ADD, ada, cart=cart, sku="HEADPHONES"))["addToCart"]
        on_primary = await post(on_a, CART, ada, id=cart, after=again["position"])
        on_replica = await post(on_b, CART, ada, id=cart, after=again["position"])
    assert on_primary[1]["data"]["cart"]["lines"] == [{"sku": "HEADPHONES", "quantity": 2}]
    assert on_replica[1]["data"]["cart"]["lines"] == line
    assert on_replica[1]["errors"][0]["extensions"]["code"] == "STALE_READ"


async def until_lines(pushed: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    while True:
        cart = (await asyncio.wait_for(pushed.get(), PUSH_SECONDS))["myCart"]
        if cart and cart["lines"]:
            return cart  # type: ignore[no-any-return]
