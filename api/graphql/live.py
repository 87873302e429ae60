"""What every subscription does: wake when its projection moves, re-read the view, and send
it only when it changed."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

from api.graphql.context import Info

T = TypeVar("T")
HEARTBEAT_SECONDS = 30.0


async def on_change(
    info: Info, projection: str, read: Callable[[], Awaitable[T]]
) -> AsyncGenerator[T, None]:
    runner = info.context.services.projections.runners[projection]
    seen = runner.position
    last: Any = object()
    while True:
        current = await read()
        if current != last:
            last = current
            yield current
        seen = await runner.wait_beyond(seen, HEARTBEAT_SECONDS)
