"""Loads aggregates from their latest snapshot plus later events, and saves what they recorded."""

from __future__ import annotations

import logging
from typing import Any, TypeVar, cast
from uuid import UUID

from eventsourcing.domain import Aggregate, Snapshot

from domain.errors import NotFound
from domain.personal import subjects_of
from domain.ports import AppendResult, EventStore
from domain.values import Context

A = TypeVar("A", bound=Aggregate)

SNAPSHOT_EVERY = 100

log = logging.getLogger(__name__)


class Repository:
    """Aggregates in and out of one event store; a save is one atomic append."""

    def __init__(self, store: EventStore, snapshot_every: int = SNAPSHOT_EVERY) -> None:
        self.store = store
        self.snapshot_every = snapshot_every

    async def find(self, aggregate_id: UUID, cls: type[A]) -> A | None:
        snapshot, events = await self.store.load_stream(aggregate_id)
        aggregate: Any = snapshot.mutate(None) if snapshot is not None else None
        for domain_event in events:
            aggregate = domain_event.mutate(aggregate)
        if aggregate is None:
            return None
        if not isinstance(aggregate, cls):
            raise NotFound(
                f"{aggregate_id} is a {type(aggregate).__name__}, not a {cls.__name__}",
                id=aggregate_id,
            )
        return cast(A, aggregate)

    async def get(self, aggregate_id: UUID, cls: type[A]) -> A:
        aggregate = await self.find(aggregate_id, cls)
        if aggregate is None:
            raise NotFound(f"no {cls.__name__} {aggregate_id}", id=aggregate_id)
        return aggregate

    async def save(
        self,
        *aggregates: Aggregate,
        context: Context,
        idempotency_key: str | None = None,
        outcome: bytes = b"",
        fingerprint: bytes = b"",
    ) -> AppendResult:
        pending = [(aggregate, aggregate.collect_events()) for aggregate in aggregates]
        events = [domain_event for _, new_events in pending for domain_event in new_events]
        result = await self.store.append(
            events, context, idempotency_key, outcome, fingerprint, subjects_of(pending)
        )
        if not result.replayed:
            for aggregate, new_events in pending:
                if new_events:
                    await self._keep_state(aggregate, len(new_events))
        return result

    async def _keep_state(self, aggregate: Aggregate, new_count: int) -> None:
        """Snapshots only speed up loading, and the events are committed by now: a snapshot
        that cannot be taken or stored is logged, never reported as the command failing."""
        try:
            snapshot = Snapshot.take(aggregate)
            subject = getattr(aggregate, "data_subject", None)
            self.store.remember(snapshot, subject)
            if self._crossed_snapshot_mark(aggregate.version, new_count):
                await self.store.save_snapshot(snapshot, subject)
        except Exception:
            log.exception(
                "state of %s at version %s not kept; its events are committed",
                aggregate.id,
                aggregate.version,
            )

    def _crossed_snapshot_mark(self, version: int, new_count: int) -> bool:
        return version // self.snapshot_every > (version - new_count) // self.snapshot_every
