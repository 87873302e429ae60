"""Helpers for read models that fold a batch of events into a few set-based statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from domain.ports import RecordedEvent

# Fields in which events carry their business time, read from the service's injected clock.
BUSINESS_TIMES = ("at", "placed_at", "sold_at", "requested_at")


def occurred_at(recorded: RecordedEvent) -> datetime:
    """When it happened by the service's clock (so a simulated day reads as that day); the
    commit time for events that carry no time of their own (today: cart lines)."""
    for name in BUSINESS_TIMES:
        value = getattr(recorded.event, name, None)
        if isinstance(value, datetime):
            return value
    return recorded.recorded_at


def columns(rows: Sequence[Sequence[object]], width: int) -> list[list[object]]:
    """Rows as one list per column, for `unnest($1::type[], $2::type[], …)`."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]
