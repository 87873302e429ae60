"""`omni notify run`, a process of its own, on the three-node cluster: the node leading its
durable consumer is killed with SIGKILL between two waves of ready pickups, and comes back
during a third. Every ready pickup is mailed exactly once."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import nats
import pytest
from aiosmtpd.controller import Controller

from adapters.clock import ManualClock
from adapters.nats.cluster import ClusterNode, NatsCluster
from adapters.nats.jetstream import server_urls
from adapters.nats.server import free_port
from adapters.outbox.notifier import DURABLE
from adapters.outbox.relay import OutboxRelay, RelayConfig
from adapters.postgres.customers import upsert_customers
from adapters.postgres.database import Database
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.service import CommerceService
from tests.outbox.test_notifier import CUSTOMERS, Inbox
from tests.outbox.test_relay import shop_service
from tests.shop import OPENING, STAFF, as_uuid, ctx

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WAVE = 4  # pickups made ready at a time
CODE = re.compile(r"this code at the pickup counter: (\w+)")


@pytest.fixture
def mailbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


async def start_notifier(
    database: Database, url: str, config: RelayConfig, smtp_port: int
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DATABASE_URL": database.dsn,
        "OMNI_DATABASE_SCHEMA": database.schema or "",
        "NATS_URL": url,
        "OMNI_OUTBOX_STREAM": config.stream,
        "OMNI_OUTBOX_SUBJECT_PREFIX": config.subject_prefix,
        "OMNI_OUTBOX_REPLICAS": str(config.replicas),
        "OMNI_SMTP_HOST": "127.0.0.1",
        "OMNI_SMTP_PORT": str(smtp_port),
    }
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "api.cli", "notify", "run"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def ready_wave(service: CommerceService, shelf: str) -> list[str]:
    """WAVE pickups for Ada made ready (never collected); their pickup codes."""
    codes = []
    for n in range(WAVE):
        cart = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
        await service.add_to_cart(cart, "RETRO-CLOCK", 1, ctx())
        pickup = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
        placed = (await service.checkout(cart, pickup, ctx(), payment_token="tok")).result
        await service.start_picking(as_uuid(placed.pickup_id), "staff-bo", STAFF)
        ready = await service.mark_ready(as_uuid(placed.pickup_id), f"{shelf}{n}", STAFF)
        codes.append(ready.result.pickup_code or "")
    return codes


async def mailed(inbox: Inbox, count: int, timeout: float = 40) -> Counter[str]:
    """Until `count` mails arrived (or the timeout); the pickup codes mailed, counted."""
    deadline = time.monotonic() + timeout
    while len(inbox.messages) < count and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    bodies = (m.get_payload(decode=True).decode() for m in inbox.messages)
    return Counter(match.group(1) for body in bodies if (match := CODE.search(body)))


async def consumer_leader(cluster: NatsCluster, stream: str) -> ClusterNode:
    connection = await nats.connect(server_urls(cluster.url))
    try:
        info = await connection.jetstream().consumer_info(stream, DURABLE)
    finally:
        await connection.close()
    assert info.cluster is not None and info.cluster.leader
    return cluster.node(info.cluster.leader)


@pytest.mark.slow
async def test_through_a_consumer_leader_killed_each_ready_pickup_is_mailed_exactly_once(
    database: Database,
    nats_cluster: NatsCluster,
    outbox: RelayConfig,
    mailbox: tuple[Inbox, int],
) -> None:
    inbox, smtp_port = mailbox
    url, config = nats_cluster.url, replace(outbox, replicas=3)
    async with database.pool.acquire() as connection:
        await upsert_customers(connection, CUSTOMERS)
    service = await shop_service(database, ManualClock(OPENING))
    await service.receive_stock("AMS-CENTRAAL", "RETRO-CLOCK", 100, "delivery", STAFF)
    relay = OutboxRelay(database.store, url, config, database.dsn, database.schema)
    relay.start()
    notifier = await start_notifier(database, url, config, smtp_port)
    try:
        assert notifier.stdout is not None
        assert b"notifier running" in await asyncio.wait_for(notifier.stdout.readline(), 30)
        codes = await ready_wave(service, "A")
        assert sum((await mailed(inbox, WAVE)).values()) == WAVE
        leader = await consumer_leader(nats_cluster, config.stream)
        leader.kill()
        codes += await ready_wave(service, "B")  # while the consumer elects a new leader
        assert sum((await mailed(inbox, 2 * WAVE)).values()) == 2 * WAVE
        assert (await consumer_leader(nats_cluster, config.stream)) is not leader
        nats_cluster.restart(leader)
        codes += await ready_wave(service, "C")
        sent = await mailed(inbox, 3 * WAVE)
        await asyncio.sleep(1)  # time enough for a repeat to show
    finally:
        if notifier.returncode is None:
            notifier.send_signal(signal.SIGTERM)
        stopped = await asyncio.wait_for(notifier.wait(), 20)
        await relay.stop()

    assert stopped == 0
    assert sent == Counter(codes) and len(set(codes)) == 3 * WAVE  # each once, none twice
    assert len(inbox.messages) == 3 * WAVE
    recorded = await database.pool.fetchval(
        "SELECT count(*) FROM outbox_notifications WHERE outcome = 'sent'"
    )
    assert recorded == 3 * WAVE
