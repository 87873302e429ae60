"""`omni outbox run` as a real process, killed with SIGKILL mid-stream and started again:
every event arrives, none twice, in order per aggregate."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from adapters.outbox.relay import RelayConfig
from adapters.postgres.catalog import upsert_catalog
from adapters.postgres.database import Database
from domain.values import stock_item_id
from tests.outbox.consume import read_all, stored_count, wait_for_stored
from tests.shop import LOCATIONS, PRODUCTS, STAFF, make_service

ROOT = Path(__file__).resolve().parents[2]
ITEMS = [(location.id, product.sku) for location in LOCATIONS for product in PRODUCTS]
COUNTS_PER_ITEM = 40  # counted 2, 0, 2, 0, ...: every count crosses into low or out


def relay_env(database: Database, nats_url: str, config: RelayConfig) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database.dsn,
        "OMNI_DATABASE_SCHEMA": database.schema or "",
        "NATS_URL": nats_url,
        "OMNI_OUTBOX_STREAM": config.stream,
        "OMNI_OUTBOX_SUBJECT_PREFIX": config.subject_prefix,
        "OMNI_OUTBOX_BATCH_SIZE": "16",  # many small batches: the kill lands between two
    }


async def start_relay(
    database: Database, nats_url: str, config: RelayConfig, command: str = "run"
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "api.cli", "outbox", command),
        cwd=ROOT,
        env=relay_env(database, nats_url, config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def count_everything(database: Database, rounds: range) -> None:
    """Each item counted in turn, so the stream interleaves every aggregate."""
    service = make_service(database.store)
    for round_number in rounds:
        for location_id, sku in ITEMS:
            await service.count_stock(location_id, sku, 2 * (round_number % 2 == 0), "count", STAFF)


@pytest.mark.slow
async def test_a_relay_killed_mid_stream_and_restarted_loses_and_repeats_nothing(
    database: Database, nats_url: str, outbox: RelayConfig
) -> None:
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, PRODUCTS, LOCATIONS)
    expected = len(ITEMS) * COUNTS_PER_ITEM
    half = COUNTS_PER_ITEM // 2
    relay = await start_relay(database, nats_url, outbox)
    try:
        assert relay.stdout is not None
        assert b"outbox relay running" in await asyncio.wait_for(relay.stdout.readline(), 30)
        writing = asyncio.create_task(count_everything(database, range(half)))
        assert await wait_for_stored(nats_url, outbox, 40) >= 40
        relay.kill()  # SIGKILL: no clean-up, mid-stream
        await relay.wait()
        await writing
        at_kill = await stored_count(nats_url, outbox)
        assert 40 <= at_kill < expected
        await count_everything(database, range(half, COUNTS_PER_ITEM))
        relay = await start_relay(database, nats_url, outbox)
        assert await wait_for_stored(nats_url, outbox, expected) == expected
    finally:
        if relay.returncode is None:
            relay.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(relay.wait(), 20) == 0

    received = await read_all(nats_url, outbox)
    ids = [r.msg_id for r in received]
    assert len(ids) == expected and len(set(ids)) == expected  # all of them, none twice
    versions: dict[str, list[int]] = defaultdict(list)
    for r in received:
        versions[r.envelope["aggregateId"]].append(r.envelope["aggregateVersion"])
    assert set(versions) == {str(stock_item_id(loc, sku)) for loc, sku in ITEMS}
    for stream_versions in versions.values():
        assert stream_versions == sorted(stream_versions)
        assert len(stream_versions) == COUNTS_PER_ITEM

    status = await start_relay(database, nats_url, outbox, "status")
    printed, _ = await status.communicate()
    state, _, lag_events, _, published = printed.decode().splitlines()[-1].split()[:5]
    # Only committed batches count, and each commits once, however often it was sent.
    assert (state, lag_events, int(published)) == ("stopped", "0", expected)
