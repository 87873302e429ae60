"""The two layouts of the events table (OMNI_EVENTS_LAYOUT), chosen when a schema is created.

plain:       one table; its primary key (stream_id, version) refuses a stale writer.
partitioned: range partitions of the global position (migration 0021's partitioned file);
             each stream's version lives in `streams`, moved by compare-and-set in the same
             statement as the events (docs/decisions/2026-12-06-partitioned-events.md).

A schema keeps the layout it was created with: a process set for the other one is refused at
start with one sentence, never run against it (a plain process would bypass `streams`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import asyncpg

from adapters.postgres.migrate import migrate
from adapters.settings_checks import StartupError

EventsLayout = Literal["plain", "partitioned"]
# Raised by the partitioned migration when the plain table it would replace holds events.
PLAIN_TABLE_IN_USE = "OL001"

# The common command changes one stream and carries no idempotency key (a cart line, a stock
# movement): one INSERT whose guard is evaluated once, on scalars. Only the first new version
# needs its predecessor to exist; the primary key refuses any version a racing writer took.
# No row back means the predecessor is missing: the writer's expected version is stale.
# (omni_append's guard runs per unnested row and cost ~65 us of server CPU per command.)
STREAM_GUARD = """WHERE ($2::integer = 1 OR EXISTS (
    SELECT 1 FROM events e WHERE e.stream_id = $1::uuid AND e.version = $2::integer - 1))"""

# Partitioned: no primary key to collide on, so the stream's row in `streams` moves from the
# version before the first new event to the last one, in the same statement: a new stream by
# inserting its row (a racing creator waits, then finds it: nothing inserted), a known one by
# updating it where it still holds that version (a racing writer waits on the row, then finds
# it moved: nothing updated). No row claimed, no event inserted: the writer is stale.
CLAIM_STREAM = """WITH claimed AS (
    INSERT INTO streams (stream_id, version)
    SELECT $1::uuid, {last} WHERE $2::integer = 1
    ON CONFLICT (stream_id) DO NOTHING
    RETURNING stream_id
), advanced AS (
    UPDATE streams s SET version = {last}
    WHERE $2::integer > 1 AND s.stream_id = $1::uuid AND s.version = $2::integer - 1
    RETURNING s.stream_id
)"""
CLAIMED = "WHERE EXISTS (SELECT 1 FROM claimed UNION ALL SELECT 1 FROM advanced)"

ONE_EVENT = """{claim}
INSERT INTO events (stream_id, version, topic, schema_version, state, context, data_subject)
SELECT $1::uuid, $2::integer, $3::text, $4::smallint, $5::jsonb, $6::jsonb, $7::text
{guard}
RETURNING transaction_id::text::bigint AS transaction_id, position
"""
SEVERAL_EVENTS = """{claim}
INSERT INTO events (stream_id, version, topic, schema_version, state, context, data_subject)
SELECT $1::uuid, $2::integer + n.ordinality::integer - 1, n.topic, n.schema_version, n.state,
       $6::jsonb, n.data_subject
FROM unnest($3::text[], $4::smallint[], $5::jsonb[], $7::text[]) WITH ORDINALITY
     AS n(topic, schema_version, state, data_subject, ordinality)
{guard}
RETURNING transaction_id::text::bigint AS transaction_id, position
"""


@dataclass(frozen=True)
class AppendStatements:
    """A one-stream append without a key: (stream_id, first version, topic(s), schema
    version(s), state(s), context, data subject(s)); it returns the rows inserted, none when
    stale."""

    one_event: str
    several_events: str


PLAIN = AppendStatements(
    ONE_EVENT.format(claim="", guard=STREAM_GUARD),
    SEVERAL_EVENTS.format(claim="", guard=STREAM_GUARD),
)
PARTITIONED = AppendStatements(
    ONE_EVENT.format(claim=CLAIM_STREAM.format(last="$2::integer"), guard=CLAIMED),
    SEVERAL_EVENTS.format(
        claim=CLAIM_STREAM.format(last="$2::integer + cardinality($3::text[]) - 1"),
        guard=CLAIMED,
    ),
)
APPEND_STATEMENTS: dict[str, AppendStatements] = {"plain": PLAIN, "partitioned": PARTITIONED}


async def layout_of(connection: asyncpg.Connection) -> EventsLayout | None:
    """The layout of the events table in the connection's schema; None before there is one."""
    kind = await connection.fetchval(
        "SELECT relkind::text FROM pg_class WHERE oid = to_regclass('events')"
    )
    if kind is None:
        return None
    return "partitioned" if kind == "p" else "plain"


async def migrate_in_layout(connection: asyncpg.Connection, layout: EventsLayout) -> list[int]:
    """Migrate the schema, a new one in `layout`; refuse a schema laid out otherwise."""
    try:
        applied = await migrate(connection, layout)
    except asyncpg.PostgresError as error:
        if error.sqlstate != PLAIN_TABLE_IN_USE:
            raise
        applied = []
    found = await layout_of(connection)
    if found != layout:
        schema = await connection.fetchval("SELECT current_schema()")
        raise StartupError(refusal(layout, found or "missing", schema))
    return applied


def refusal(wanted: str, found: str, schema: str) -> str:
    """Why a process set for one layout does not run on a schema created in the other."""
    if wanted == "partitioned":
        return (
            f"OMNI_EVENTS_LAYOUT is partitioned, but the events table of schema '{schema}' was "
            f"created {found}: a layout is chosen when a schema is created, and an existing "
            "table is not converted. Unset OMNI_EVENTS_LAYOUT to keep using it, "
            "or set OMNI_DATABASE_SCHEMA to a new schema for the partitioned layout."
        )
    return (
        f"OMNI_EVENTS_LAYOUT is {wanted}, but the events table of schema '{schema}' was "
        f"created {found}: set OMNI_EVENTS_LAYOUT={found} for every process that uses it "
        "(a process of the other layout would not check stream versions the same way)."
    )
