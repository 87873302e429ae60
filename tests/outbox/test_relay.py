"""The relay against PostgreSQL and a real NATS JetStream: what it publishes, and that its
checkpoint moves only after the broker acknowledged."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator

import nats
import pytest
from nats.js.api import DiscardPolicy, StreamConfig

from adapters.clock import ManualClock
from adapters.outbox.relay import OutboxRelay, RelayConfig
from adapters.outbox.storage import load_checkpoint, outbox_status
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.catalog import PostgresCatalog, upsert_catalog
from adapters.postgres.database import Database
from domain.service import CommerceService
from tests.outbox.consume import read_all, wait_for_stored
from tests.outbox.journey import shop_day
from tests.shop import LOCATIONS, OPENING, PRODUCTS

DAY_TYPES = [
    "order.placed",
    "stock.low",
    "pickup.ready",
    "pickup.collected",
    "return.received",
    "return.refunded",
    "sale.recorded",
    "stock.out",
]


async def shop_service(database: Database, clock: ManualClock) -> CommerceService:
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, PRODUCTS, LOCATIONS)
    codes = (f"CODE{n:02d}" for n in itertools.count(1))
    return CommerceService(
        store=database.store,
        catalog=PostgresCatalog(database.pool),
        payments=SimulatedPaymentGateway(),
        clock=clock,
        new_code=lambda: next(codes),
    )


@pytest.fixture
async def running_relay(
    database: Database, nats_url: str, outbox: RelayConfig
) -> AsyncIterator[OutboxRelay]:
    relay = OutboxRelay(database.store, nats_url, outbox, database.dsn, database.schema)
    relay.start()
    try:
        yield relay
    finally:
        await relay.stop()


async def until_caught_up(database: Database, relay: OutboxRelay, timeout: float = 30) -> None:
    head = await database.store.last_position()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await load_checkpoint(database.pool, relay.config.name) < head:
        assert loop.time() < deadline, f"relay stuck: {relay.state} {relay.error}"
        await asyncio.sleep(0.05)


async def test_a_shop_day_arrives_once_in_order_on_its_subjects(
    database: Database, nats_url: str, outbox: RelayConfig, running_relay: OutboxRelay
) -> None:
    clock = ManualClock(OPENING)
    journey = await shop_day(await shop_service(database, clock), clock)

    assert await wait_for_stored(nats_url, outbox, len(DAY_TYPES)) == len(DAY_TYPES)
    received = await read_all(nats_url, outbox)

    assert sorted(r.type for r in received) == sorted(DAY_TYPES)
    assert all(r.subject == f"{outbox.subject_prefix}.{r.type}" for r in received)
    assert [r.msg_id for r in received] == [r.envelope["id"] for r in received]
    pickup = [r.envelope for r in received if r.envelope["aggregateId"] == str(journey.pickup_id)]
    assert [e["type"] for e in pickup] == ["pickup.ready", "pickup.collected"]
    assert pickup[0]["aggregateVersion"] < pickup[1]["aggregateVersion"]
    await until_caught_up(database, running_relay)
    status = await outbox_status(database.pool, outbox.name)
    assert (status.state, status.lag_events, status.published) == ("running", 0, len(DAY_TYPES))
    assert status.active


async def test_status_shows_the_backlog_while_no_relay_runs(
    database: Database, outbox: RelayConfig
) -> None:
    clock = ManualClock(OPENING)
    await shop_day(await shop_service(database, clock), clock)

    status = await outbox_status(database.pool, outbox.name)

    events = await database.pool.fetchval("SELECT count(*) FROM events")
    assert (status.state, status.lag_events, status.active) == ("never run", events, False)


async def test_a_refused_message_stops_the_batch_and_the_checkpoint_stays(
    database: Database, nats_url: str, outbox: RelayConfig
) -> None:
    # The stream exists already and takes only 3 messages: the 4th is refused.
    connection = await nats.connect(nats_url)
    js = connection.jetstream()
    await js.add_stream(
        StreamConfig(
            name=outbox.stream,
            subjects=[f"{outbox.subject_prefix}.>"],
            max_msgs=3,
            discard=DiscardPolicy.NEW,
            duplicate_window=outbox.duplicate_window,
        )
    )
    clock = ManualClock(OPENING)
    await shop_day(await shop_service(database, clock), clock)
    relay = OutboxRelay(database.store, nats_url, outbox, database.dsn, database.schema)
    relay.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while relay.state != "waiting":
            assert loop.time() < deadline, relay.state
            await asyncio.sleep(0.05)
        status = await outbox_status(database.pool, outbox.name)
        assert status.state == "waiting" and "maximum messages" in (status.error or "")
        assert status.position == "0.0" and status.published == 0

        info = await js.stream_info(outbox.stream)
        await js.update_stream(StreamConfig(**{**info.config.__dict__, "max_msgs": -1}))
        await until_caught_up(database, relay)
    finally:
        await relay.stop()
        await connection.close()

    received = await read_all(nats_url, outbox)
    assert sorted(r.type for r in received) == sorted(DAY_TYPES)  # the first 3 not twice
    assert len({r.msg_id for r in received}) == len(received)
