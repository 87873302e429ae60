"""Which streams each projection has parked, in memory, for the reads that must say so.

A read of a row keyed by a parked stream answers STALE_READ naming the projection. It asks
this index, never the database: with nothing parked anywhere the answer is one truth test.
The index is loaded once, then replaced from the table whenever the dead letters change
(their notification, from any process) and updated at once by this process's own runners.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from uuid import UUID

from domain.ports import Position

Streams = Mapping[UUID, Position]


class ParkedIndex:
    def __init__(self) -> None:
        self._parked: dict[str, Streams] = {}

    def __bool__(self) -> bool:
        return bool(self._parked)

    def head(self, projection: str, stream_id: UUID) -> Position | None:
        """Where the stream is parked in `projection` (its first parked event), if it is."""
        streams = self._parked.get(projection)
        return streams.get(stream_id) if streams else None

    def parked_in(
        self, projections: Iterable[str], stream_ids: Iterable[UUID]
    ) -> list[tuple[str, UUID, Position]]:
        """(projection, stream, head) for each of the streams parked in the projections."""
        if not self._parked:
            return []
        wanted = list(stream_ids)
        return [
            (name, stream_id, head)
            for name in projections
            for stream_id in wanted
            if (head := self.head(name, stream_id)) is not None
        ]

    def replace(self, parked: Mapping[str, Streams]) -> None:
        """Everything, as the table says now."""
        self._parked = {name: dict(streams) for name, streams in parked.items() if streams}

    def update(self, projection: str, streams: Streams) -> None:
        """One projection's, as its runner here just committed them."""
        parked = dict(self._parked)
        if streams:
            parked[projection] = dict(streams)
        else:
            parked.pop(projection, None)
        self._parked = parked
