"""msgspec encoding of domain events and snapshots, typed per class.

Each event class gets a msgspec Struct built from its annotations, so `Decimal`, `UUID`,
`datetime`, enums and nested Structs round-trip exactly, and a value of the wrong type is
refused before anything is written. Old events are upcast through the class's
`upcast_vN_vN+1` static methods (the eventsourcing `class_version` convention).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.utils import get_topic, resolve_topic

from domain.errors import EventDecodingError, EventEncodingError
from domain.personal import personal_fields
from domain.ports import DomainEvent

ENVELOPE = frozenset({"originator_id", "originator_version"})
AGGREGATE_INTERNALS = frozenset(typing.get_type_hints(Aggregate))
SNAPSHOT_TIMES: dict[str, Any] = {"_created_on": datetime, "_modified_on": datetime}

encode_json = msgspec.json.Encoder().encode

# Applied to each personal text (the field's name, its value) as it is written or read: the
# stores seal them with the data subject's key and open them again (adapters/keys/).
Transform = Callable[[str, str], str]


class EncodedEvent(msgspec.Struct, frozen=True):
    stream_id: UUID
    version: int
    topic: str
    schema_version: int
    state: bytes
    # The data subject whose key sealed the personal fields (and a personal context);
    # None when nothing in the row was sealed.
    data_subject: str | None = None


class EventCodec:
    """Turns domain events into typed JSON and back."""

    def encode(
        self,
        domain_event: DomainEvent,
        seal: Transform | None = None,
        data_subject: str | None = None,
    ) -> EncodedEvent:
        """The event as typed JSON; with `seal`, its personal texts as `seal` turns them."""
        event_class = type(domain_event)
        stream_id, version = domain_event.originator_id, domain_event.originator_version
        values = domain_event.__dict__
        if seal is not None:
            values = _transformed(values, personal_fields(event_class), seal)
        try:
            # The payload Struct ignores the envelope fields it does not declare.
            typed = msgspec.convert(values, _payload_type(event_class), strict=True)
            state = encode_json(typed)
        except (msgspec.ValidationError, TypeError) as error:
            raise EventEncodingError(stream_id, version, str(error)) from None
        return EncodedEvent(
            stream_id,
            version,
            get_topic(event_class),
            _class_version(event_class),
            state,
            data_subject,
        )

    def decode(
        self,
        stream_id: UUID,
        version: int,
        topic: str,
        schema_version: int,
        state: bytes,
        unseal: Transform | None = None,
    ) -> DomainEvent:
        event_class = _resolve(stream_id, version, topic)
        payload_type = _payload_type(event_class)
        try:
            if schema_version < _class_version(event_class):
                state = _upcast(event_class, schema_version, state)
            payload = msgspec.json.decode(state, type=payload_type)
            values = msgspec.structs.asdict(payload)
            if unseal is not None:  # a fresh dict: changed in place
                _transform(values, personal_fields(event_class), unseal)
        except (msgspec.ValidationError, msgspec.DecodeError, TypeError, KeyError) as error:
            raise EventDecodingError(stream_id, version, f"{topic}: {error}") from None
        except ValueError as error:  # a sealed text that does not open with its key
            raise EventDecodingError(stream_id, version, f"{topic}: {error}") from None
        # Filling __dict__ builds the same frozen dataclass as __init__ without its per-field
        # object.__setattr__; its __post_init__ only checks that originator_id is a UUID, which
        # the stores always pass.
        domain_event: Any = object.__new__(event_class)
        domain_event.__dict__.update(values)
        domain_event.__dict__["originator_id"] = stream_id
        domain_event.__dict__["originator_version"] = version
        return domain_event  # type: ignore[no-any-return]

    def encode_snapshot(self, snapshot: Snapshot, seal: Transform | None = None) -> bytes:
        state_type = _snapshot_state_type(snapshot.topic)
        state = snapshot.state
        if seal is not None:
            state = _transformed(state, self.personal_state(snapshot.topic), seal)
        try:
            return encode_json(msgspec.convert(state, state_type, strict=True))
        except (msgspec.ValidationError, TypeError) as error:
            raise EventEncodingError(
                snapshot.originator_id, snapshot.originator_version, f"snapshot: {error}"
            ) from None

    def decode_snapshot(
        self,
        stream_id: UUID,
        version: int,
        topic: str,
        state: bytes,
        taken_at: datetime,
        unseal: Transform | None = None,
    ) -> Snapshot:
        state_type = _snapshot_state_type(topic)
        try:
            typed = msgspec.json.decode(state, type=state_type)
        except (msgspec.ValidationError, msgspec.DecodeError) as error:
            raise EventDecodingError(stream_id, version, f"snapshot: {error}") from None
        values = {name: getattr(typed, name) for name in state_type.__struct_fields__}
        if unseal is not None:
            try:
                values = _transformed(values, self.personal_state(topic), unseal)
            except ValueError as error:
                raise EventDecodingError(stream_id, version, f"snapshot: {error}") from None
        return Snapshot(  # type: ignore[call-arg]
            originator_id=stream_id,
            originator_version=version,
            timestamp=taken_at,
            topic=topic,
            state={name: value for name, value in values.items() if value is not msgspec.UNSET},
        )

    def personal_state(self, topic: str) -> tuple[str, ...]:
        """The personal attributes of the aggregate a snapshot's topic names."""
        return personal_fields(_resolve_topic(topic))

    @staticmethod
    def personal_payload(domain_event: DomainEvent) -> bool:
        """Whether the event holds a personal text (a declared field that is not None)."""
        fields = personal_fields(type(domain_event))
        if not fields:
            return False
        values = domain_event.__dict__
        return any(values.get(name) is not None for name in fields)


def _transformed(
    values: dict[str, Any], fields: tuple[str, ...], transform: Transform
) -> dict[str, Any]:
    """A copy of `values` with each personal text (not None, not UNSET) transformed."""
    if not fields:
        return values
    changed = dict(values)
    _transform(changed, fields, transform)
    return changed


def _transform(values: dict[str, Any], fields: tuple[str, ...], transform: Transform) -> None:
    for name in fields:
        value = values.get(name)
        if isinstance(value, str):
            values[name] = transform(name, value)


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
