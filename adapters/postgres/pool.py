"""asyncpg pools with the codecs every connection needs."""

from __future__ import annotations

import asyncpg

JSONB_VERSION = b"\x01"


async def init_connection(connection: asyncpg.Connection) -> None:
    # jsonb travels as msgspec bytes in binary format: no str round trip on either side.
    await connection.set_type_codec(
        "jsonb",
        schema="pg_catalog",
        encoder=lambda value: JSONB_VERSION + value,
        decoder=lambda value: value[1:],
        format="binary",
    )


async def keep_session(connection: asyncpg.Connection) -> None:
    """Pooled connections keep no session state of ours (LISTEN and advisory leases live on
    dedicated connections; settings are SET LOCAL), so the default reset query
    (RESET ALL, UNLISTEN *, ...) on every release would only double the round trips."""


async def create_pool(
    dsn: str,
    *,
    schema: str | None = None,
    min_size: int = 2,
    max_size: int = 10,
    timeout: float = 60.0,
) -> asyncpg.Pool:
    """`timeout` bounds each connection attempt (asyncpg's default is a minute)."""
    settings = {"search_path": schema} if schema else {}
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=init_connection,
        reset=keep_session,
        server_settings={"application_name": "omnicommerce", **settings},
        timeout=timeout,
    )
    assert pool is not None
    return pool


async def connect(dsn: str, *, schema: str | None = None) -> asyncpg.Connection:
    settings = {"search_path": schema} if schema else {}
    connection = await asyncpg.connect(
        dsn, server_settings={"application_name": "omnicommerce", **settings}
    )
    await init_connection(connection)
    return connection
