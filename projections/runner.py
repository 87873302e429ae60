"""The projection runner: catch-up then live, exactly once, one active worker per projection.

Each batch's read-model writes and the projection's new checkpoint commit in one
transaction, and the checkpoint only moves from the position the runner read (a compare-and-
set). A crash anywhere therefore neither loses nor repeats an event, and two workers racing
on one projection cannot both apply a batch. A session advisory lock (the lease) keeps one
worker active; another takes over when its connection dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import ClassVar

import asyncpg

from adapters.postgres.pool import connect
from adapters.postgres.store import PostgresEventStore
from adapters.subscription import Window
from domain.ports import Position, RecordedEvent

log = logging.getLogger(__name__)

LEASE_RETRY_SECONDS = 0.5
IDLE_CHECKPOINT_SECONDS = 1.0


class Projection:
    """A read model: the tables it owns and how a batch of events changes them.

    `schema` is SQL creating the tables and indexes, with `{s}` after every table and index
    name, so a rebuild can create a second set beside the live one. `apply` must be a pure
    function of the events: no clock, no randomness, no state kept between batches.
    """

    name: ClassVar[str]
    version: ClassVar[int] = 1
    topics: ClassVar[tuple[str, ...]]
    tables: ClassVar[tuple[str, ...]]
    schema: ClassVar[str]

    async def create_tables(self, connection: asyncpg.Connection, suffix: str = "") -> None:
        await connection.execute(self.schema.format(s=suffix))

    def handles(self, recorded: RecordedEvent) -> bool:
        return recorded.topic.startswith(self.topics)

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        raise NotImplementedError


class CheckpointMoved(Exception):
    """Another writer (a rebuild's swap, or a second worker) moved the checkpoint first."""


class ProjectionRunner:
    def __init__(
        self,
        store: PostgresEventStore,
        projection: Projection,
        dsn: str,
        schema: str | None = None,
        *,
        batch_size: int = 500,
        poll_interval: float = 1.0,
    ) -> None:
        self.store = store
        self.pool = store.pool
        self.projection = projection
        self.dsn, self.schema = dsn, schema
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.position = Position()  # applied to the read model (what waits are answered by)
        self.persisted = Position()  # the checkpoint row; behind only over foreign events
        self._persisted_at = 0.0
        self.state = "starting"
        self.error: str | None = None
        self._advanced = asyncio.Condition()

    @property
    def name(self) -> str:
        return self.projection.name

    async def run(self) -> None:
        """Hold the lease, then apply batches until cancelled or a handler fails."""
        lease = await connect(self.dsn, schema=self.schema)
        try:
            await self._acquire_lease(lease)
            await ensure_projection(self.pool, self.projection)
            await self._follow()
        finally:
            self.state = "failed" if self.error else "stopped"
            with contextlib.suppress(Exception):
                await lease.close()

    async def _acquire_lease(self, lease: asyncpg.Connection) -> None:
        self.state = "standby"
        # Advisory locks are cluster-wide: the schema keeps two deployments on one server apart.
        key = f"projection:{self.name}"
        lock = "SELECT pg_try_advisory_lock(hashtext(current_schema() || ':' || $1))"
        while not await lease.fetchval(lock, key):
            await asyncio.sleep(LEASE_RETRY_SECONDS)
        self.state = "running"

    async def _follow(self) -> None:
        while True:
            self.position = self.persisted = await load_checkpoint(self.pool, self.name)
            try:
                async for window in self.store.follow_windows(
                    self.position,
                    self.projection.topics,
                    batch_size=self.batch_size,
                    poll_interval=self.poll_interval,
                ):
                    await self._apply(window)
            except CheckpointMoved:
                log.info("projection %s: checkpoint moved elsewhere, reloading", self.name)
                continue
            except _HandlerFailed:
                return

    async def _apply(self, window: Window) -> None:
        """Apply the window's events and move the checkpoint to its end, even past events
        of other topics, so a wait for any position is answered."""
        assert window.end is not None
        if not window.events and not self._checkpoint_due():
            # Nothing of ours: re-reading these after a crash changes nothing, so the
            # checkpoint row is written at most once a second while only others' events pass.
            await self._advance_to(window.end)
            return
        try:
            await apply_batch(
                self.pool, self.projection, self.persisted, window.end, window.events, ""
            )
            self._mark_persisted(window.end)
        except CheckpointMoved:
            raise
        except Exception:  # noqa: BLE001 - a broken handler stops only its projection
            await self._find_and_record_failure(window.events)
            raise _HandlerFailed from None
        await self._advance_to(window.end)

    async def _find_and_record_failure(self, relevant: list[RecordedEvent]) -> None:
        """Apply the batch one event at a time to commit what works and name what fails."""
        for recorded in relevant:
            try:
                await apply_batch(
                    self.pool, self.projection, self.persisted, recorded.position, [recorded], ""
                )
                self._mark_persisted(recorded.position)
            except Exception as error:  # noqa: BLE001
                self.error = f"{type(error).__name__}: {error}"
                await record_failure(self.pool, self.name, recorded.position, self.error)
                log.error(
                    "projection %s stopped at %s: %s",
                    self.name,
                    recorded.position.token(),
                    self.error,
                )
                return
            await self._advance_to(recorded.position)

    def _checkpoint_due(self) -> bool:
        return time.monotonic() - self._persisted_at >= IDLE_CHECKPOINT_SECONDS

    def _mark_persisted(self, position: Position) -> None:
        self.persisted = position
        self._persisted_at = time.monotonic()

    async def _advance_to(self, position: Position) -> None:
        self.position = position
        async with self._advanced:
            self._advanced.notify_all()

    async def wait_beyond(self, position: Position, timeout: float) -> Position:
        """Sleep until this projection moves past `position` (or the timeout); where it is."""
        async with self._advanced:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._advanced.wait_for(lambda: self.position > position), timeout
                )
        return self.position

    async def wait_for(self, position: Position, timeout: float) -> bool:
        """Read-your-writes: True once this projection has applied `position`."""
        async with self._advanced:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._advanced.wait_for(lambda: self.position >= position), timeout
                )
        return self.position >= position


class _HandlerFailed(Exception):
    pass


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
) -> None:
    async with pool.acquire() as connection, connection.transaction():
        # A read model can always be replayed, and its checkpoint commits with its rows: a
        # crash may lose the last batches together, never one without the other. So the
        # projection does not wait for its commit to reach the disk.
        await connection.execute("SET LOCAL synchronous_commit = off")
        if relevant:
            await projection.apply(connection, relevant, suffix)
        await move_checkpoint(connection, checkpoint_name or projection.name, start, end)


async def move_checkpoint(
    connection: asyncpg.Connection, name: str, start: Position, end: Position
) -> None:
    status = await connection.execute(
        """UPDATE projection_checkpoints
           SET transaction_id = $4, position = $5, state = 'running', error = NULL,
               failed_at = NULL, updated_at = now()
           WHERE name = $1 AND transaction_id = $2 AND position = $3""",
        name,
        start.transaction_id,
        start.position,
        end.transaction_id,
        end.position,
    )
    if status != "UPDATE 1":
        raise CheckpointMoved(name)


async def record_failure(pool: asyncpg.Pool, name: str, position: Position, error: str) -> None:
    await pool.execute(
        """UPDATE projection_checkpoints SET state = 'failed', error = $2, failed_at = $3,
           updated_at = now() WHERE name = $1""",
        name,
        error,
        position.token(),
    )
