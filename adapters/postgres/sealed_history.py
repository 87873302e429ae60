"""Sealing the personal data of events written before sealing existed (migration 0019).

Such rows hold their personal texts in the clear and name no subject, so forgetting a
subject cannot reach them. This pass finds every stream with such a row, loads the stream to
learn its data subject (as a save would name it), and rewrites each such row once, sealed
exactly as an append would seal it today (its state at the event class's current version);
a subject already forgotten gets the placeholder. Rows are only ever rewritten from clear to
sealed, the same fact in other bytes, and the pass can be interrupted and run again. A later
engineer wires it to the command line beside the master key's rewrap.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

from adapters.postgres.store import PostgresEventStore, decode_context, encode_context
from domain.personal import DataSubjects, personal_fields
from domain.register import recorded_classes

# Rows written before sealing that may hold a personal text: an event of a class with a
# personal field, or a context naming a customer's or guest's own device.
UNSEALED_STREAMS = """
SELECT DISTINCT stream_id FROM events
WHERE data_subject IS NULL
  AND (topic = ANY($1::text[])
       OR (context->>'device_id' IS NOT NULL
           AND context->'actor'->>'kind' IN ('customer', 'guest')))
"""
STREAM_ROWS = """
SELECT version, topic, schema_version, state, context, data_subject FROM events
WHERE stream_id = $1 ORDER BY version
"""
RESEAL = """
UPDATE events SET state = $3, context = $4, schema_version = $5, data_subject = $6
WHERE stream_id = $1 AND version = $2 AND data_subject IS NULL
"""


def personal_topics() -> list[str]:
    return [get_topic(cls) for cls in recorded_classes() if personal_fields(cls)]


async def seal_history(store: PostgresEventStore) -> int:
    """Seal every row written in the clear that holds personal data; returns how many."""
    stream_ids = [
        row["stream_id"] for row in await store.pool.fetch(UNSEALED_STREAMS, personal_topics())
    ]
    sealed = 0
    for stream_id in stream_ids:
        sealed += await _seal_stream(store, stream_id)
    return sealed


async def _seal_stream(store: PostgresEventStore, stream_id: UUID) -> int:
    rows = await store.pool.fetch(STREAM_ROWS, stream_id)
    events = await store.decoded(stream_id, rows)
    aggregate: Aggregate | None = None
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    subject = getattr(aggregate, "data_subject", None)
    subjects = DataSubjects({stream_id: subject} if subject is not None else {})
    changed = []
    for row, domain_event in zip(rows, events, strict=True):
        if row["data_subject"] is not None:
            continue
        context = decode_context(row["context"])
        [encoded], stored_context = await store.personal.encode([domain_event], context, subjects)
        if encoded.data_subject is not None:
            changed.append(
                (
                    stream_id,
                    row["version"],
                    encoded.state,
                    encode_context(stored_context),
                    encoded.schema_version,
                    encoded.data_subject,
                )
            )
    if changed:
        await store.pool.executemany(RESEAL, changed)
    return len(changed)
