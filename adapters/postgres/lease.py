"""Leases: one active worker per projection or relay across processes, as a session
advisory lock that goes with its connection."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg

from adapters.postgres.outage import RACE_ERRORS, UNAVAILABLE_ERRORS
from adapters.postgres.pool import connect

# Kept for callers that catch a tuple; `is_transient` (adapters/postgres/outage.py) is exact:
# it also leaves out driver misuse such as a DataError, which retrying cannot cure.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (*UNAVAILABLE_ERRORS, *RACE_ERRORS)
RELEASE_TIMEOUT_SECONDS = 2.0


# Advisory locks are cluster-wide: the schema keeps two deployments on one server apart. The
# kind keeps a projection and a relay of the same name apart (':projection:<name>' as before).
LEASE_KEY = "hashtext(current_schema() || ':' || $2::text || ':' || $1::text)"


class Lease:
    """One active worker per projection (or relay) across processes: a session advisory lock,
    held on a connection of its own (opened from `dsn`, else taken from the pool), that goes
    with the connection when its process dies. `lost` is set when that connection closes."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        name: str,
        dsn: str | None = None,
        schema: str | None = None,
        kind: str = "projection",
    ) -> None:
        self.pool, self.name, self.dsn, self.schema, self.kind = pool, name, dsn, schema, kind
        self.lost = asyncio.Event()
        self._connection: asyncpg.Connection | None = None

    async def try_acquire(self) -> bool:
        if self._connection is None or self._connection.is_closed():
            await self.release()
            await self._open()
        assert self._connection is not None
        acquired = await self._connection.fetchval(
            f"SELECT pg_try_advisory_lock({LEASE_KEY})", self.name, self.kind
        )
        return bool(acquired)

    async def _open(self) -> None:
        self.lost.clear()
        if self.dsn is not None:
            self._connection = await connect(self.dsn, schema=self.schema)
        else:
            self._connection = await self.pool.acquire()
        self._connection.add_termination_listener(self._closed)

    def _closed(self, _: object) -> None:
        self.lost.set()

    @property
    def alive(self) -> bool:
        return self._connection is not None and not self._connection.is_closed()

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        connection.remove_termination_listener(self._closed)
        if self.dsn is not None:
            with contextlib.suppress(Exception):  # a session that ends takes its lock along
                await connection.close(timeout=RELEASE_TIMEOUT_SECONDS)
            return
        try:
            # Pooled connections are not reset on release (adapters/postgres/pool.py).
            await asyncio.wait_for(
                connection.execute(f"SELECT pg_advisory_unlock({LEASE_KEY})", self.name, self.kind),
                RELEASE_TIMEOUT_SECONDS,
            )
        except Exception:  # noqa: BLE001 - never hand the pool a connection still holding it
            connection.terminate()
        finally:
            await self.pool.release(connection)


async def lease_holder(pool: asyncpg.Pool, name: str, kind: str = "projection") -> int | None:
    """The backend pid holding the projection's lease (None: no worker is active), so a
    'running' row left by a killed worker can be told from a live one."""
    return await pool.fetchval(
        """SELECT pid FROM pg_locks
           WHERE locktype = 'advisory' AND granted AND objsubid = 1
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
             AND ((classid::bigint << 32) | objid::bigint)
                 = """
        + LEASE_KEY
        + "::bigint",
        name,
        kind,
    )
