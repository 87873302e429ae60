"""What a projection is, and where it has got to: the checkpoint table and its compare-and-set.

A batch's read-model writes and its new checkpoint commit in one transaction, and the
checkpoint only moves from the position the writer read. A crash at any point therefore
neither loses nor repeats an event, and of two writers racing on one projection (a second
worker, a rebuild's swap) only one can apply a given batch. The lease (a session advisory
lock) keeps a second worker from even trying while the first one lives.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Sequence
from typing import ClassVar

import asyncpg
import msgspec

# The lease and the transient errors moved to adapters (the outbox relay leases too).
from adapters.postgres.lease import TRANSIENT_ERRORS as TRANSIENT_ERRORS
from adapters.postgres.lease import Lease as Lease
from adapters.postgres.lease import lease_holder as lease_holder
from domain.ports import Position, RecordedEvent
from projections.dead_letters import DeadLetter, DeadLettersChanged, record

POLL_SECONDS = 0.05
# Every checkpoint move is announced on `<schema>_checkpoints` when it commits, so that API
# processes that run no projections wake their subscriptions and read-your-writes waits at
# once instead of at their next poll (ProjectionSupervisor.follow_other_processes).
CHECKPOINT_CHANNEL = "checkpoints"


class Projection:
    """A read model: the tables it owns and how a batch of events changes them.

    `schema` is SQL creating the tables and indexes, with `{s}` after every table and index
    name, so a rebuild can create a second set beside the live one (or override
    `create_tables`). `apply` must be a pure function of the events: no clock, no randomness,
    no state kept between batches. Bump `version` to have the runner rebuild the tables.
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1
    topics: ClassVar[tuple[str, ...]]
    tables: ClassVar[tuple[str, ...]]
    schema: ClassVar[str]

    async def create_tables(self, connection: asyncpg.Connection, suffix: str = "") -> None:
        await connection.execute(self.schema.format(s=suffix))

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        raise NotImplementedError

    async def erase(
        self, connection: asyncpg.Connection, customer_ids: Sequence[str], texts: Collection[str]
    ) -> None:
        """Scrub the customers' personal texts from their rows, as a rebuild after their
        erasure would write them (projections/erasure.py). Nothing by default: a read model
        that holds no personal text of a customer has nothing to scrub."""


class CheckpointMoved(Exception):
    """Another writer (a rebuild's swap, or a second worker) moved the checkpoint first."""


class Checkpoint(msgspec.Struct, frozen=True):
    name: str
    position: Position
    version: int
    state: str
    error: str | None = None
    failed_at: str | None = None


async def ensure_projection(pool: asyncpg.Pool, projection: Projection) -> None:
    """Create the projection's tables and checkpoint the first time it runs."""
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(
            "SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':ensure:' || $1::text))",
            projection.name,
        )
        exists = await connection.fetchval(
            "SELECT 1 FROM projection_checkpoints WHERE name = $1", projection.name
        )
        if not exists:
            await projection.create_tables(connection, "")
            await connection.execute(
                "INSERT INTO projection_checkpoints (name, version) VALUES ($1, $2)",
                projection.name,
                projection.version,
            )


async def read_checkpoint(pool: asyncpg.Pool, name: str) -> Checkpoint | None:
    row = await pool.fetchrow("SELECT * FROM projection_checkpoints WHERE name = $1", name)
    if row is None:
        return None
    return Checkpoint(
        row["name"],
        Position(row["transaction_id"], row["position"]),
        row["version"],
        row["state"],
        row["error"],
        row["failed_at"],
    )


async def load_checkpoints(pool: asyncpg.Pool, names: Sequence[str]) -> dict[str, Position]:
    rows = await pool.fetch(
        """SELECT name, transaction_id, position FROM projection_checkpoints
           WHERE name = ANY($1::text[])""",
        list(names),
    )
    return {row["name"]: Position(row["transaction_id"], row["position"]) for row in rows}


async def load_checkpoint(pool: asyncpg.Pool, name: str) -> Position:
    row = await pool.fetchrow(
        "SELECT transaction_id, position FROM projection_checkpoints WHERE name = $1", name
    )
    return Position(row["transaction_id"], row["position"]) if row else Position()


async def apply_batch(
    pool: asyncpg.Pool,
    projection: Projection,
    start: Position,
    end: Position,
    relevant: Sequence[RecordedEvent],
    suffix: str,
    checkpoint_name: str | None = None,
    *,
    caught_up: bool = False,
    dead_letters: Sequence[DeadLetter] = (),
) -> None:
    """Apply `relevant`, park `dead_letters` (behind their streams' parked heads) and move the
    checkpoint from `start` to `end`, in one transaction."""
    async with pool.acquire() as connection, connection.transaction():
        await commit_for_readers(connection)
        name = checkpoint_name or projection.name
        if relevant:
            await projection.apply(connection, relevant, suffix)
        if dead_letters:
            try:
                await record(connection, name, dead_letters, behind_parked=True)
            except DeadLettersChanged:
                raise CheckpointMoved(f"{name}: dead letters swapped in") from None
        await move_checkpoint(connection, name, start, end, caught_up=caught_up)


# A read model can always be replayed, and its checkpoint commits with its rows: a database
# crash may lose the last batches together, never one without the other. So a projection's
# commit does not wait for the disk, unless a standby streams from this server: a standby only
# receives WAL that reached the disk, and an unflushed commit waits for the WAL writer (200 ms
# by default), which every read-your-writes wait on a replica would then add (p50 ~150 ms
# measured). `local` flushes here and never waits for a synchronous standby.
COMMIT_FOR_READERS = """SELECT set_config('synchronous_commit',
    CASE WHEN EXISTS (SELECT FROM pg_stat_get_wal_senders()) THEN 'local' ELSE 'off' END, true)"""


async def commit_for_readers(connection: asyncpg.Connection) -> None:
    """Set how the read model's transaction commits (COMMIT_FOR_READERS says why)."""
    await connection.execute(COMMIT_FOR_READERS)


async def move_checkpoint(
    connection: asyncpg.Connection,
    name: str,
    start: Position,
    end: Position,
    *,
    caught_up: bool = False,
) -> None:
    """Compare-and-set: move from `start` to `end`, or raise CheckpointMoved (roll back).

    `updated_at` records when the checkpoint last moved (only moves write it): a projection
    behind the head whose row has not moved for a while is stalled, whatever its state.
    The move is announced on CHECKPOINT_CHANNEL in the same statement: no round trip more,
    and delivered only if the batch commits."""
    status = await connection.execute(
        f"""WITH moved AS (
              UPDATE projection_checkpoints
              SET transaction_id = $4, position = $5, error = NULL, failed_at = NULL,
                  state = CASE WHEN state = 'failed' THEN 'running' ELSE state END,
                  updated_at = now(),
                  caught_up_at = CASE WHEN $6 THEN now() ELSE caught_up_at END
              WHERE name = $1 AND transaction_id = $2 AND position = $3
              RETURNING name)
            SELECT pg_notify(current_schema() || '_{CHECKPOINT_CHANNEL}', name) FROM moved""",
        name,
        start.transaction_id,
        start.position,
        end.transaction_id,
        end.position,
        caught_up,
    )
    if status != "SELECT 1":
        raise CheckpointMoved(name)


async def set_state(pool: asyncpg.Pool, name: str, state: str) -> None:
    """Record what the lease holder is doing; a failure's error stays until the next batch."""
    await pool.execute(
        """UPDATE projection_checkpoints SET state = $2
           WHERE name = $1 AND (state <> 'failed' OR $2 = 'running')""",
        name,
        state,
    )


async def wait_for_checkpoint(
    pool: asyncpg.Pool, name: str, position: Position, timeout: float
) -> bool:
    """Read-your-writes without a local runner: poll the checkpoint until it covers
    `position` or the timeout passes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if await load_checkpoint(pool, name) >= position:
            return True
        left = deadline - loop.time()
        if left <= 0:
            return False
        await asyncio.sleep(min(POLL_SECONDS, left))
