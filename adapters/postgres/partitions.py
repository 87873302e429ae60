"""The partition rule of the partitioned layout: range partitions of the global position kept
ready ahead of the head, fired by the scheduler on every tick and once when a process opens
the database (migration 0021's partitioned file holds the SQL, omni_add_event_partitions)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import asyncpg
import msgspec

log = logging.getLogger(__name__)

# How long the rule waits to attach a partition. Attaching never waits for appends, but does
# wait for readers of the default partition (every read not pruned by position), and reads
# queue behind it meanwhile: this bounds that stall, and the next firing tries again.
LOCK_TIMEOUT = "100ms"
FIRE = "SELECT omni_add_event_partitions($1::bigint, $2::integer, $3::text)"
STATUS = """
SELECT count(*) AS partitions,
       coalesce(max(p.to_position), 0) AS covered_to,
       (SELECT CASE WHEN s.is_called THEN s.last_value ELSE 0 END
        FROM events_position_seq s) AS head,
       EXISTS (SELECT 1 FROM events_default) AS spilled
FROM event_partitions p
"""


class PartitionStatus(msgspec.Struct, frozen=True):
    count: int
    # Positions the range partitions hold past the head: room before rows spill.
    room: int
    # Rows went to the default partition: the rule was not fired in time (they stay there).
    spilled: bool


@dataclass(frozen=True)
class PartitionRule:
    """Keep `ahead` partitions of `size` positions past the head of the events table."""

    size: int
    ahead: int

    async def fire(self, database: asyncpg.Pool | asyncpg.Connection) -> int:
        """Create the partitions missing; 0 also when the events table was too busy to attach
        one within LOCK_TIMEOUT (the next firing tries again)."""
        try:
            created: int = await database.fetchval(FIRE, self.size, self.ahead, LOCK_TIMEOUT)
        except asyncpg.LockNotAvailableError:
            log.info("event partitions not extended: readers held the events table; next tick")
            return 0
        if created:
            log.info("created %d event partitions of %d positions", created, self.size)
        return created


async def partition_status(database: asyncpg.Pool | asyncpg.Connection) -> PartitionStatus:
    row = await database.fetchrow(STATUS)
    assert row is not None
    return PartitionStatus(
        count=row["partitions"],
        room=max(row["covered_to"] - 1 - row["head"], 0),
        spilled=row["spilled"],
    )
