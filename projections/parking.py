"""The sequenced dead-letter policy of a projection's writer (its runner, or a rebuild).

A batch is applied as one transaction with its checkpoint move, as before. When a handler
fails for a reason that is not transient, that transaction rolls back and the batch is applied
again in a second one, halving it under savepoints until each failing event stands alone:
that event's stream is parked (the event recorded as a dead letter with its error), later
events of the stream are parked behind it, and every other event is applied; the dead
letters and the checkpoint move commit together. So a crash at any point neither loses nor
repeats an event, and no read-model row is built out of order.

The happy path pays nothing for this: with no stream parked, a batch is not even looked at.
Transient errors (an outage, a lost race, a checkpoint moved elsewhere) are raised to the
runner, which pauses and starts over from its checkpoint as it always did.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import UUID

import asyncpg

from adapters.postgres.outage import describe, is_transient
from domain.ports import Position, RecordedEvent
from projections.dead_letters import DeadLetter, parked_heads, record
from projections.tracking import (
    CheckpointMoved,
    Projection,
    apply_batch,
    commit_for_readers,
    load_checkpoint,
    move_checkpoint,
)

log = logging.getLogger(__name__)

Parked = dict[UUID, Position]


def not_the_handlers_fault(error: Exception) -> bool:
    """Start over from the checkpoint (after a pause, for outages) rather than park a stream:
    the checkpoint moved elsewhere, or the database failed under the batch."""
    return isinstance(error, CheckpointMoved) or is_transient(error)


class StreamParking:
    """Applies batches for one writer of `projection` into the tables with `suffix`, under the
    checkpoint and dead letters named `name`; `parked` is what this writer has parked."""

    def __init__(self, projection: Projection, name: str | None = None, suffix: str = "") -> None:
        self.projection = projection
        self.name = name or projection.name
        self.suffix = suffix
        self.parked: Parked = {}

    async def load(self, pool: asyncpg.Pool) -> None:
        """What is parked, as the table says: at the start of every run."""
        self.parked = await parked_heads(pool, self.name)

    async def write(
        self,
        pool: asyncpg.Pool,
        start: Position,
        end: Position,
        events: Sequence[RecordedEvent],
        *,
        caught_up: bool = False,
    ) -> None:
        """Apply `events` and move the checkpoint from `start` to `end`, parking what cannot
        be applied. Raises only what is not the handlers' fault."""
        fresh, behind = list(events), list[RecordedEvent]()
        if self.parked:  # only then is a batch looked at, event by event
            fresh, behind = _split(events, self.parked)
        try:
            await apply_batch(
                pool,
                self.projection,
                start,
                end,
                fresh,
                self.suffix,
                self.name,
                caught_up=caught_up,
                dead_letters=[DeadLetter.of(r) for r in behind],
            )
        except Exception as error:
            if not_the_handlers_fault(error):
                raise
        else:
            return
        # A handler failed (or a concurrent writer made it fail): find what, outside the
        # except clause so that what gets parked is not logged as raised from this.
        if await load_checkpoint(pool, self.name) != start:
            raise CheckpointMoved("moved during the batch")
        await self._write_isolating(pool, start, end, events, caught_up)

    async def _write_isolating(
        self,
        pool: asyncpg.Pool,
        start: Position,
        end: Position,
        events: Sequence[RecordedEvent],
        caught_up: bool,
    ) -> None:
        async with pool.acquire() as connection, connection.transaction():
            await commit_for_readers(connection)
            parked = await self.apply_in(connection, events)
            await move_checkpoint(connection, self.name, start, end, caught_up=caught_up)
        self.parked = parked

    async def apply_in(
        self,
        connection: asyncpg.Connection,
        events: Sequence[RecordedEvent],
        parked_before: Parked | None = None,
    ) -> Parked:
        """Within the caller's transaction: apply what can be, park the rest. Returns what
        is parked (counting from `parked_before`, else `parked`) once it commits."""
        before = self.parked if parked_before is None else parked_before
        parked, letters = dict(before), list[DeadLetter]()
        await self._settle(connection, events, parked, letters)
        await record(connection, self.name, letters)
        return parked

    async def _settle(
        self,
        connection: asyncpg.Connection,
        events: Sequence[RecordedEvent],
        parked: Parked,
        letters: list[DeadLetter],
    ) -> None:
        """Apply `events` in order; a failing half is halved again, down to the one event
        whose stream it parks. Halves go in order, so parking follows the stream's order."""
        fresh, behind = _split(events, parked)
        letters += [DeadLetter.of(r) for r in behind]
        if not fresh:
            return
        error = await self._attempt(connection, fresh)
        if error is None:
            return
        if len(fresh) > 1:
            half = len(fresh) // 2
            await self._settle(connection, fresh[:half], parked, letters)
            await self._settle(connection, fresh[half:], parked, letters)
            return
        head = fresh[0]
        parked[head.stream_id] = head.position
        letters.append(DeadLetter.of(head, describe(error)))
        log.error(
            "projection %s parked stream %s at event %s (%s): %s",
            self.name,
            head.stream_id,
            head.position.token(),
            head.topic,
            describe(error),
            exc_info=error,
        )

    async def _attempt(
        self, connection: asyncpg.Connection, events: Sequence[RecordedEvent]
    ) -> Exception | None:
        """Apply under a savepoint: the handler's error, with nothing of it kept."""
        try:
            async with connection.transaction():
                await self.projection.apply(connection, events, self.suffix)
        except Exception as error:  # a poison event or a handler's bug: the caller parks
            if not_the_handlers_fault(error):
                raise
            return error
        return None


def _split(
    events: Sequence[RecordedEvent], parked: Parked
) -> tuple[list[RecordedEvent], list[RecordedEvent]]:
    """The events to apply, and those of parked streams, which wait behind their head."""
    fresh, behind = list[RecordedEvent](), list[RecordedEvent]()
    for recorded in events:
        (behind if recorded.stream_id in parked else fresh).append(recorded)
    return fresh, behind
