"""`omni projections dead-letters [NAME]`, `... retry NAME STREAM`, `... skip NAME STREAM`.

A retry or skip is a request that the projection's lease holder performs between two batches
(projections/dead_letter_actions.py): the command records it, waits for its outcome, and,
when no process runs the projection (nobody holds its lease), takes the lease and performs
it itself.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import time
from typing import Any
from uuid import UUID

from adapters.postgres.database import Database
from adapters.postgres.lease import Lease
from adapters.settings import Settings
from projections.catalog import all_projections
from projections.dead_letter_actions import Action, action, perform_pending, request
from projections.dead_letters import list_parked
from projections.parking import StreamParking
from projections.tracking import Projection

USAGE = "[NAME] | retry NAME STREAM | skip NAME STREAM"
POLL_SECONDS = 0.1


def add_command(projections: Any) -> None:
    command = projections.add_parser(
        "dead-letters",
        help="streams a read model parked: list, retry (after a fix) or skip their head",
        description="List parked streams (all projections, or NAME's); retry a parked stream "
        "in order after a fix; or skip its first event for good (recorded as your action).",
    )
    command.add_argument("words", nargs="*", metavar="WORDS", help=USAGE)
    command.add_argument("--by", help="who asks, recorded with a retry or skip (default: $USER)")
    command.add_argument(
        "--wait", type=float, default=30.0, help="seconds to wait for the worker to perform it"
    )
    command.set_defaults(handler=lambda s, a: asyncio.run(dead_letters(s, a)))


async def dead_letters(settings: Settings, args: argparse.Namespace) -> int:
    words = list(args.words)
    if words and words[0] in ("retry", "skip"):
        if len(words) != 3:
            sys.exit(f"usage: omni projections dead-letters {words[0]} NAME STREAM")
        projection, stream_id = _projection(words[1]), _stream(words[2])
        by = args.by or getpass.getuser()
        return await _act(settings, words[0], projection, stream_id, by, args.wait)
    if len(words) > 1:
        sys.exit(f"usage: omni projections dead-letters {USAGE}")
    names = [_projection(words[0]).name] if words else [p.name for p in _all()]
    return await _list(settings, names)


def _all() -> list[Projection]:
    return all_projections()


def _projection(name: str) -> Projection:
    chosen = [p for p in _all() if p.name == name]
    if not chosen:
        sys.exit(f"no projection {name!r}; known: {', '.join(p.name for p in _all())}")
    return chosen[0]


def _stream(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        sys.exit(f"not a stream id (a UUID): {text!r}")


async def _list(settings: Settings, names: list[str]) -> int:
    database = await Database.open(settings, schema=settings.database_schema)
    try:
        parked = await list_parked(database.pool, names)
    finally:
        await database.close()
    if not parked:
        print("nothing is parked")
        return 0
    print(
        f"{'projection':18} {'stream':36} {'first position':>16} {'version':>7} "
        f"{'events':>6}  {'parked at':19}  error"
    )
    for p in parked:
        error = " ".join(p.error.split())  # one line per stream
        print(
            f"{p.projection:18} {p.stream_id!s:36} {p.first_position:>16} {p.first_version:>7} "
            f"{p.events:>6}  {p.parked_at:%Y-%m-%d %H:%M:%S}  {p.topic}: {error}"
        )
    return 0


async def _act(
    settings: Settings, verb: str, projection: Projection, stream_id: UUID, by: str, wait: float
) -> int:
    database = await Database.open(settings, schema=settings.database_schema)
    try:
        parked = await list_parked(database.pool, [projection.name])
        if stream_id not in {p.stream_id for p in parked}:
            print(f"stream {stream_id} is not parked in {projection.name}")
            return 1
        number = await request(database.pool, projection.name, stream_id, verb, by)
        done = await _performed(database, projection, number, wait)
    finally:
        await database.close()
    if done is None:
        print(
            f"asked (request {number}), but the worker running {projection.name} did not "
            f"perform it within {wait:g} s; it will once it gets to it"
        )
        return 2
    print(f"{verb} of stream {stream_id} in {projection.name} by {by}: {done.outcome}")
    print(f"  {done.detail}")
    return 0 if done.outcome in ("applied", "skipped") else 1


async def _performed(
    database: Database, projection: Projection, number: int, wait: float
) -> Action | None:
    """The request once performed: by the lease holder, or here when nobody holds the lease."""
    deadline = time.monotonic() + wait
    lease = Lease(database.pool, projection.name, database.dsn, database.schema)
    try:
        while True:
            done = await action(database.pool, number)
            if done is not None and done.outcome is not None:
                return done
            if await lease.try_acquire():
                parking = StreamParking(projection)
                await parking.load(database.pool)
                await perform_pending(database.store, parking)
                await lease.release()
                continue
            if time.monotonic() >= deadline:
                return None
            await asyncio.sleep(POLL_SECONDS)
    finally:
        await lease.release()
