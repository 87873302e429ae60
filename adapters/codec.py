"""msgspec encoding of domain events and snapshots, typed per class.

Each event class gets a msgspec Struct built from its annotations, so `Decimal`, `UUID`,
`datetime`, enums and nested Structs round-trip exactly, and a value of the wrong type is
refused before anything is written. Old events are upcast through the class's
`upcast_vN_vN+1` static methods (the eventsourcing `class_version` convention).
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.utils import get_topic, resolve_topic

from domain.errors import EventDecodingError, EventEncodingError
from domain.ports import DomainEvent

ENVELOPE = frozenset({"originator_id", "originator_version"})
AGGREGATE_INTERNALS = frozenset(typing.get_type_hints(Aggregate))
SNAPSHOT_TIMES: dict[str, Any] = {"_created_on": datetime, "_modified_on": datetime}

encode_json = msgspec.json.Encoder().encode


class EncodedEvent(msgspec.Struct, frozen=True):
    stream_id: UUID
    version: int
    topic: str
    schema_version: int
    state: bytes


class EventCodec:
    """Turns domain events into typed JSON and back."""

    def encode(self, domain_event: DomainEvent) -> EncodedEvent:
        event_class = type(domain_event)
        stream_id, version = domain_event.originator_id, domain_event.originator_version
        try:
            # The payload Struct ignores the envelope fields it does not declare.
            typed = msgspec.convert(domain_event.__dict__, _payload_type(event_class), strict=True)
            state = encode_json(typed)
        except (msgspec.ValidationError, TypeError) as error:
            raise EventEncodingError(stream_id, version, str(error)) from None
        return EncodedEvent(
            stream_id, version, get_topic(event_class), _class_version(event_class), state
        )

    def decode(
        self, stream_id: UUID, version: int, topic: str, schema_version: int, state: bytes
    ) -> DomainEvent:
        event_class = _resolve(stream_id, version, topic)
        payload_type = _payload_type(event_class)
        try:
            if schema_version < _class_version(event_class):
                state = _upcast(event_class, schema_version, state)
            payload = msgspec.json.decode(state, type=payload_type)
        except (msgspec.ValidationError, msgspec.DecodeError, TypeError, KeyError) as error:
            raise EventDecodingError(stream_id, version, f"{topic}: {error}") from None
        # Filling __dict__ builds the same frozen dataclass as __init__ without its per-field
        # object.__setattr__; its __post_init__ only checks that originator_id is a UUID, which
        # the stores always pass.
        domain_event: Any = object.__new__(event_class)
        domain_event.__dict__.update(msgspec.structs.asdict(payload))
        domain_event.__dict__["originator_id"] = stream_id
        domain_event.__dict__["originator_version"] = version
        return domain_event  # type: ignore[no-any-return]

    def encode_snapshot(self, snapshot: Snapshot) -> bytes:
        state_type = _snapshot_state_type(snapshot.topic)
        try:
            return encode_json(msgspec.convert(snapshot.state, state_type, strict=True))
        except (msgspec.ValidationError, TypeError) as error:
            raise EventEncodingError(
                snapshot.originator_id, snapshot.originator_version, f"snapshot: {error}"
            ) from None

    def decode_snapshot(
        self, stream_id: UUID, version: int, topic: str, state: bytes, taken_at: datetime
    ) -> Snapshot:
        state_type = _snapshot_state_type(topic)
        try:
            typed = msgspec.json.decode(state, type=state_type)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            raise EventDecodingError(stream_id, version, f"snapshot: {error}") from None
        values = {name: getattr(typed, name) for name in state_type.__struct_fields__}
        return Snapshot(  # type: ignore[call-arg]
            originator_id=stream_id,
            originator_version=version,
            timestamp=taken_at,
            topic=topic,
            state={name: value for name, value in values.items() if value is not msgspec.UNSET},
        )


def _resolve(stream_id: UUID, version: int, topic: str) -> type:
    try:
        return _resolve_topic(topic)
    except Exception:  # noqa: BLE001 - any failure to import means the topic is unknown here
        raise EventDecodingError(stream_id, version, f"unknown event topic {topic!r}") from None


@cache
def _resolve_topic(topic: str) -> type:
    return resolve_topic(topic)  # type: ignore[no-any-return]


@cache
def _payload_fields(event_class: type) -> tuple[str, ...]:
    fields = dataclasses.fields(event_class)
    return tuple(f.name for f in fields if f.name not in ENVELOPE)


@cache
def _payload_type(event_class: type) -> type[msgspec.Struct]:
    hints = typing.get_type_hints(event_class)
    fields = [(name, hints[name]) for name in _payload_fields(event_class)]
    return msgspec.defstruct(event_class.__qualname__, fields, kw_only=True)


@cache
def _class_version(cls: type) -> int:
    return int(getattr(cls, "class_version", 1))


def _upcast(event_class: type, from_version: int, state: bytes) -> bytes:
    values = msgspec.json.decode(state)
    for version in range(from_version, _class_version(event_class)):
        getattr(event_class, f"upcast_v{version}_v{version + 1}")(values)
    return encode_json(values)


@cache
def _snapshot_state_type(topic: str) -> type[msgspec.Struct]:
    aggregate_class = _resolve_topic(topic)
    hints = typing.get_type_hints(aggregate_class)
    state_hints = {
        name: hint
        for name, hint in hints.items()
        if name not in AGGREGATE_INTERNALS and typing.get_origin(hint) is not typing.ClassVar
    }
    fields: list[tuple[str, Any, Any]] = [
        (name, hint, msgspec.UNSET) for name, hint in {**SNAPSHOT_TIMES, **state_hints}.items()
    ]
    fields.append(("class_version", int, msgspec.UNSET))
    return msgspec.defstruct(
        f"{aggregate_class.__qualname__}State", fields, kw_only=True, forbid_unknown_fields=True
    )
