"""A subscription during a database outage (a private cluster, stopped and started again) is
told what a POST is told: UNAVAILABLE, retryable, with the connection's request id; never
`internal error`. Once the database is back, the same subscription answers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from adapters.settings import Settings
from api.auth import Principal, Role, TokenService
from api.server.app import create_app
from tests.api.test_one_error_pipeline import QUERY_BOARD, STORE, SUBSCRIBE_BOARD, websocket
from tests.private_cluster import PrivateCluster

pytestmark = pytest.mark.slow


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


async def until_ready(client: AsyncTestClient) -> None:
    deadline = time.monotonic() + 20
    while (await client.get("/health/ready")).status_code != 200:
        assert time.monotonic() < deadline, "the app did not become ready"
        await asyncio.sleep(0.1)


async def test_a_subscription_during_an_outage_is_told_unavailable_as_post_is(
    private_cluster: PrivateCluster, client: AsyncTestClient, settings: Settings
) -> None:
    staff = TokenService(settings.secret_key).mint(
        Principal(role=Role.STAFF, subject="staff-ams", stores=(STORE,))
    )
    await until_ready(client)
    await asyncio.to_thread(private_cluster.stop)
    try:
        with await websocket(client, staff) as socket:
            message = socket.first_answer(SUBSCRIBE_BOARD, store=STORE)
        post = await client.post(
            "/graphql",
            json={"query": QUERY_BOARD, "variables": {"store": STORE}},
            headers={"authorization": f"Bearer {staff}"},
        )
    finally:
        await asyncio.to_thread(private_cluster.resume)

    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    [error] = errors
    [posted] = post.json()["errors"]
    assert post.status_code == 503
    assert error["message"] == posted["message"] != "internal error"
    assert error["extensions"]["code"] == posted["extensions"]["code"] == "UNAVAILABLE"
    assert error["extensions"]["retryable"] is posted["extensions"]["retryable"] is True
    assert len(error["extensions"]["requestId"]) == 16
    assert posted["extensions"]["requestId"] == post.headers["x-request-id"]

    await until_ready(client)
    with await websocket(client, staff) as socket:
        back = socket.first_answer(SUBSCRIBE_BOARD, store=STORE)
    assert back["type"] == "next" and "errors" not in back["payload"], back
    assert back["payload"]["data"]["pickupBoard"] == {"toPick": []}
