"""Where parked streams are kept: the dead letters of each projection, and what operators asked.

A dead letter is one event a projection did not apply: the first of its stream failed for a
reason that is not transient (the head, with its error), and every later event of that
stream is parked behind it, in order. The writer records them in the transaction that moves
its checkpoint past them (projections/parking.py). Every change is announced on
DEAD_LETTER_CHANNEL so that every process's index of parked streams (ParkedIndex) follows
without a query per read.

Operators ask through `projection_dead_letter_actions` (retry or skip a stream); the
projection's lease holder performs the request (projections/dead_letter_actions.py) and the
row stays as the record of who did what, when.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeAlias
from uuid import UUID

import asyncpg
import msgspec

from domain.ports import Position, RecordedEvent

# Announced on `<schema>_dead_letters` when streams are parked or released and when an
# operator asks for an action: the lease holder performs it, every process reloads its index.
DEAD_LETTER_CHANNEL = "dead_letters"
NOTIFY = f"SELECT pg_notify(current_schema() || '_{DEAD_LETTER_CHANNEL}', $1::text)"

Executor: TypeAlias = asyncpg.Connection | asyncpg.Pool


class DeadLetter(msgspec.Struct, frozen=True):
    """One parked event; `error` is set on the head of its stream only."""

    stream_id: UUID
    version: int
    position: Position
    topic: str
    error: str | None = None

    @classmethod
    def of(cls, recorded: RecordedEvent, error: str | None = None) -> DeadLetter:
        return cls(recorded.stream_id, recorded.version, recorded.position, recorded.topic, error)


class ParkedStream(msgspec.Struct, frozen=True):
    """A stream a projection has parked: where it stopped, how much waits, and why."""

    projection: str
    stream_id: UUID
    first_position: str
    first_version: int
    topic: str
    events: int
    error: str
    parked_at: datetime


class DeadLettersChanged(Exception):
    """A stream the writer believed parked is not (a rebuild swapped other dead letters in)."""


async def record(
    connection: asyncpg.Connection,
    name: str,
    letters: Sequence[DeadLetter],
    *,
    behind_parked: bool = False,
) -> None:
    """Park `letters` for projection `name` (within the caller's transaction) and announce it.

    With `behind_parked`, every letter goes behind a head parked earlier: one whose head is
    not there raises DeadLettersChanged (the writer reloads instead of parking an orphan)."""
    if not letters:
        return
    status = await connection.execute(
        f"""INSERT INTO projection_dead_letters
             (projection, stream_id, version, transaction_id, position, topic, error)
           SELECT $1, * FROM unnest($2::uuid[], $3::int[], $4::bigint[], $5::bigint[],
                                    $6::text[], $7::text[]) AS u(stream_id)
           {GUARD if behind_parked else ""}""",
        name,
        [letter.stream_id for letter in letters],
        [letter.version for letter in letters],
        [letter.position.transaction_id for letter in letters],
        [letter.position.position for letter in letters],
        [letter.topic for letter in letters],
        [letter.error for letter in letters],
    )
    if status != f"INSERT 0 {len(letters)}":
        raise DeadLettersChanged(name)
    await connection.execute(NOTIFY, name)


GUARD = """WHERE EXISTS (SELECT 1 FROM projection_dead_letters h
                     WHERE h.projection = $1 AND h.stream_id = u.stream_id)"""


async def parked_heads(executor: Executor, name: str) -> dict[UUID, Position]:
    """Each parked stream of projection `name` and the position of its first parked event."""
    rows = await executor.fetch(
        """SELECT DISTINCT ON (stream_id) stream_id, transaction_id, position
           FROM projection_dead_letters WHERE projection = $1
           ORDER BY stream_id, transaction_id, position""",
        name,
    )
    return {row["stream_id"]: Position(row["transaction_id"], row["position"]) for row in rows}


async def parked_everywhere(executor: Executor) -> dict[str, dict[UUID, Position]]:
    """Every projection's parked streams (rebuilds' shadows left out): the index's reload."""
    rows = await executor.fetch(
        """SELECT DISTINCT ON (projection, stream_id) projection, stream_id, transaction_id,
                  position
           FROM projection_dead_letters WHERE projection NOT LIKE '%\\_\\_rebuild'
           ORDER BY projection, stream_id, transaction_id, position"""
    )
    parked: dict[str, dict[UUID, Position]] = {}
    for row in rows:
        position = Position(row["transaction_id"], row["position"])
        parked.setdefault(row["projection"], {})[row["stream_id"]] = position
    return parked


async def letters_of(
    connection: asyncpg.Connection, name: str, stream_id: UUID
) -> list[DeadLetter]:
    """The parked events of one stream, in order, locked until the caller's transaction ends."""
    rows = await connection.fetch(
        """SELECT stream_id, version, transaction_id, position, topic, error
           FROM projection_dead_letters WHERE projection = $1 AND stream_id = $2
           ORDER BY transaction_id, position FOR UPDATE""",
        name,
        stream_id,
    )
    return [
        DeadLetter(
            row["stream_id"],
            row["version"],
            Position(row["transaction_id"], row["position"]),
            row["topic"],
            row["error"],
        )
        for row in rows
    ]


async def release(connection: asyncpg.Connection, name: str, stream_id: UUID) -> None:
    """Unpark every event of the stream (within the caller's transaction) and announce it."""
    await connection.execute(
        "DELETE FROM projection_dead_letters WHERE projection = $1 AND stream_id = $2",
        name,
        stream_id,
    )
    await connection.execute(NOTIFY, name)


async def list_parked(executor: Executor, names: Iterable[str]) -> list[ParkedStream]:
    """What is parked, stream by stream, oldest first."""
    rows = await executor.fetch(
        """SELECT projection, stream_id, count(*) AS events,
                  (array_agg(transaction_id || '.' || position ORDER BY transaction_id,
                             position))[1] AS first_position,
                  (array_agg(version ORDER BY transaction_id, position))[1] AS first_version,
                  (array_agg(topic ORDER BY transaction_id, position))[1] AS topic,
                  (array_agg(error ORDER BY transaction_id, position))[1] AS error,
                  min(parked_at) AS parked_at
           FROM projection_dead_letters WHERE projection = ANY($1::text[])
           GROUP BY projection, stream_id ORDER BY projection, min(parked_at), stream_id""",
        list(names),
    )
    return [
        ParkedStream(
            row["projection"],
            row["stream_id"],
            row["first_position"],
            row["first_version"],
            row["topic"],
            row["events"],
            row["error"] or "",
            row["parked_at"],
        )
        for row in rows
    ]


async def discard(connection: asyncpg.Connection, name: str) -> None:
    """Forget a rebuild's dead letters (it starts over)."""
    await connection.execute("DELETE FROM projection_dead_letters WHERE projection = $1", name)


async def swap_in(connection: asyncpg.Connection, shadow: str, live: str) -> None:
    """A rebuild's swap: its dead letters replace the live ones, with its tables."""
    await connection.execute("DELETE FROM projection_dead_letters WHERE projection = $1", live)
    await connection.execute(
        "UPDATE projection_dead_letters SET projection = $2 WHERE projection = $1", shadow, live
    )
    await connection.execute(NOTIFY, live)
