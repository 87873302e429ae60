"""The keys behind sealed personal data: forgotten by every process, rotated under a new
master key, damage told apart from erasure; and events written before sealing."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from uuid import uuid4

import pytest

from adapters.keys.master import DEV_MASTER_KEY, MasterKeys, UnknownMasterKey
from adapters.keys.postgres import PostgresKeyStore, rewrap
from adapters.postgres.database import Database
from adapters.postgres.sealed_history import seal_history
from domain.cart.model import Cart
from domain.errors import EventDecodingError
from domain.personal import ERASED, customer_subject
from domain.repository import Repository
from domain.service import CommerceService
from tests.integration.personal_journey import (
    ADA,
    MARKERS,
    cold_store,
    raw_rows,
    service,
    write_as_before_sealing,
)

__all__ = ["service"]  # the fixture, used by name

NEW_MASTER_KEY = "the-next-master-key-at-least-32-bytes-long"


async def test_events_written_before_sealing_stay_readable_and_forget_cannot_reach_them(
    database: Database,
) -> None:
    """Rows from before migration 0019 have no data subject and hold their texts in the clear:
    until seal_history has run, no key covers them and forgetting the customer leaves them as
    written (docs/decisions/2026-12-06-personal-data-history.md)."""
    stream_id = uuid4()
    await write_as_before_sealing(database, stream_id, "cust-ada", "old-laptop")
    assert (await Repository(database.store).get(stream_id, Cart)).device_id == "old-laptop"

    await database.store.forget(customer_subject("cust-ada"))

    cart = await Repository(cold_store(database)).get(stream_id, Cart)
    assert cart.device_id == "old-laptop"
    recorded = await database.store.read_recorded(stream_id, [1])
    assert recorded[0].context.device_id == "old-laptop"


async def test_sealing_the_history_brings_old_events_under_the_keys(database: Database) -> None:
    ada, bob = uuid4(), uuid4()
    await write_as_before_sealing(database, ada, "cust-ada", "MARKER-ADA-OLD-LAPTOP")
    await write_as_before_sealing(database, bob, "cust-bob", "MARKER-BOB-OLD-PHONE")
    await database.store.forget(customer_subject("cust-ada"))  # before the pass

    assert await seal_history(database.store) == 2
    assert await seal_history(database.store) == 0  # done once

    at_rest = await raw_rows(database)
    assert b"MARKER-ADA-OLD-LAPTOP" not in at_rest and b"MARKER-BOB-OLD-PHONE" not in at_rest
    reader = Repository(cold_store(database))
    assert (await reader.get(ada, Cart)).device_id == ERASED
    assert (await reader.get(bob, Cart)).device_id == "MARKER-BOB-OLD-PHONE"
    await database.store.forget(customer_subject("cust-bob"))
    assert (await Repository(cold_store(database)).get(bob, Cart)).device_id == ERASED
    history = await database.store.history(bob, 10)
    assert [r.context.device_id for r in history] == [ERASED]


READER = Path(__file__).resolve().parent / "key_reader.py"


async def test_another_process_forgets_the_key_too(
    database: Database, service: CommerceService
) -> None:
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    reader = await asyncio.create_subprocess_exec(
        sys.executable,
        str(READER),
        database.dsn,
        database.schema or "public",
        str(cart_id),
        cwd=READER.parents[2],
        env={**os.environ, "PYTHONPATH": str(READER.parents[2])},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert reader.stdin is not None and reader.stdout is not None

    async def read_in_the_other_process() -> str:
        reader.stdin.write(b"load\n")  # type: ignore[union-attr]
        line = await asyncio.wait_for(reader.stdout.readline(), 30)  # type: ignore[union-attr]
        return line.decode().strip()

    try:
        assert (await asyncio.wait_for(reader.stdout.readline(), 30)).strip() == b"started"
        assert await read_in_the_other_process() == MARKERS["device"]  # its key now held

        await database.store.forget(customer_subject("cust-ada"))

        seen = [await read_in_the_other_process()]
        for _ in range(50):  # the notification arrives within milliseconds
            if seen[-1] == ERASED:
                break
            await asyncio.sleep(0.1)
            seen.append(await read_in_the_other_process())
        assert seen[-1] == ERASED, seen
    finally:
        reader.kill()
        await reader.wait()


async def test_rotating_the_master_key_rewraps_every_data_key(
    database: Database, service: CommerceService
) -> None:
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    keys = await database.pool.fetchval("SELECT count(*) FROM data_keys")
    rotated = MasterKeys(NEW_MASTER_KEY, DEV_MASTER_KEY)  # the new one, the old still unwraps

    assert await rewrap(database.pool, rotated) == keys
    assert await rewrap(database.pool, rotated) == 0  # nothing left to rewrap

    only_new = PostgresKeyStore(database.pool, MasterKeys(NEW_MASTER_KEY))
    cart = await Repository(cold_store(database, only_new)).get(cart_id, Cart)
    assert cart.device_id == MARKERS["device"]
    only_old = PostgresKeyStore(database.pool, MasterKeys(DEV_MASTER_KEY))
    with pytest.raises(UnknownMasterKey):
        await Repository(cold_store(database, only_old)).get(cart_id, Cart)


async def test_a_sealed_text_that_does_not_open_is_reported_as_damage_not_erasure(
    database: Database, service: CommerceService
) -> None:
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    await database.pool.execute(
        """UPDATE events SET state = jsonb_set(state, '{device_id}', '"bm90IHNlYWxlZA=="')
           WHERE stream_id = $1""",
        cart_id,
    )
    with pytest.raises(EventDecodingError, match="device_id"):
        await Repository(cold_store(database)).get(cart_id, Cart)
