"""An in-memory event store with the same contract as PostgreSQL, for fast domain tests.

Events are kept encoded by the same codec, so a unit test also proves they round-trip, and
personal texts sealed with their subject's key as PostgreSQL keeps them (adapters/keys/).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from uuid import UUID

import msgspec

from adapters.codec import EncodedEvent, EventCodec
from adapters.keys.memory import InMemoryKeyStore
from adapters.keys.personal_data import PersonalData, context_subjects, open_context
from adapters.keys.sealing import Keys, KeyStore, opener
from adapters.subscription import AppendSignal, follow
from domain.errors import ConcurrencyError
from domain.personal import NO_SUBJECTS, DataSubject, DataSubjects
from domain.ports import AppendResult, DomainEvent, Position, RecordedEvent, Snapshot
from domain.values import Context


class StoredEvent(msgspec.Struct, frozen=True):
    position: Position
    encoded: EncodedEvent
    context: Context
    recorded_at: datetime


class InMemoryEventStore:
    """One transaction at a time: each append is all-or-nothing and gets the next position."""

    def __init__(self, codec: EventCodec | None = None, keys: KeyStore | None = None) -> None:
        self.codec = codec or EventCodec()
        self.keys = keys or InMemoryKeyStore()
        self.personal = PersonalData(self.codec, self.keys)
        self.signal = AppendSignal()
        self._log: list[StoredEvent] = []
        self._streams: dict[UUID, list[StoredEvent]] = {}
        self._snapshots: dict[UUID, tuple[int, str, bytes, datetime, str | None]] = {}
        self._outcomes: dict[str, AppendResult] = {}
        self._transaction_ids = itertools.count(1)
        self._lock = asyncio.Lock()

    async def append(
        self,
        events: Sequence[DomainEvent],
        context: Context,
        idempotency_key: str | None = None,
        outcome: bytes = b"",
        fingerprint: bytes = b"",
        subjects: DataSubjects = NO_SUBJECTS,
    ) -> AppendResult:
        encoded, context = await self.personal.encode(events, context, subjects)
        async with self._lock:
            if idempotency_key is not None and idempotency_key in self._outcomes:
                return self._outcomes[idempotency_key]
            self._check_expected_versions(encoded)
            last = self._write(encoded, context) if encoded else Position()
            if idempotency_key is not None:
                self._outcomes[idempotency_key] = AppendResult(
                    last, replayed=True, outcome=outcome, fingerprint=fingerprint
                )
        if encoded:
            self.signal.fire()
        return AppendResult(last, outcome=outcome, fingerprint=fingerprint)

    def _write(self, encoded: list[EncodedEvent], context: Context) -> Position:
        """One transaction: every event gets the same transaction id and the next position."""
        transaction_id = next(self._transaction_ids)
        now = datetime.now(UTC)
        for item in encoded:
            position = Position(transaction_id, len(self._log) + 1)
            stored = StoredEvent(position, item, context, now)
            self._log.append(stored)
            self._streams.setdefault(item.stream_id, []).append(stored)
        return self._log[-1].position

    def _check_expected_versions(self, encoded: list[EncodedEvent]) -> None:
        next_versions: dict[UUID, int] = {}
        for item in encoded:
            expected = next_versions.get(item.stream_id)
            if expected is None:
                expected = len(self._streams.get(item.stream_id, ())) + 1
            if item.version != expected:
                raise ConcurrencyError(item.stream_id, item.version - 1)
            next_versions[item.stream_id] = expected + 1

    async def read_stream(self, stream_id: UUID, after_version: int = 0) -> list[DomainEvent]:
        stored = self._streams.get(stream_id, [])[after_version:]
        keys = await self.personal.keys_for({item.encoded.data_subject for item in stored})
        return [self._decode(item.encoded, keys) for item in stored]

    def _decode(self, item: EncodedEvent, keys: Keys) -> DomainEvent:
        return self.personal.decode(
            keys,
            item.stream_id,
            item.version,
            item.topic,
            item.schema_version,
            item.state,
            item.data_subject,
        )

    async def latest_snapshot(self, stream_id: UUID) -> Snapshot | None:
        if stream_id not in self._snapshots:
            return None
        version, topic, state, taken_at, subject = self._snapshots[stream_id]
        unseal = None
        if subject is not None:
            unseal = opener((await self.keys.for_reading([subject])).get(subject))
        return self.codec.decode_snapshot(stream_id, version, topic, state, taken_at, unseal)

    async def load_stream(self, stream_id: UUID) -> tuple[Snapshot | None, list[DomainEvent]]:
        snapshot = await self.latest_snapshot(stream_id)
        after = snapshot.originator_version if snapshot is not None else 0
        return snapshot, await self.read_stream(stream_id, after)

    def remember(self, snapshot: Snapshot, subject: DataSubject | None = None) -> None:
        """Nothing to gain: loading from memory is already free of I/O."""

    async def save_snapshot(self, snapshot: Snapshot, subject: DataSubject | None = None) -> None:
        state, data_subject = await self.personal.encode_snapshot(snapshot, subject)
        previous = self._snapshots.get(snapshot.originator_id)
        if previous is None or previous[0] < snapshot.originator_version:
            self._snapshots[snapshot.originator_id] = (
                snapshot.originator_version,
                snapshot.topic,
                state,
                datetime.now(UTC),
                data_subject,
            )

    async def forget(self, subject: DataSubject) -> list[DataSubject]:
        return [DataSubject(name) for name in await self.keys.forget(subject)]

    async def read_all(
        self, after: Position, limit: int = 1000, topics: Sequence[str] = ()
    ) -> list[RecordedEvent]:
        start = after.position  # positions are dense here: position n sits at index n - 1
        selected: list[StoredEvent] = []
        for stored in itertools.islice(self._log, start, None):
            if topics and not stored.encoded.topic.startswith(tuple(topics)):
                continue
            selected.append(stored)
            if len(selected) == limit:
                break
        subjects = [stored.encoded.data_subject for stored in selected]
        persons = context_subjects(zip((s.context for s in selected), subjects, strict=True))
        keys = await self.personal.keys_for({*subjects, *persons})
        return [self._recorded(stored, keys) for stored in selected]

    def _recorded(self, stored: StoredEvent, keys: Keys) -> RecordedEvent:
        item = stored.encoded
        return RecordedEvent(
            position=stored.position,
            stream_id=item.stream_id,
            version=item.version,
            topic=item.topic,
            event=self._decode(item, keys),
            context=open_context(stored.context, item.data_subject, keys),
            recorded_at=stored.recorded_at,
        )

    async def last_position(self) -> Position:
        return self._log[-1].position if self._log else Position()

    async def outcome_of(self, idempotency_key: str) -> AppendResult | None:
        return self._outcomes.get(idempotency_key)

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

    def corrupt(
        self, stream_id: UUID, version: int, *, topic: str | None = None, state: bytes | None = None
    ) -> None:
        """Damage a stored event in place, as a test of how bad data is reported."""
        stored = self._streams[stream_id][version - 1]
        damaged = msgspec.structs.replace(
            stored.encoded,
            topic=topic or stored.encoded.topic,
            state=state if state is not None else stored.encoded.state,
        )
        replacement = msgspec.structs.replace(stored, encoded=damaged)
        self._streams[stream_id][version - 1] = replacement
        self._log[stored.position.position - 1] = replacement
