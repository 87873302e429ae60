"""Aggregates' latest states, kept in memory by the process that saved them.

Loading an aggregate replays the events after its last stored snapshot: up to 99 of them,
~3.3 us each to decode and apply, and most of an add-to-cart's own CPU. A state encoded
just after each save (~6 us) and decoded at the next load (~10 us) leaves only the events
other processes appended since, which the load still reads from the database: a state held
here is a shortcut, never the truth. Its personal attributes are sealed as in a snapshot, and
every state is dropped when any subject is forgotten.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from uuid import UUID

import msgspec

MAX_STATES = 20_000  # a cart's state is ~1 KB encoded


class RecentState(msgspec.Struct, frozen=True):
    version: int
    topic: str
    state: bytes  # personal attributes sealed, as in a stored snapshot
    taken_at: datetime
    data_subject: str | None = None


class RecentStates:
    """A bounded LRU of encoded aggregate states by stream."""

    def __init__(self, capacity: int = MAX_STATES) -> None:
        self.capacity = capacity
        self._states: OrderedDict[UUID, RecentState] = OrderedDict()

    def get(self, stream_id: UUID) -> RecentState | None:
        recent = self._states.get(stream_id)
        if recent is not None:
            self._states.move_to_end(stream_id)
        return recent

    def clear(self) -> None:
        """A subject was forgotten: nothing derived from their data is kept."""
        self._states.clear()

    def put(self, stream_id: UUID, recent: RecentState) -> None:
        known = self._states.get(stream_id)
        if known is not None and known.version >= recent.version:
            return  # a concurrent command's later state got here first
        self._states[stream_id] = recent
        self._states.move_to_end(stream_id)
        if len(self._states) > self.capacity:
            self._states.popitem(last=False)
