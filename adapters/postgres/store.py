# Over 300 lines: the event store contract of DESIGN §3, one class over one table.
"""The PostgreSQL event store on asyncpg (DESIGN §3)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from uuid import UUID

import asyncpg
import msgspec

from adapters.codec import EncodedEvent, EventCodec
from adapters.keys.master import MasterKeys
from adapters.keys.personal_data import PersonalData, context_subjects, open_context
from adapters.keys.postgres import KEYS_CHANNEL, PostgresKeyStore
from adapters.keys.sealing import Keys, KeyStore, opener
from adapters.postgres.layout import APPEND_STATEMENTS, EventsLayout, layout_of
from adapters.postgres.notify import AppendNotifier, Connect
from adapters.postgres.outage import Outage
from adapters.postgres.recent_states import RecentState, RecentStates
from adapters.postgres.shared_reads import SharedReads
from adapters.subscription import AppendSignal, Window, follow
from domain.errors import ConcurrencyError, EventDecodingError
from domain.personal import NO_SUBJECTS, DataSubject, DataSubjects
from domain.ports import AppendResult, DomainEvent, Position, RecordedEvent, Snapshot
from domain.values import Context

STALE_VERSION = "OC001"
DUPLICATE_KEY_DETAIL = re.compile(r"\(stream_id, version\)=\(([0-9a-f-]{36}), (\d+)\)")

APPEND = "SELECT * FROM omni_append($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"

READ_STREAM = """
SELECT version, topic, schema_version, state, data_subject FROM events
WHERE stream_id = $1 AND version > $2 ORDER BY version
"""

# An aggregate in one round trip: its snapshot (if any) first, then the events after it.
LOAD_STREAM = """
SELECT true AS is_snapshot, version, topic, 1::smallint AS schema_version, state, taken_at,
       data_subject
FROM snapshots WHERE stream_id = $1
UNION ALL
SELECT false, e.version, e.topic, e.schema_version, e.state, NULL, e.data_subject
FROM events e
WHERE e.stream_id = $1
  AND e.version > coalesce((SELECT version FROM snapshots WHERE stream_id = $1), 0)
ORDER BY is_snapshot DESC, version
"""

# Rows below the oldest running transaction can no longer be joined by an earlier commit.
READ_ALL = """
SELECT transaction_id::text::bigint AS transaction_id, position, stream_id, version, topic,
       schema_version, state, context, recorded_at, data_subject
FROM events e
WHERE (e.transaction_id, e.position) > ($1::text::xid8, $2)
  AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
  AND (cardinality($4::text[]) = 0 OR e.topic ^@ ANY ($4::text[]))
-- Qualified: the bare names would sort by the bigint aliases above, not the index.
ORDER BY e.transaction_id, e.position
LIMIT $3
"""

# The next window of the global order; only rows of the wanted topics carry their payload,
# so a follower decodes what it handles and still learns how far it has read.
READ_WINDOW = """
SELECT transaction_id::text::bigint AS transaction_id, position, stream_id, version, topic,
       schema_version, recorded_at, state, context, data_subject
FROM events e
WHERE (e.transaction_id, e.position) > ($1::text::xid8, $2)
  AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY e.transaction_id, e.position
LIMIT $3
"""

# Chosen events of one stream as the global log holds them (to re-apply parked ones).
READ_RECORDED = """
SELECT transaction_id::text::bigint AS transaction_id, position, stream_id, version, topic,
       schema_version, recorded_at, state, context, data_subject
FROM events e
WHERE e.stream_id = $1 AND e.version = ANY($2::int[])
ORDER BY e.version
"""

LAST_POSITION = """
SELECT e.transaction_id::text::bigint AS transaction_id, e.position FROM events e
WHERE e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1
"""

# How long a window read answers followers asking for the same window (shared_reads.py).
WINDOW_SHARED_SECONDS = 0.05

decode_context = msgspec.json.Decoder(Context).decode
encode_context = msgspec.json.Encoder().encode


class PostgresEventStore:
    """Append-only events: optimistic concurrency, idempotency keys, a gap-free global order."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        codec: EventCodec | None = None,
        keys: KeyStore | None = None,
        *,
        layout: EventsLayout,
        sealing: bool = True,
    ) -> None:
        """`layout` is the events table's (layout.py): it decides how a stale writer is told."""
        self.pool = pool
        self.layout = layout
        self.statements = APPEND_STATEMENTS[layout]
        self.codec = codec or EventCodec()
        self.keys = keys or PostgresKeyStore(pool, MasterKeys.development())
        # Personal texts sealed with their subject's key (adapters/keys/personal_data.py).
        self.personal = PersonalData(self.codec, self.keys, sealing)
        self.signal = AppendSignal()
        self.notifier = AppendNotifier(self.signal)
        self.recent = RecentStates()
        # This process's view of database outages, shared by all that use the pool.
        self.outage = Outage(pool)
        self._windows: SharedReads[list[asyncpg.Record]] = SharedReads(WINDOW_SHARED_SECONDS)
        # Only reads in flight (and of the same generation of appends signalled).
        self._heads: SharedReads[asyncpg.Record | None] = SharedReads(0.0)

    @classmethod
    async def on_pool(cls, pool: asyncpg.Pool, keys: KeyStore | None = None) -> PostgresEventStore:
        """A store for a schema that exists, in the layout it was created with."""
        async with pool.acquire() as connection:
            layout = await layout_of(connection)
        if layout is None:
            raise LookupError("the schema has no events table: migrate it first")
        return cls(pool, keys=keys, layout=layout)

    async def start_listening(self, connect: Connect) -> None:
        """Wake this process's followers on appends committed by any process; `connect` opens
        the listening connection (again, whenever it is lost). A subject forgotten by any
        process is forgotten here too: its key, and every state remembered."""
        await self.notifier.subscribe(KEYS_CHANNEL, self._forgotten_elsewhere)
        await self.notifier.start(connect)

    def _forgotten_elsewhere(self) -> None:
        self.keys.clear_cache()
        self.recent.clear()

    async def forget(self, subject: DataSubject) -> list[DataSubject]:
        """Crypto-shred a data subject: their key and the keys of the guests linked to them
        are deleted for good in one transaction, and every process drops what it holds.
        Their personal texts then read as the placeholder, everywhere: events, snapshots,
        remembered states. Returns every subject forgotten."""
        forgotten = await self.keys.forget(subject)
        self.recent.clear()
        return [DataSubject(name) for name in forgotten]

    async def stop_listening(self) -> None:
        await self.notifier.stop()
        await self.outage.close()

    async def append(
        self,
        events: Sequence[DomainEvent],
        context: Context,
        idempotency_key: str | None = None,
        outcome: bytes = b"",
        fingerprint: bytes = b"",
        subjects: DataSubjects = NO_SUBJECTS,
    ) -> AppendResult:
        if not events and idempotency_key is None:
            return AppendResult(Position())
        encoded, stored_context = await self.personal.encode(events, context, subjects)
        context_bytes = encode_context(stored_context)
        try:
            if idempotency_key is None and _one_stream_in_order(encoded):
                result = await self._append_to_stream(encoded, context_bytes)
            else:
                result = await self._append(
                    encoded, context_bytes, idempotency_key, outcome, fingerprint
                )
        except asyncpg.UniqueViolationError as error:
            raise _concurrency_error(error) from None
        if not result.replayed:
            self.notifier.committed()
        return result

    async def _append_to_stream(
        self, encoded: list[EncodedEvent], context_bytes: bytes
    ) -> AppendResult:
        first = encoded[0]
        if len(encoded) == 1:
            rows = await self.pool.fetch(
                self.statements.one_event,
                first.stream_id,
                first.version,
                first.topic,
                first.schema_version,
                first.state,
                context_bytes,
                first.data_subject,
            )
        else:
            rows = await self.pool.fetch(
                self.statements.several_events,
                first.stream_id,
                first.version,
                [e.topic for e in encoded],
                [e.schema_version for e in encoded],
                [e.state for e in encoded],
                context_bytes,
                [e.data_subject for e in encoded],
            )
        if not rows:
            raise ConcurrencyError(first.stream_id, first.version - 1)
        last = max(rows, key=lambda row: row["position"])
        return AppendResult(Position(last["transaction_id"], last["position"]))

    async def _append(
        self,
        encoded: list[EncodedEvent],
        context_bytes: bytes,
        idempotency_key: str | None,
        outcome: bytes,
        fingerprint: bytes,
    ) -> AppendResult:
        """Several streams, or an idempotency key: omni_append, in one round trip."""
        try:
            row = await self.pool.fetchrow(
                APPEND,
                [e.stream_id for e in encoded],
                [e.version for e in encoded],
                [e.topic for e in encoded],
                [e.schema_version for e in encoded],
                [e.state for e in encoded],
                [context_bytes] * len(encoded),
                idempotency_key,
                outcome,
                fingerprint,
                [e.data_subject for e in encoded],
            )
        except asyncpg.PostgresError as error:
            if error.sqlstate == STALE_VERSION:
                raise ConcurrencyError(UUID(error.detail)) from None
            raise
        assert row is not None
        return AppendResult(
            Position(row["transaction_id"], row["last_position"]),
            replayed=row["replayed"],
            outcome=bytes(row["outcome"]),
            fingerprint=bytes(row["fingerprint"]),
        )

    async def read_stream(self, stream_id: UUID, after_version: int = 0) -> list[DomainEvent]:
        rows = await self.pool.fetch(READ_STREAM, stream_id, after_version)
        return await self.decoded(stream_id, rows)

    async def decoded(self, stream_id: UUID, rows: list[asyncpg.Record]) -> list[DomainEvent]:
        """Rows of one stream as events, their personal texts opened."""
        keys = await self.personal.keys_for({r["data_subject"] for r in rows})
        decode = self.personal.decode
        return [
            decode(
                keys,
                stream_id,
                r["version"],
                r["topic"],
                r["schema_version"],
                r["state"],
                r["data_subject"],
            )
            for r in rows
        ]

    async def history(
        self, stream_id: UUID, limit: int, before_version: int | None = None
    ) -> list[RecordedEvent]:
        """A stream's events with who recorded them and when, newest first: a ledger."""
        rows = await self.pool.fetch(
            """SELECT transaction_id::text::bigint AS transaction_id, position, stream_id,
                      version, topic, schema_version, state, context, recorded_at, data_subject
               FROM events WHERE stream_id = $1 AND ($2::int IS NULL OR version < $2)
               ORDER BY version DESC LIMIT $3""",
            stream_id,
            before_version,
            limit,
        )
        return await self._recorded_rows(rows)

    async def latest_snapshot(self, stream_id: UUID) -> Snapshot | None:
        row = await self.pool.fetchrow(
            """SELECT version, topic, state, taken_at, data_subject FROM snapshots
               WHERE stream_id = $1""",
            stream_id,
        )
        return None if row is None else await self._snapshot(stream_id, row)

    async def _snapshot(self, stream_id: UUID, row: asyncpg.Record | RecentState) -> Snapshot:
        subject = row["data_subject"] if isinstance(row, asyncpg.Record) else row.data_subject
        unseal = None
        if subject is not None:
            unseal = opener((await self.personal.keys_for([subject])).get(subject))
        version, topic, state, taken_at = (
            (row["version"], row["topic"], row["state"], row["taken_at"])
            if isinstance(row, asyncpg.Record)
            else (row.version, row.topic, row.state, row.taken_at)
        )
        return self.codec.decode_snapshot(stream_id, version, topic, state, taken_at, unseal)

    async def load_stream(self, stream_id: UUID) -> tuple[Snapshot | None, list[DomainEvent]]:
        recent = self.recent.get(stream_id)
        if recent is not None:  # the state this process saved, and whatever came after it
            state = await self._snapshot(stream_id, recent)
            return state, await self.read_stream(stream_id, recent.version)
        rows = await self.pool.fetch(LOAD_STREAM, stream_id)
        snapshot = None
        if rows and rows[0]["is_snapshot"]:
            snapshot = await self._snapshot(stream_id, rows.pop(0))
        return snapshot, await self.decoded(stream_id, rows)

    def remember(self, snapshot: Snapshot, subject: DataSubject | None = None) -> None:
        """Kept sealed, like a stored snapshot; not kept when its key would have to be
        asked for (this is a shortcut, never required)."""
        sealed = self.personal.encode_snapshot_now(snapshot, subject)
        if sealed is None:
            return
        state, data_subject = sealed
        self.recent.put(
            snapshot.originator_id,
            RecentState(
                snapshot.originator_version,
                snapshot.topic,
                state,
                snapshot.timestamp,
                data_subject,
            ),
        )

    async def save_snapshot(self, snapshot: Snapshot, subject: DataSubject | None = None) -> None:
        state, data_subject = await self.personal.encode_snapshot(snapshot, subject)
        await self.pool.execute(
            """
            INSERT INTO snapshots (stream_id, version, topic, state, data_subject)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (stream_id) DO UPDATE
            SET version = excluded.version, topic = excluded.topic, state = excluded.state,
                data_subject = excluded.data_subject, taken_at = now()
            WHERE snapshots.version < excluded.version
            """,
            snapshot.originator_id,
            snapshot.originator_version,
            snapshot.topic,
            state,
            data_subject,
        )

    async def read_all(
        self, after: Position, limit: int = 1000, topics: Sequence[str] = ()
    ) -> list[RecordedEvent]:
        rows = await self.pool.fetch(
            READ_ALL, str(after.transaction_id), after.position, limit, list(topics)
        )
        return await self._recorded_rows(rows)

    async def read_window(self, after: Position, limit: int, topics: Sequence[str]) -> Window:
        """The events of `topics` among the next `limit` in global order, and where that
        window ends (None when there is nothing past `after`). The rows are read once for
        every follower of this process asking for the same window (shared_reads.py)."""
        rows = await self._windows.read(
            (after, limit, self.signal.generation),
            lambda: self.pool.fetch(READ_WINDOW, str(after.transaction_id), after.position, limit),
        )
        if not rows:
            return Window([], None, 0)
        end = Position(rows[-1]["transaction_id"], rows[-1]["position"])
        wanted = tuple(topics)
        events = await self._recorded_rows([r for r in rows if r["topic"].startswith(wanted)])
        return Window(events, end, len(rows))

    async def read_recorded(self, stream_id: UUID, versions: Sequence[int]) -> list[RecordedEvent]:
        """The events of `stream_id` with these versions, in stream order."""
        rows = await self.pool.fetch(READ_RECORDED, stream_id, list(versions))
        return await self._recorded_rows(rows)

    async def sealed_with(self, subjects: Sequence[str]) -> list[RecordedEvent]:
        """Every event whose personal texts these subjects' keys sealed, opened (while the
        keys last): what an erasure must find in the read models."""
        rows = await self.pool.fetch(
            """SELECT transaction_id::text::bigint AS transaction_id, position, stream_id,
                      version, topic, schema_version, state, context, recorded_at, data_subject
               FROM events WHERE data_subject = ANY($1::text[]) ORDER BY position""",
            list(subjects),
        )
        return await self._recorded_rows(rows)

    async def _recorded_rows(self, rows: list[asyncpg.Record]) -> list[RecordedEvent]:
        """Rows as recorded events, with the keys of every subject they need read at once."""
        contexts = [decode_context(row["context"]) for row in rows]
        subjects = [row["data_subject"] for row in rows]
        persons = context_subjects(zip(contexts, subjects, strict=True))
        keys = await self.personal.keys_for({*subjects, *persons})
        return [
            self._recorded(row, context, keys) for row, context in zip(rows, contexts, strict=True)
        ]

    def _recorded(self, row: asyncpg.Record, context: Context, keys: Keys) -> RecordedEvent:
        stream_id, version, subject = row["stream_id"], row["version"], row["data_subject"]
        try:
            context = open_context(context, subject, keys)
        except ValueError as error:
            raise EventDecodingError(stream_id, version, f"context: {error}") from None
        return RecordedEvent(
            position=Position(row["transaction_id"], row["position"]),
            stream_id=stream_id,
            version=version,
            topic=row["topic"],
            event=self.personal.decode(
                keys, stream_id, version, row["topic"], row["schema_version"], row["state"], subject
            ),
            context=context,
            recorded_at=row["recorded_at"],
        )

    async def last_position(self) -> Position:
        row = await self.pool.fetchrow(LAST_POSITION)
        return Position(row["transaction_id"], row["position"]) if row else Position()

    async def committed_head(self) -> Position:
        """The newest committed event, even if an older open transaction still hides it from
        followers: what "everything so far" means when waiting for projections. Followers of
        this process asking at the same moment share one query."""
        row = await self._heads.read(
            self.signal.generation,
            lambda: self.pool.fetchrow(
                """SELECT e.transaction_id::text::bigint AS transaction_id, e.position
                   FROM events e ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1"""
            ),
        )
        return Position(row["transaction_id"], row["position"]) if row else Position()

    async def outcome_of(self, idempotency_key: str) -> AppendResult | None:
        row = await self.pool.fetchrow(
            """SELECT transaction_id::text::bigint AS transaction_id, position, outcome,
                      fingerprint
               FROM idempotency_keys WHERE key = $1""",
            idempotency_key,
        )
        if row is None:
            return None
        position = Position(row["transaction_id"], row["position"])
        return AppendResult(
            position,
            replayed=True,
            outcome=bytes(row["outcome"]),
            fingerprint=bytes(row["fingerprint"]),
        )

    def follow(
        self,
        after: Position,
        *,
        batch_size: int = 1000,
        poll_interval: float = 1.0,
        topics: Sequence[str] = (),
    ) -> AsyncIterator[list[RecordedEvent]]:
        return follow(
            self.read_all,
            self.signal,
            after,
            batch_size=batch_size,
            poll_interval=poll_interval,
            topics=topics,
        )


def _one_stream_in_order(encoded: list[EncodedEvent]) -> bool:
    first = encoded[0] if encoded else None
    return first is not None and all(
        e.stream_id == first.stream_id and e.version == first.version + i
        for i, e in enumerate(encoded)
    )


def _concurrency_error(error: asyncpg.UniqueViolationError) -> ConcurrencyError:
    match = DUPLICATE_KEY_DETAIL.search(error.detail or "")
    if match is None:
        raise error
    stream_id, version = UUID(match[1]), int(match[2])
    return ConcurrencyError(stream_id, version - 1)
