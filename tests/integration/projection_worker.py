"""Runs the toy projection in a process of its own, for the multi-process runner tests.

    python tests/integration/projection_worker.py DSN SCHEMA

Prints "started", then every state the runner passes through ("state standby", "state
running", ...), one per line, so the test knows which worker holds the lease.
"""

from __future__ import annotations

import asyncio
import functools
import sys

from adapters.postgres.pool import connect, create_pool
from adapters.postgres.store import PostgresEventStore
from projections.runner import ProjectionRunner
from tests.integration.till_projection import TillTakings


async def report_states(runner: ProjectionRunner) -> None:
    seen = ""
    while True:
        if runner.state != seen:
            seen = runner.state
            print(f"state {seen}", flush=True)
        await asyncio.sleep(0.01)


async def main(dsn: str, schema: str) -> None:
    pool = await create_pool(dsn, schema=schema)
    store = await PostgresEventStore.on_pool(pool)
    await store.start_listening(functools.partial(connect, dsn, schema=schema))
    runner = ProjectionRunner(store, TillTakings(), dsn, schema, batch_size=7, poll_interval=0.05)
    print("started", flush=True)
    reporter = asyncio.create_task(report_states(runner))
    await runner.run()
    reporter.cancel()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
