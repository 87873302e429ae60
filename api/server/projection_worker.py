"""A projection worker: every read model kept live in a process of its own, until SIGINT or
SIGTERM. `omni projections run` runs one, and `omni serve --workers N` starts one beside its
API workers (`python -m api.server.projection_worker`), so API processes (started with
OMNI_RUN_PROJECTIONS=false) spend no CPU on projections; a second worker stands by for
failover."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from adapters.postgres.database import Database
from adapters.settings import Settings, StartupError
from api.server.composition import projection_supervisor


async def run_projection_worker(settings: Settings) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    database = await Database.open(settings, schema=settings.database_schema)
    supervisor = projection_supervisor(database, settings)
    await supervisor.prepare()
    await supervisor.follow_other_processes()  # and operators' retries and skips
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    supervisor.start()
    print(f"projection worker running: {', '.join(supervisor.runners)} (Ctrl-C stops)")
    await stop.wait()
    await supervisor.stop()
    await database.close()


def main() -> int:
    """The supervisor's child: python -m api.server.projection_worker. A setting or a database
    that cannot be used is one sentence on stderr, as with `omni`."""
    try:
        asyncio.run(run_projection_worker(Settings.from_env(os.environ)))
    except StartupError as refusal:
        print(refusal, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
