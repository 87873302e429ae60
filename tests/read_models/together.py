"""Several read models as one, for a spec whose queries read the tables of more than one."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from domain.ports import RecordedEvent
from projections.runner import Projection


class Together(Projection):
    """`Together(A(), B())`: each part takes its own events of every batch, in order."""

    name = "together"

    def __init__(self, *parts: Projection) -> None:
        self.parts = parts
        self.topics = tuple(topic for part in parts for topic in part.topics)  # type: ignore[misc]
        self.tables = tuple(table for part in parts for table in part.tables)  # type: ignore[misc]
        self.schema = "".join(part.schema for part in parts)  # type: ignore[misc]

    async def create_tables(self, connection: asyncpg.Connection, suffix: str = "") -> None:
        for part in self.parts:
            await part.create_tables(connection, suffix)

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        for part in self.parts:
            mine = [e for e in batch if e.topic.startswith(part.topics)]
            if mine:
                await part.apply(connection, mine, suffix)
