"""Runs the toy projection in a process of its own: python projection_worker.py DSN SCHEMA."""

from __future__ import annotations

import asyncio
import sys

from adapters.postgres.pool import connect, create_pool
from adapters.postgres.store import PostgresEventStore
from projections.runner import ProjectionRunner
from tests.integration.till_projection import TillTakings


async def main(dsn: str, schema: str) -> None:
    pool = await create_pool(dsn, schema=schema)
    store = PostgresEventStore(pool)
    await store.start_listening(await connect(dsn, schema=schema))
    runner = ProjectionRunner(store, TillTakings(), dsn, schema, batch_size=50, poll_interval=0.05)
    print("started", flush=True)
    await runner.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
