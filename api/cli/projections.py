"""`omni projections status|run|rebuild` (and dead-letters: dead_letters.py)."""

from __future__ import annotations

import sys

from adapters.postgres.database import Database
from adapters.settings import Settings
from projections.catalog import all_projections
from projections.rebuild import print_progress_bar, rebuild
from projections.supervisor import projection_status


async def status(settings: Settings) -> None:
    database = await Database.open(settings, schema=settings.database_schema)
    names = [p.name for p in all_projections()]
    print(
        f"{'projection':20} {'state':9} {'position':>16} {'lag events':>11} {'lag s':>8} "
        f"{'parked':>6}"
    )
    for s in await projection_status(database.pool, names):
        print(
            f"{s.name:20} {s.state:9} {s.position:>16} {s.lag_events:>11} "
            f"{s.lag_seconds:>8.1f} {s.parked_streams:>6}  {s.error or ''}"
        )
    await database.close()


async def rebuild_one(settings: Settings, name: str) -> None:
    chosen = [p for p in all_projections() if p.name == name]
    if not chosen:
        sys.exit(f"no projection {name!r}; known: {[p.name for p in all_projections()]}")
    database = await Database.open(settings, schema=settings.database_schema)
    progress = await rebuild(database.store, chosen[0], print_progress_bar)
    print(f"\nrebuilt {name}: {progress.done:,} events at {progress.rate:,.0f}/s, swapped in")
    await database.close()
