"""Given / when / then for aggregates: given past events, when a command, then events or an error.

given(
    event(Cart.Created, cart_id=..., channel=Channel.WEB, ...),
    event(Cart.LineAdded, sku="RETRO-CLOCK", quantity=1, unit_price=price),
).when(lambda cart: cart.change_quantity("RETRO-CLOCK", 3)).then(
    event(Cart.QuantityChanged, sku="RETRO-CLOCK", quantity=3),
)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic

STREAM_ID = UUID("00000000-0000-4000-8000-0000000000aa")
GIVEN_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


@dataclasses.dataclass(frozen=True)
class EventSpec:
    cls: type
    fields: dict[str, Any]

    def build(self, stream_id: UUID, version: int) -> Any:
        fields = dict(self.fields)
        envelope: dict[str, Any] = {
            "originator_id": stream_id,
            "originator_version": version,
            "timestamp": fields.pop("timestamp", GIVEN_AT),
        }
        if "originator_topic" in {f.name for f in dataclasses.fields(self.cls)}:
            envelope["originator_topic"] = get_topic(_aggregate_class_of(self.cls))
        return self.cls(**envelope, **fields)


def event(cls: type, **fields: Any) -> EventSpec:
    return EventSpec(cls, fields)


def domain_fields(domain_event: Any) -> dict[str, Any]:
    return {
        f.name: getattr(domain_event, f.name)
        for f in dataclasses.fields(domain_event)
        if f.name not in ENVELOPE
    }


def _aggregate_class_of(event_cls: type) -> type:
    outer_name = event_cls.__qualname__.rsplit(".", 1)[0]
    module = __import__(event_cls.__module__, fromlist=["_"])
    target: Any = module
    for part in outer_name.split("."):
        target = getattr(target, part)
    return target  # type: ignore[no-any-return]


def given(*specs: EventSpec, stream_id: UUID = STREAM_ID) -> Scenario:
    aggregate: Any = None
    for version, spec in enumerate(specs, start=1):
        aggregate = spec.build(stream_id, version).mutate(aggregate)
    return Scenario(aggregate)


@dataclasses.dataclass
class Scenario:
    aggregate: Aggregate | None

    def when(self, command: Callable[[Any], Any]) -> Outcome:
        try:
            result = command(self.aggregate)
        except Exception as error:  # noqa: BLE001 - the outcome under test may be any failure
            leftovers = self.aggregate.collect_events() if self.aggregate is not None else []
            return Outcome(self.aggregate, list(leftovers), error)
        target = result if isinstance(result, Aggregate) else self.aggregate
        new_events = target.collect_events() if target is not None else []
        return Outcome(target, list(new_events), None)


@dataclasses.dataclass
class Outcome:
    aggregate: Any
    new_events: list[Any]
    error: Exception | None

    def then(self, *expected: EventSpec) -> Any:
        if self.error is not None:
            raise AssertionError(f"expected events, got {self.error!r}") from self.error
        actual = [(type(e), domain_fields(e)) for e in self.new_events]
        wanted = [(spec.cls, dict(spec.fields)) for spec in expected]
        assert actual == wanted
        return self.aggregate

    def then_nothing(self) -> Any:
        return self.then()

    def then_raises(self, error_type: type[Exception], **ids: Any) -> Exception:
        if self.error is None:
            raise AssertionError(f"expected {error_type.__name__}, got {self.new_events!r}")
        assert isinstance(self.error, error_type), repr(self.error)
        for key, value in ids.items():
            assert getattr(self.error, "ids", {}).get(key) == value, (key, self.error)
        assert not self.new_events, f"a refused command recorded {self.new_events!r}"
        return self.error
