"""What both event stores do with personal data: seal it on the way in, open it on the way out.

Whose key seals an event's personal fields: its aggregate's data subject (passed by the
repository), else the person acting when the context names a customer's or guest's own
device, else the stream's own subject. A context's personal device id is sealed with the
acting person's key. The row records one subject (`data_subject`): the key of its fields, or
the acting person's when only the context is personal; NULL when nothing in it is sealed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from uuid import UUID

import msgspec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import Snapshot

from adapters.codec import EncodedEvent, EventCodec
from adapters.keys.sealing import Keys, KeyStore, opener, sealer
from domain.personal import (
    NO_SUBJECTS,
    DataSubjects,
    stream_subject,
)
from domain.ports import DomainEvent
from domain.values import Context, context_subject


class PersonalData:
    """The codec with every personal text sealed by its subject's key (unless `sealing` is
    off: the store as it was before, kept only as the benchmarks' baseline)."""

    def __init__(self, codec: EventCodec, keys: KeyStore, sealing: bool = True) -> None:
        self.codec, self.keys, self.sealing = codec, keys, sealing

    async def encode(
        self,
        events: Sequence[DomainEvent],
        context: Context,
        subjects: DataSubjects = NO_SUBJECTS,
    ) -> tuple[list[EncodedEvent], Context]:
        """The events encoded, and the context to store, each personal text sealed."""
        if not self.sealing:
            return [self.codec.encode(e) for e in events], context
        person = context_subject(context)
        rows = [(e, self._row_subject(e, person, subjects)) for e in events]
        wanted = {subject for _, subject in rows if subject is not None}
        if not wanted and person is None and not subjects.links:  # most commands: nothing
            return [self.codec.encode(e) for e in events], context
        if person is not None:
            wanted.add(person)
        if subjects.links:  # before the keys: a guest's key may be made by its link
            await self.keys.link(subjects.links)
        keys = await self.keys.for_writing(wanted) if wanted else {}
        encoded = [
            self.codec.encode(e, sealer(keys[subject]), subject)
            if subject is not None
            else self.codec.encode(e)
            for e, subject in rows
        ]
        return encoded, seal_context(context, person, keys)

    def _row_subject(
        self, domain_event: DomainEvent, person: str | None, subjects: DataSubjects
    ) -> str | None:
        if self.codec.personal_payload(domain_event):
            stream_id = domain_event.originator_id
            return subjects.of_streams.get(stream_id) or person or stream_subject(stream_id)
        return person

    async def keys_for(self, subjects: Iterable[str | None]) -> Keys:
        """The keys to open rows with these subjects (None: nothing sealed)."""
        wanted = {subject for subject in subjects if subject is not None}
        return Opened(await self.keys.for_reading(wanted)) if wanted else {}

    def decode(
        self,
        keys: Keys,
        stream_id: UUID,
        version: int,
        topic: str,
        schema_version: int,
        state: bytes,
        data_subject: str | None,
    ) -> DomainEvent:
        unseal = None
        if data_subject is not None:
            unseal = keys.openers.get(data_subject) if isinstance(keys, Opened) else None
            unseal = unseal or opener(keys.get(data_subject))
        return self.codec.decode(stream_id, version, topic, schema_version, state, unseal)

    async def encode_snapshot(
        self, snapshot: Snapshot, subject: str | None
    ) -> tuple[bytes, str | None]:
        """The state encoded, its personal attributes sealed, and the subject that sealed."""
        subject = self._snapshot_subject(snapshot, subject)
        if subject is None:
            return self.codec.encode_snapshot(snapshot), None
        keys = await self.keys.for_writing([subject])
        return self.codec.encode_snapshot(snapshot, sealer(keys[subject])), subject

    def encode_snapshot_now(
        self, snapshot: Snapshot, subject: str | None
    ) -> tuple[bytes, str | None] | None:
        """As encode_snapshot with the keys this process holds; None if it would have to ask."""
        subject = self._snapshot_subject(snapshot, subject)
        if subject is None:
            return self.codec.encode_snapshot(snapshot), None
        key = self.keys.cached(subject)
        if key is False:
            return None
        return self.codec.encode_snapshot(snapshot, sealer(key)), subject  # type: ignore[arg-type]

    def _snapshot_subject(self, snapshot: Snapshot, subject: str | None) -> str | None:
        fields = self.codec.personal_state(snapshot.topic)
        if not self.sealing or not any(snapshot.state.get(f) is not None for f in fields):
            return None
        return subject or stream_subject(snapshot.originator_id)


class Opened(dict[str, "AESGCM | None"]):
    """Keys read for a batch of rows, each with its opener made once for the batch."""

    def __init__(self, keys: Keys) -> None:
        super().__init__(keys)
        self.openers = {subject: opener(key) for subject, key in keys.items()}


def seal_context(context: Context, person: str | None, keys: Keys) -> Context:
    if person is None or context.device_id is None:
        return context
    return msgspec.structs.replace(
        context, device_id=sealer(keys[person])("device_id", context.device_id)
    )


def context_subjects(contexts: Iterable[tuple[Context, str | None]]) -> set[str]:
    """The acting persons whose keys open these stored contexts (with their rows' subjects)."""
    found: set[str] = set()
    for context, data_subject in contexts:
        person = context_subject(context) if data_subject is not None else None
        if person is not None:
            found.add(person)
    return found


def open_context(context: Context, data_subject: str | None, keys: Keys) -> Context:
    """A stored context with its personal device id opened; one written before sealing (no
    subject on its row) is in the clear already."""
    person = context_subject(context) if data_subject is not None else None
    if person is None or context.device_id is None:
        return context
    return msgspec.structs.replace(
        context, device_id=opener(keys.get(person))("device_id", context.device_id)
    )
