"""Following the global order live: read what is there, then sleep until an append is signalled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import msgspec

from domain.ports import Position, RecordedEvent

ReadAll = Callable[[Position, int, Sequence[str]], Awaitable[list[RecordedEvent]]]


# A follower woken by a commit waits this long before reading, so a burst is one read.
COALESCE_SECONDS = 0.002


class AppendSignal:
    """Counts appends seen; a waiter sleeps until the count moves past what it last saw.

    Each fire sets the event waiters hold and hangs up a fresh one. No lock: an
    asyncio.Condition here deadlocked when many of its waiters were cancelled at once (a
    cancelled waiter must take the lock back, and Python 3.11's Lock can lose that wakeup),
    which hung every shutdown that cancelled subscriptions and runners together."""

    def __init__(self) -> None:
        self.generation = 0
        self._next = asyncio.Event()

    def fire(self) -> None:
        self.generation += 1
        fired, self._next = self._next, asyncio.Event()
        fired.set()

    async def wait_beyond(self, generation: int, timeout: float) -> bool:
        if self.generation > generation:
            return True
        try:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation.
            async with asyncio.timeout(timeout):
                await self._next.wait()
        except TimeoutError:
            return False
        return True


async def follow(
    read_all: ReadAll,
    signal: AppendSignal,
    after: Position,
    *,
    batch_size: int = 1000,
    poll_interval: float = 1.0,
    topics: Sequence[str] = (),
) -> AsyncIterator[list[RecordedEvent]]:
    """Yield batches in global order forever; woken by append signals, polling as a fallback."""
    while True:
        seen = signal.generation
        batch = await read_all(after, batch_size, topics)
        if batch:
            after = batch[-1].position
            yield batch
            continue
        await signal.wait_beyond(seen, poll_interval)


class Window(msgspec.Struct, frozen=True):
    """The wanted events among the next rows of the global order, and where those rows end."""

    events: list[RecordedEvent]
    end: Position | None
    scanned: int
