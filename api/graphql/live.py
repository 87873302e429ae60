"""What every subscription does: wake when its projection moves (the primary's notifications
tell every process), re-read the view where that position is visible, and send it only when it
changed."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

import asyncpg

from api.graphql.context import Info

T = TypeVar("T")
HEARTBEAT_SECONDS = 30.0


async def on_change(
    info: Info, projection: str, read: Callable[[asyncpg.Pool], Awaitable[T]]
) -> AsyncGenerator[T, None]:
    """`read(pool)` reads the view from the pool it is given: a replica once it shows the
    position the projection reached, or the primary."""
    runner = info.context.services.projections.runners[projection]
    seen = runner.position
    last: Any = object()
    while True:
        current = await read(await info.context.pool_showing(seen, (projection,)))
        if current != last:
            last = current
            yield current
        seen = await runner.wait_beyond(seen, HEARTBEAT_SECONDS)
