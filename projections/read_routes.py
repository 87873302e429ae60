"""Where a query reads: the primary, or a streaming replica (OMNI_READ_DATABASE_URL), and how a
read with a position token waits until the place it reads from shows that position.

On a replica, the exact test is the read models' checkpoints as the replica shows them: a batch's
rows and its checkpoint commit in one transaction, and physical replication replays commits in
order, so a replica whose checkpoint of a projection is at P shows every row of P and before.
(The replica's replay LSN against an LSN of the append would say the *events* arrived, not that
the projection had applied them.) A wait first waits on the primary's projections (woken by the
primary's notifications, as without replicas), then polls the replica's checkpoints: one query
for every waiter of the process, and only while someone waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import asyncpg

from adapters.postgres.outage import DatabaseUnavailable
from adapters.postgres.replicas import STREAMING, Replica, ReplicaSet
from domain.ports import Position
from projections.supervisor import ProjectionSupervisor

# A replica usually replays a commit within a millisecond of the primary. While anyone waits,
# its checkpoints are read this often (one query for every waiter of the process).
POLL_SECONDS = 0.002
# After a failed read of a replica's checkpoints, before the next.
FAILED_POLL_SECONDS = 0.1

CHECKPOINTS = "SELECT name, transaction_id, position FROM projection_checkpoints"


class ReplicaCheckpoints:
    """Where the read models stand as one replica shows them."""

    def __init__(self, replica: Replica) -> None:
        self.replica = replica
        self.positions: dict[str, Position] = {}
        self._changed = asyncio.Event()
        self._waiters = 0
        self._polling: asyncio.Task[None] | None = None

    def shows(self, position: Position, names: Sequence[str]) -> bool:
        return all(self.positions.get(name, Position()) >= position for name in names)

    async def wait_for(self, position: Position, names: Sequence[str], timeout: float) -> bool:
        """True once the replica shows `position` for every named read model; False after
        `timeout`, or at once when the replica stops answering."""
        if self.shows(position, names):  # as the last look found it: no query
            return True
        deadline = time.monotonic() + timeout
        self._waiters += 1
        try:
            self._keep_polling()
            while not self.shows(position, names):
                left = deadline - time.monotonic()
                if left <= 0 or not self.replica.usable:
                    return False
                changed = self._changed
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), left)
            return True
        finally:
            self._waiters -= 1

    def _keep_polling(self) -> None:
        if self._polling is None or self._polling.done():
            self._polling = asyncio.create_task(self._poll())

    async def _poll(self) -> None:
        while self._waiters:
            delay = POLL_SECONDS
            try:
                rows = await self.replica.pool.fetch(CHECKPOINTS)
            except Exception as error:  # noqa: BLE001 - the replica's probe says what it is
                self.replica.observe(error, "reading its checkpoints")
                self._wake()
                delay = FAILED_POLL_SECONDS
            else:
                self._update(rows)
            await asyncio.sleep(delay)

    def _update(self, rows: Sequence[asyncpg.Record]) -> bool:
        moved = False
        for row in rows:
            position = Position(row["transaction_id"], row["position"])
            if position > self.positions.get(row["name"], Position()):
                self.positions[row["name"]] = position
                moved = True
        if moved:
            self._wake()
        return moved

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def stop(self) -> None:
        if self._polling is not None:
            self._polling.cancel()
            await asyncio.gather(self._polling, return_exceptions=True)


@dataclass(frozen=True)
class Route:
    """Where one request reads: a replica's pool, or the primary's (`replica` None)."""

    pool: asyncpg.Pool
    replica: ReplicaCheckpoints | None = None


class ReadRoutes:
    """The primary and the replicas of a process, and the rule between them."""

    def __init__(
        self,
        primary: asyncpg.Pool,
        projections: ProjectionSupervisor,
        replicas: ReplicaSet | None = None,
        *,
        fallback: Literal["stale", "primary"] = "stale",
        replica_wait: float = 1.0,
    ) -> None:
        self.primary = Route(primary)
        self.projections = projections
        self.replicas = replicas
        self.fallback = fallback
        self.replica_wait = replica_wait
        self._checkpoints = {
            replica.label: ReplicaCheckpoints(replica)
            for replica in (replicas.replicas if replicas else ())
        }

    @property
    def replicated(self) -> bool:
        return self.replicas is not None

    def route(self) -> Route:
        """A replica, in turn, for a query; the primary when there is none. With no replica
        answering: the primary when reads may fall back to it, else DatabaseUnavailable."""
        if self.replicas is None:
            return self.primary
        replica = self.replicas.choose()
        if replica is not None and (self.fallback == "stale" or replica.state == STREAMING):
            return Route(replica.pool, self._checkpoints[replica.label])
        if self.fallback == "primary":
            return self.primary
        raise DatabaseUnavailable("no read replica answers")

    async def showing(
        self, route: Route, position: Position, names: Sequence[str], timeout: float
    ) -> tuple[Route, bool]:
        """Wait until `route` shows `position` for every named read model: the route to read
        from (the primary, when falling back) and whether it shows it."""
        deadline = time.monotonic() + timeout
        if not await self.projections.wait_for(position, timeout, names):
            return route, False  # the read models themselves are behind, wherever one reads
        if route.replica is None:
            return route, True
        left = max(deadline - time.monotonic(), 0.0)
        if self.fallback == "primary":
            left = min(left, self.replica_wait)
        if await route.replica.wait_for(position, names, left):
            return route, True
        if self.fallback == "primary":
            return self.primary, True
        if not route.replica.replica.usable:  # it stopped answering: no read there would
            raise DatabaseUnavailable(f"read replica {route.replica.replica.label} unavailable")
        return route, False

    def report(self) -> list[dict[str, object]]:
        return self.replicas.report() if self.replicas is not None else []

    async def close(self) -> None:
        for checkpoints in self._checkpoints.values():
            await checkpoints.stop()
        if self.replicas is not None:
            await self.replicas.close()
