"""Reads one cart's device id in a process of its own, for the key-forgetting test.

    python tests/integration/key_reader.py DSN SCHEMA CART_ID

Prints "started" once it listens, then, for every line read on stdin, the cart's device id as
this process reads it (its keys held in its own memory).
"""

from __future__ import annotations

import asyncio
import functools
import sys
from uuid import UUID

from adapters.keys.master import MasterKeys
from adapters.keys.postgres import PostgresKeyStore
from adapters.postgres.pool import connect, create_pool
from adapters.postgres.store import PostgresEventStore
from domain.cart.model import Cart
from domain.repository import Repository


async def main(dsn: str, schema: str, cart_id: UUID) -> None:
    pool = await create_pool(dsn, schema=schema)
    store = await PostgresEventStore.on_pool(pool, PostgresKeyStore(pool, MasterKeys.development()))
    await store.start_listening(functools.partial(connect, dsn, schema=schema))
    repository = Repository(store)
    print("started", flush=True)
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, sys.stdin.readline):
        print((await repository.get(cart_id, Cart)).device_id, flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], UUID(sys.argv[3])))
