"""The first connection a process makes: when it fails for a reason the operator must fix (no
such database, a wrong password or user, nothing listening there), one sentence says which
and how to fix it, instead of asyncpg's traceback."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg

from adapters.postgres.pool import connect
from adapters.settings_checks import StartupError


class DatabaseUnusable(StartupError):
    """The database the settings name cannot be used as it is: nothing was done."""


@dataclass(frozen=True)
class Target:
    """Where a DSN points, as far as it says (asyncpg fills in the same defaults)."""

    source: str  # "DATABASE_URL", or the embedded server
    host: str
    port: int
    user: str
    database: str

    @classmethod
    def of(cls, dsn: str, source: str) -> Target:
        parts = urlsplit(dsn)
        query = parse_qs(parts.query)
        host = parts.hostname or query.get("host", ["localhost"])[0]
        user = unquote(parts.username or query.get("user", ["postgres"])[0])
        database = unquote(parts.path.lstrip("/")) or query.get("dbname", [user])[0]
        return cls(source, host, parts.port or 5432, user, database)

    @property
    def server(self) -> str:
        return f"{self.host}:{self.port}"


async def first_connection(dsn: str, source: str, schema: str | None = None) -> asyncpg.Connection:
    """A connection, or DatabaseUnusable saying in one sentence why there is none."""
    try:
        return await connect(dsn, schema=schema)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as error:
        raise DatabaseUnusable(explain(error, Target.of(dsn, source))) from error


def explain(error: Exception, target: Target) -> str:
    if isinstance(error, asyncpg.InvalidCatalogNameError):
        return _no_such_database(target)
    if isinstance(error, asyncpg.InvalidPasswordError):
        return (
            f"PostgreSQL on {target.server} refused the password of user {target.user!r} "
            f"given in {target.source}: correct it (postgresql://user:password@host:port/db)."
        )
    if isinstance(error, asyncpg.InvalidAuthorizationSpecificationError):
        return (
            f"PostgreSQL on {target.server} refused user {target.user!r} of {target.source} "
            f"({error}): use a role the server knows and lets in, or create it with "
            f"createuser -h {target.host} -p {target.port} {target.user}."
        )
    if isinstance(error, OSError):
        return (
            f"{target.source} points at {target.server}, where no PostgreSQL answers "
            f"({_why_unreachable(error)}): start the server there, or correct the host and "
            f"port in {target.source}."
        )
    return f"{target.source} cannot be used: PostgreSQL on {target.server} answered: {error}."


def _no_such_database(target: Target) -> str:
    return (
        f"{target.source} names the database {target.database!r} on {target.server}, which "
        f"does not exist: create it with createdb -h {target.host} -p {target.port} "
        f'-U {target.user} {target.database} (or CREATE DATABASE "{target.database}"; in '
        f"psql), or point {target.source} at a database that exists."
    )


def _why_unreachable(error: OSError) -> str:
    if isinstance(error, socket.gaierror):
        return "the host name does not resolve"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, ConnectionRefusedError) or "refused" in str(error).lower():
        return "connection refused"
    return error.strerror or str(error)
