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
    """Counts appends seen; a waiter sleeps until the count moves past what it last saw."""

    def __init__(self) -> None:
        self.generation = 0
        self._changed = asyncio.Condition()

    def fire(self) -> None:
        self.generation += 1
        asyncio.get_running_loop().create_task(self._notify_waiters())

    async def _notify_waiters(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_beyond(self, generation: int, timeout: float) -> bool:
        async with self._changed:
            try:
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.generation > generation), timeout
                )
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
