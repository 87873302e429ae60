"""The outbox on a three-node JetStream cluster with a replicated stream (R3): the relay, given
every node's URL, rides through its stream leader killed with SIGKILL, then a second node
killed (the stream loses its quorum), and both brought back. Read afterwards, the stream holds
every message owed once, in order per aggregate."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import replace

import pytest

from adapters.clock import ManualClock
from adapters.nats.cluster import NatsCluster
from adapters.nats.jetstream import JetStreamPublisher
from adapters.outbox.relay import OutboxRelay, RelayConfig
from adapters.outbox.storage import outbox_status
from adapters.postgres.database import Database
from tests.outbox.consume import Received, read_all, stored_count
from tests.outbox.test_relay import shop_service, until_caught_up
from tests.outbox.workload import Owed, shop_until, stock_the_pickup_shelf
from tests.shop import OPENING

REPLICAS = 3


async def stored_beyond(url: str, config: RelayConfig, count: int, timeout: float = 30) -> int:
    """Until the stream holds more than `count` messages; what it holds. Leaderless moments
    (an election) answer nothing, and are waited out like the rest."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            stored = await stored_count(url, config)
        except Exception:  # noqa: BLE001 - no leader this moment
            stored = -1
        if stored > count:
            return stored
        assert time.monotonic() < deadline, f"the stream stayed at {count} messages"
        await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_through_a_killed_leader_and_a_lost_quorum_every_message_arrives_once_in_order(
    database: Database, nats_cluster: NatsCluster, outbox: RelayConfig
) -> None:
    url, config = nats_cluster.url, replace(outbox, replicas=REPLICAS)
    clock = ManualClock(OPENING)
    service = await shop_service(database, clock)
    await stock_the_pickup_shelf(service)
    relay = OutboxRelay(database.store, url, config, database.dsn, database.schema)
    owed, stop = Owed(), asyncio.Event()
    relay.start()
    writing = asyncio.create_task(shop_until(service, stop, owed))
    try:
        before = await stored_beyond(url, config, 40)
        first = await nats_cluster.stream_leader(config.stream)
        first.kill()  # kill -9 the stream's leader
        second = await nats_cluster.stream_leader(config.stream)  # a new one, elected
        assert second is not first
        await stored_beyond(url, config, before + 40)  # the relay found it by itself
        second.kill()  # a second node: one of three left, no quorum, nothing is stored
        await asyncio.sleep(2)
        nats_cluster.restart(first)
        nats_cluster.restart(second)
        await nats_cluster.ready()
        await asyncio.sleep(1)  # writes go on a moment with every node back
        stop.set()
        await writing
        await until_caught_up(database, relay, timeout=45)
        status = await outbox_status(database.pool, config.name)
    finally:
        stop.set()
        await asyncio.gather(writing, return_exceptions=True)
        await relay.stop()

    received = await read_all(url, config)
    assert_once_in_order(received, owed)
    assert status.published == owed.total  # the checkpoint counted each batch once


def assert_once_in_order(received: list[Received], owed: Owed) -> None:
    ids = [r.msg_id for r in received]
    assert len(set(ids)) == len(ids), "a message was stored twice"
    assert ids == [r.envelope["id"] for r in received]
    versions: dict[str, list[int]] = defaultdict(list)
    for r in received:
        versions[r.envelope["aggregateId"]].append(r.envelope["aggregateVersion"])
    arrived = {aggregate: len(numbers) for aggregate, numbers in versions.items()}
    assert arrived == dict(owed.per_aggregate), "a message was lost (or one came from nowhere)"
    for aggregate, numbers in versions.items():
        assert numbers == sorted(numbers), f"{aggregate} out of order: {numbers}"


async def test_a_stream_made_with_one_copy_is_moved_to_three_when_the_setting_says_so(
    nats_cluster: NatsCluster, outbox: RelayConfig
) -> None:
    url = nats_cluster.url
    single = await JetStreamPublisher.connect(url, outbox.stream_spec)  # replicas=1: R1
    await single.close()

    moved = await JetStreamPublisher.connect(url, replace(outbox, replicas=REPLICAS).stream_spec)
    try:
        assert (await moved.js.stream_info(outbox.stream)).config.num_replicas == REPLICAS
        deadline = time.monotonic() + 20
        while len(await current_peers(moved, outbox.stream)) < REPLICAS:  # copies catch up
            assert time.monotonic() < deadline, await current_peers(moved, outbox.stream)
            await asyncio.sleep(0.2)
    finally:
        await moved.close()


async def current_peers(publisher: JetStreamPublisher, stream: str) -> set[str]:
    """The leader and every replica that is current."""
    cluster = (await publisher.js.stream_info(stream)).cluster
    if cluster is None or cluster.leader is None:
        return set()
    return {cluster.leader} | {peer.name for peer in cluster.replicas or [] if peer.current}
