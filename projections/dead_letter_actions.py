"""Operators' retry and skip of a parked stream: asked by anyone, performed by the lease holder.

Only the process holding a projection's lease writes its read model, so an operator's
command (`omni projections dead-letters retry|skip NAME STREAM`) records a request and
announces it; the runner holding the lease performs it between two batches
(`perform_pending`), and when no process holds the lease the command takes it and performs
the request itself. Each request row is kept with its outcome: who asked what, and when.

- retry: the stream's parked events are applied again, in order, in one transaction with
  their removal from the dead letters. If one fails again it becomes the stream's head, with
  the new error, and the rest stay parked behind it (events before it are applied).
- skip: the head event is dropped for good (recorded in the request row: its version,
  position, topic and error), then the rest of the stream is retried as above, so a skip
  leaves the stream moving unless a later event fails too.
"""

from __future__ import annotations

import logging
from uuid import UUID

import asyncpg
import msgspec

from adapters.postgres.store import PostgresEventStore
from projections.dead_letters import NOTIFY, DeadLetter, letters_of, release
from projections.parking import Parked, StreamParking

log = logging.getLogger(__name__)

ACTIONS = ("retry", "skip")


class Action(msgspec.Struct, frozen=True):
    id: int
    projection: str
    stream_id: UUID
    action: str
    requested_by: str
    outcome: str | None = None
    detail: str | None = None


async def request(
    pool: asyncpg.Pool, projection: str, stream_id: UUID, action: str, by: str
) -> int:
    """Ask the lease holder of `projection` to retry or skip a stream; the request's id."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: {' or '.join(ACTIONS)}")
    async with pool.acquire() as connection, connection.transaction():
        number: int = await connection.fetchval(
            """INSERT INTO projection_dead_letter_actions
                 (projection, stream_id, action, requested_by)
               VALUES ($1, $2, $3, $4) RETURNING id""",
            projection,
            stream_id,
            action,
            by,
        )
        await connection.execute(NOTIFY, projection)
    return number


async def action(pool: asyncpg.Pool, number: int) -> Action | None:
    row = await pool.fetchrow(
        """SELECT id, projection, stream_id, action, requested_by, outcome, detail
           FROM projection_dead_letter_actions WHERE id = $1""",
        number,
    )
    return Action(**dict(row)) if row is not None else None


async def pending(pool: asyncpg.Pool, projection: str) -> list[Action]:
    rows = await pool.fetch(
        """SELECT id, projection, stream_id, action, requested_by
           FROM projection_dead_letter_actions
           WHERE projection = $1 AND done_at IS NULL ORDER BY id""",
        projection,
    )
    return [Action(**dict(row)) for row in rows]


async def perform_pending(store: PostgresEventStore, parking: StreamParking) -> int:
    """Perform every request waiting for this projection, oldest first; how many."""
    waiting = await pending(store.pool, parking.name)
    for asked in waiting:
        await perform(store, parking, asked)
    return len(waiting)


async def perform(store: PostgresEventStore, parking: StreamParking, asked: Action) -> None:
    """One request, in one transaction with its outcome: the caller holds the lease."""
    stream_id = asked.stream_id
    async with store.pool.acquire() as connection, connection.transaction():
        letters = await letters_of(connection, parking.name, stream_id)
        skipped = letters[0] if asked.action == "skip" and letters else None
        again = letters[1:] if skipped else letters
        parked = await _reapply(store, parking, connection, stream_id, again)
        if not letters:
            outcome, detail = "not parked", "nothing of this stream is parked"
        elif stream_id in parked:
            now = await letters_of(connection, parking.name, stream_id)
            outcome, detail = "still parked", _head_error(now)
        else:
            outcome = "skipped" if skipped else "applied"
            detail = f"{len(again)} parked events applied"
        await _finish(connection, asked.id, outcome, detail, skipped)
    parking.parked = parked
    log.warning(
        "projection %s: %s of stream %s by %s: %s (%s)",
        parking.name,
        asked.action,
        stream_id,
        asked.requested_by,
        outcome,
        detail,
    )


async def _reapply(
    store: PostgresEventStore,
    parking: StreamParking,
    connection: asyncpg.Connection,
    stream_id: UUID,
    letters: list[DeadLetter],
) -> Parked:
    """Unpark the stream and apply `letters` again in order, parking anew what still fails."""
    await release(connection, parking.name, stream_id)
    recorded = await store.read_recorded(stream_id, [letter.version for letter in letters])
    unparked = StreamParking(parking.projection, parking.name, parking.suffix)
    unparked.parked = {s: p for s, p in parking.parked.items() if s != stream_id}
    return await unparked.apply_in(connection, recorded)


def _head_error(letters: list[DeadLetter]) -> str:
    return next((letter.error for letter in letters if letter.error), "")


async def _finish(
    connection: asyncpg.Connection,
    number: int,
    outcome: str,
    detail: str,
    skipped: DeadLetter | None,
) -> None:
    await connection.execute(
        """UPDATE projection_dead_letter_actions
           SET done_at = now(), outcome = $2, detail = $3, skipped_version = $4,
               skipped_position = $5, skipped_topic = $6, skipped_error = $7
           WHERE id = $1""",
        number,
        outcome,
        detail,
        skipped.version if skipped else None,
        skipped.position.token() if skipped else None,
        skipped.topic if skipped else None,
        skipped.error if skipped else None,
    )
