"""Reads several followers in one process ask for at once, answered by one query.

Every projection runner of a process wakes on the same commit and asks for the same window
of the global order (they stand at the same position once caught up): with eight read
models that was eight queries per commit, each a pool checkout and a round trip, most of an
API process's CPU under writes. The first asks; the others share its answer while it is in
flight or, for `keep_seconds`, once it came. Callers put what must not be shared into the
key: the store keys window reads by the append signal's generation, so a reader woken by a
newer commit never gets an answer read before it. (An earlier answer is anyway a prefix of a
later one: rows become visible in global order.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class SharedReads(Generic[T]):
    """One in-flight (or just finished) read per key; a failed read is never shared later."""

    def __init__(self, keep_seconds: float = 0.05, keep_at_most: int = 8) -> None:
        self.keep_seconds, self.keep_at_most = keep_seconds, keep_at_most
        self._reads: dict[Hashable, tuple[float, asyncio.Future[T]]] = {}

    async def read(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> T:
        now = time.monotonic()
        kept = self._reads.get(key)
        if kept is None or not self._usable(kept, now):
            future: asyncio.Future[T] = asyncio.ensure_future(fetch())
            self._forget_old(now)
            self._reads[key] = (now, future)
            kept = (now, future)
        # A reader cancelled while waiting must not cancel the read others share.
        return await asyncio.shield(kept[1])

    def _usable(self, kept: tuple[float, asyncio.Future[T]], now: float) -> bool:
        """Still in flight, or answered successfully less than keep_seconds ago."""
        started, future = kept
        if not future.done():
            return True
        return not _failed(future) and now - started <= self.keep_seconds

    def _forget_old(self, now: float) -> None:
        for key, (at, future) in list(self._reads.items()):
            if now - at > self.keep_seconds and future.done():
                del self._reads[key]
        while len(self._reads) >= self.keep_at_most:
            del self._reads[next(iter(self._reads))]


def _failed(future: asyncio.Future[T]) -> bool:
    return future.done() and (future.cancelled() or future.exception() is not None)
