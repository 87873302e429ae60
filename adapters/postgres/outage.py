"""What "the database is unavailable, try again" means, in one place.

A restart, a failover or an overloaded server surfaces through asyncpg as many exception
types: a refused or reset socket (OSError), a connection closed under a query
(ConnectionDoesNotExistError, InterfaceError), a server shutting down or starting up
(AdminShutdownError, CannotConnectNowError), too many connections, and even
InternalClientError: a pooled connection that received the server's FATAL message while idle
is handed out before asyncpg has noticed it closing ("cannot switch to state 12; another
operation (2) is in progress"). None of these says anything about the request: the same
request succeeds once the database answers again.

`is_unavailable(error)` recognises them (the projection runner, the scheduler and the API's
error mapping ask it); `is_transient(error)` adds the errors of a transaction that lost a
race (deadlock, serialization, lock or statement timeout): retry the whole unit of work.
`Outage` is a process's view of one outage: logged once, and the pool's connections replaced
when it starts and when it ends, so broken connections do not fail one request each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Protocol

import asyncpg
from asyncpg.exceptions import _base as asyncpg_base

log = logging.getLogger(__name__)


class DatabaseUnavailable(Exception):
    """The database cannot be reached right now: nothing was done, try again later."""

    code = "UNAVAILABLE"
    retry_after_seconds = 1


# The database is unreachable, going down, starting up or out of room for us.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseUnavailable,
    OSError,  # refused, reset, unreachable; TimeoutError too
    asyncpg.PostgresConnectionError,  # class 08, incl. ConnectionDoesNotExistError
    asyncpg.InterfaceError,  # "connection is closed", "pool is closing"
    asyncpg.exceptions.CannotConnectNowError,  # 57P03: starting up, shutting down
    asyncpg.exceptions.AdminShutdownError,  # 57P01: fast or smart shutdown
    asyncpg.exceptions.CrashShutdownError,  # 57P02: another backend crashed
    asyncpg.exceptions.IdleSessionTimeoutError,  # 57P05
    asyncpg.exceptions.InsufficientResourcesError,  # class 53: too many connections, disk full
    asyncpg_base.InternalClientError,  # a connection the server cut, still in the pool
)

# Misuse of the driver, not an outage: retrying would fail the same way.
NOT_OUTAGES: tuple[type[BaseException], ...] = (
    asyncpg_base.DataError,  # an argument of the wrong type
    asyncpg_base.ClientConfigurationError,
    asyncpg_base.UnsupportedClientFeatureError,
    asyncpg_base.UnsupportedServerFeatureError,
    asyncpg_base.OutdatedSchemaCacheError,
)

# The transaction lost a race or ran out of time: it rolled back and can simply run again.
RACE_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.TransactionRollbackError,  # class 40: deadlock, serialization failure
    asyncpg.exceptions.LockNotAvailableError,  # 55P03: lock_timeout
    asyncpg.exceptions.QueryCanceledError,  # 57014: statement_timeout
    asyncpg_base.OutdatedSchemaCacheError,  # a cached statement predates a schema change
)

# Causes are followed this deep: an error raised `from` an outage is one too.
MAX_CAUSES = 5


def is_unavailable(error: BaseException) -> bool:
    """True when `error` (or what it was raised from) means the database is unavailable:
    nothing is wrong with the request, and the same request can be sent again later."""
    for _ in range(MAX_CAUSES):
        if isinstance(error, UNAVAILABLE_ERRORS) and not isinstance(error, NOT_OUTAGES):
            return True
        if error.__cause__ is None:
            return False
        error = error.__cause__
    return False


def is_transient(error: BaseException) -> bool:
    """True when running the same unit of work again may well succeed: an outage, or a
    transaction that lost a race."""
    return is_unavailable(error) or isinstance(error, RACE_ERRORS)


def describe(error: BaseException) -> str:
    """The error's type and message, for logs and reports (a timeout has no message)."""
    message = str(error)
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


PROBE_SECONDS = 0.5
PROBE_TIMEOUT_SECONDS = 2.0


class OutageObserver(Protocol):
    def observe(self, error: BaseException, doing: str = "") -> bool:
        """True when `error` means the database is unavailable (see is_unavailable)."""
        ...


class Outage:
    """One process's view of database outages, shared by everything that uses its pool.

    `observe(error)` says whether an error is an outage; the first one of an outage is logged
    as one warning (the rest are counted, not logged), the pool is told to replace its
    connections, and a probe watches for the database to answer again, then logs how long
    the outage lasted and renews the pool's connections once more.
    """

    def __init__(self, pool: asyncpg.Pool, probe_seconds: float = PROBE_SECONDS) -> None:
        self.pool = pool
        self.probe_seconds = probe_seconds
        self.started_at: float | None = None
        self.refused = 0
        self.outages = 0
        self._probe: asyncio.Task[None] | None = None

    @property
    def ongoing(self) -> bool:
        return self.started_at is not None

    def observe(self, error: BaseException, doing: str = "") -> bool:
        """True when `error` means the database is unavailable (see is_unavailable)."""
        if not is_unavailable(error):
            return False
        self.refused += 1
        if self.started_at is None:
            self.started_at = time.monotonic()
            self.outages += 1
            log.warning(
                "database unavailable%s (%s); answering 'try again later' until it is back",
                f" while {doing}" if doing else "",
                describe(error),
            )
            self._probe = asyncio.get_running_loop().create_task(self._until_back())
        return True

    async def _until_back(self) -> None:
        await self.pool.expire_connections()
        while True:
            await asyncio.sleep(self.probe_seconds)
            with contextlib.suppress(Exception):  # still down: whatever it says, look again
                await asyncio.wait_for(self.pool.fetchval("SELECT 1"), PROBE_TIMEOUT_SECONDS)
                break
        assert self.started_at is not None
        log.info(
            "database available again after %.1f s; %d operations were refused meanwhile",
            time.monotonic() - self.started_at,
            self.refused,
        )
        # Connections opened while it was coming back may be half-broken: start afresh.
        await self.pool.expire_connections()
        self.started_at, self.refused = None, 0

    async def close(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            await asyncio.gather(self._probe, return_exceptions=True)
