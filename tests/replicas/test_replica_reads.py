"""Queries on a streaming replica: they read the replica, a read with a position waits for
the replica to show it, a replica that cannot is answered as STALE_READ or by the primary as
the setting says, and /health and /health/ready tell how far behind it is."""

from __future__ import annotations

import asyncio

import asyncpg

from adapters.settings import Settings
from projections.tracking import commit_for_readers
from tests.api.conftest import Api
from tests.private_cluster import PrivateCluster, Standby
from tests.replicas.conftest import (
    CART,
    add_line,
    app_on_replica,
    caught_up,
    guest_cart,
    replay_paused,
)


async def test_a_query_reads_the_replica_and_waits_until_it_shows_the_clients_position(
    replica_api: Api, replicated: tuple[PrivateCluster, Standby]
) -> None:
    cart, token, started = await guest_cart(replica_api)
    assert (await replica_api.data(CART, token, id=cart, after=started))["cart"]["lines"] == []

    async with replay_paused(replicated[1]):
        written = await add_line(replica_api, cart, token, "LAVA-LAMP")
        unflagged = await replica_api.gql(CART, token, id=cart)
        flagged = await replica_api.gql(CART, token, id=cart, after=written)

    # Without a position the replica answers as it stands: the line is not there yet.
    assert unflagged == {"data": {"cart": {"lines": []}}}
    # With one it waited, and says the answer may be stale rather than pass it off as current.
    assert flagged["data"]["cart"]["lines"] == []
    [stale] = flagged["errors"]
    assert stale["extensions"]["code"] == "STALE_READ"
    assert stale["extensions"]["position"] == written
    # Replaying again, the same read shows the line, first time.
    shown = await replica_api.gql(CART, token, id=cart, after=written)
    assert shown == {"data": {"cart": {"lines": [{"sku": "LAVA-LAMP", "quantity": 1}]}}}


async def test_with_the_primary_as_fallback_a_replica_behind_never_answers_stale(
    settings: Settings, replicated: tuple[PrivateCluster, Standby]
) -> None:
    async with app_on_replica(
        settings, replicated, read_fallback="primary", replica_wait=0.2
    ) as api:
        cart, token, _ = await guest_cart(api)
        async with replay_paused(replicated[1]):
            written = await add_line(api, cart, token, "DESK-FAN")
            answer = await api.gql(CART, token, id=cart, after=written)

    assert answer == {"data": {"cart": {"lines": [{"sku": "DESK-FAN", "quantity": 1}]}}}


async def test_health_shows_the_replicas_lag_and_readiness_fails_when_it_is_too_far_behind(
    settings: Settings, replicated: tuple[PrivateCluster, Standby]
) -> None:
    primary, standby = replicated
    async with app_on_replica(settings, replicated, replica_max_lag=1.0) as api:
        [streaming] = (await api.client.get("/health")).json()["replicas"]
        assert streaming["state"] == "streaming" and streaming["lag_bytes"] == 0
        assert (await api.client.get("/health/ready")).status_code == 200
        metrics = (await api.client.get("/metrics")).text
        assert f'omni_replica_streaming{{replica="{streaming["replica"]}"}} 1.0' in metrics

        cart, token, _ = await guest_cart(api)
        async with replay_paused(standby):
            await add_line(api, cart, token, "LAVA-LAMP")
            await asyncio.sleep(2.5)  # past OMNI_REPLICA_MAX_LAG, as the probe sees it
            health = await api.client.get("/health")
            ready = await api.client.get("/health/ready")

        await caught_up(primary, standby)
        await asyncio.sleep(1.0)  # the probe's next look
        ready_again = await api.client.get("/health/ready")

    [behind] = health.json()["replicas"]
    assert health.status_code == 503 and health.json()["status"] == "degraded"
    assert behind["state"] == "behind"
    assert behind["lag_bytes"] > 0 and behind["lag_seconds"] >= 1.0
    assert ready.status_code == 503 and ready.json()["replicas"][0]["state"] == "behind"
    assert ready_again.status_code == 200


async def test_read_models_commit_to_disk_at_once_only_while_a_standby_streams(
    replicated: tuple[PrivateCluster, Standby], private_cluster: PrivateCluster
) -> None:
    """A standby receives only WAL that reached the disk: unflushed, a read model's commit
    would reach it with the WAL writer's next round (200 ms), and every read at a position
    would wait that long."""
    modes = []
    for server in (replicated[0], private_cluster):  # streamed from, and alone
        connection = await asyncpg.connect(server.dsn)
        try:
            async with connection.transaction():
                await commit_for_readers(connection)
                modes.append(await connection.fetchval("SHOW synchronous_commit"))
        finally:
            await connection.close()

    assert modes == ["local", "off"]
