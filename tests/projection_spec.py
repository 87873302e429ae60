"""Given / when / then for read models (Emmett's projection specs): given recorded events,
when more are recorded, then the rows of the read model's tables, or a query's answer.

    ADA_CART = Stream(UUID("..."), LAPTOP)
    await spec.given(
        ADA_CART.recorded(Cart.Created, channel=Channel.WEB, ..., at=NINE),
    ).when(
        ADA_CART.recorded(Cart.LineAdded, sku="RETRO-CLOCK", quantity=2, ..., at=TEN),
    ).then(
        rows("cart_line_view", "sku quantity", [("RETRO-CLOCK", 2)]),
        answer(cart_continuity.current_cart_id, "cust-ada").equals(ADA_CART.id),
    )

The events go through the projection's own `apply`, on fresh tables in the test's own
PostgreSQL schema, once per way the runner may cut them into batches (BATCHINGS): a read model
that folds a batch in memory must leave the same rows whichever way they come. Only the events
of the projection's topics reach it, as the runner reads only those.
"""

from __future__ import annotations

import dataclasses
import pprint
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from eventsourcing.utils import get_topic

from domain.ports import Position, RecordedEvent
from domain.values import Context
from projections.rebuild import SUFFIX as SHADOW
from projections.runner import Projection
from tests.gwt import EventSpec

# When the store committed an event, unless a fact says otherwise. Deliberately not a business
# time: a read model that takes the commit time where it should take the event's own time
# (`at`, from the service clock, which `omni simulate` runs ahead) gets the wrong answer.
COMMITTED_AT = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)
SYSTEM = Context()


@dataclasses.dataclass(frozen=True)
class Fact:
    """One event as the log holds it: its stream, what happened, who caused it, when."""

    stream_id: UUID
    event: EventSpec
    context: Context
    recorded_at: datetime
    version: int | None  # None: the next version of its stream


@dataclasses.dataclass(frozen=True)
class Stream:
    """An aggregate's stream, and the context its facts are recorded with unless told."""

    id: UUID
    context: Context = SYSTEM

    def recorded(
        self,
        cls: type,
        *,
        context: Context | None = None,
        recorded_at: datetime = COMMITTED_AT,
        version: int | None = None,
        **fields: Any,
    ) -> Fact:
        fields.setdefault("timestamp", recorded_at)  # the library's wall-clock time
        spec = EventSpec(cls, fields)
        return Fact(self.id, spec, context or self.context, recorded_at, version)


def recorded_events(facts: Sequence[Fact]) -> list[RecordedEvent]:
    """The facts in the global order, each stream's versions counted from 1."""
    versions: dict[UUID, int] = {}
    recorded = []
    for number, fact in enumerate(facts, start=1):
        version = fact.version or versions.get(fact.stream_id, 0) + 1
        versions[fact.stream_id] = version
        event = fact.event.build(fact.stream_id, version)
        position = Position(number, number)
        topic = get_topic(type(event))
        recorded.append(
            RecordedEvent(
                position, fact.stream_id, version, topic, event, fact.context, fact.recorded_at
            )
        )
    return recorded


class Expectation:
    async def verify(self, pool: asyncpg.Pool) -> None:
        raise NotImplementedError


@dataclasses.dataclass(frozen=True)
class Rows(Expectation):
    """Every row of a table, as the named columns, in any order (jsonb decoded)."""

    table: str
    columns: tuple[str, ...]
    expected: list[tuple[object, ...]]

    async def verify(self, pool: asyncpg.Pool) -> None:
        found = await table_rows(pool, self.table, self.columns)
        missing, unexpected = _difference(self.expected, found)
        assert not missing and not unexpected, (
            f"{self.table} ({', '.join(self.columns)}):\n"
            f"  missing:    {pprint.pformat(missing)}\n"
            f"  unexpected: {pprint.pformat(unexpected)}\n"
            f"  found:      {pprint.pformat(found)}"
        )


def rows(table: str, columns: str, expected: Sequence[Sequence[object]]) -> Rows:
    """`columns` by name, separated by spaces; single values stand for one-column rows."""
    names = tuple(columns.split())
    as_tuples = [tuple(row) if len(names) > 1 else (row,) for row in expected]
    return Rows(table, names, as_tuples)


async def table_rows(
    pool: asyncpg.Pool, table: str, columns: Sequence[str]
) -> list[tuple[object, ...]]:
    async with pool.acquire() as connection:
        statement = await connection.prepare(f"SELECT {', '.join(columns)} FROM {table}")
        jsonb = [a.type.name == "jsonb" for a in statement.get_attributes()]
        return [
            tuple(
                msgspec.json.decode(value) if is_json and value is not None else value
                for value, is_json in zip(row, jsonb, strict=True)
            )
            for row in await statement.fetch()
        ]


def _difference(
    expected: list[tuple[object, ...]], found: list[tuple[object, ...]]
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """(expected rows not found, found rows not expected), counting duplicates."""
    left = list(found)
    missing = []
    for row in expected:
        if row in left:
            left.remove(row)
        else:
            missing.append(row)
    return missing, left


@dataclasses.dataclass(frozen=True)
class Answer(Expectation):
    """What a query function answers, called with the pool and the given arguments."""

    query: Callable[..., Awaitable[object]]
    args: tuple[object, ...]
    kwargs: dict[str, object]
    expected: object = None

    def equals(self, expected: object) -> Answer:
        return dataclasses.replace(self, expected=expected)

    async def verify(self, pool: asyncpg.Pool) -> None:
        found = await self.query(pool, *self.args, **self.kwargs)
        assert found == self.expected, (
            f"{getattr(self.query, '__name__', self.query)}{self.args!r}:\n"
            f"  expected: {pprint.pformat(self.expected)}\n"
            f"  found:    {pprint.pformat(found)}"
        )


def answer(query: Callable[..., Awaitable[object]], *args: object, **kwargs: object) -> Answer:
    return Answer(query, args, kwargs)


# How the runner may cut the same events into batches, and whether into a rebuild's shadow
# tables (applied with the rebuild's suffix, then renamed as its swap does).
Batching = Callable[[list[RecordedEvent], int], list[list[RecordedEvent]]]
BATCHINGS: dict[str, tuple[Batching, bool]] = {
    "in one batch": (lambda events, _: [events], False),
    "one event per batch": (lambda events, _: [[e] for e in events], False),
    "three events per batch": (lambda events, _: _chunks(events, 3), False),
    "given, then when": (lambda events, given: [events[:given], events[given:]], False),
    "rebuilt in one batch": (lambda events, _: [events], True),
}


def _chunks(events: list[RecordedEvent], size: int) -> list[list[RecordedEvent]]:
    return [events[start : start + size] for start in range(0, len(events), size)]


class ProjectionSpec:
    """A read model under specification, on a database of the test's own."""

    def __init__(self, pool: asyncpg.Pool, projection: Projection) -> None:
        self.pool = pool
        self.projection = projection
        self.scenarios: list[Scenario] = []

    def given(self, *facts: Fact) -> Scenario:
        scenario = Scenario(self, list(facts))
        self.scenarios.append(scenario)
        return scenario

    def relevant(self, events: list[RecordedEvent]) -> list[RecordedEvent]:
        return [e for e in events if e.topic.startswith(tuple(self.projection.topics))]

    async def replay(self, batches: list[list[RecordedEvent]], shadow: bool) -> None:
        """Fresh tables, then each batch in a transaction of its own."""
        suffix = SHADOW if shadow else ""
        tables = self.projection.tables
        async with self.pool.acquire() as connection:
            for table in tables:
                await connection.execute(f"DROP TABLE IF EXISTS {table}, {table}{SHADOW}")
            await self.projection.create_tables(connection, suffix)
            for batch in batches:
                relevant = self.relevant(batch)
                if relevant:
                    async with connection.transaction():
                        await self.projection.apply(connection, relevant, suffix)
            for table in tables if shadow else ():
                await connection.execute(f"ALTER TABLE {table}{SHADOW} RENAME TO {table}")


@dataclasses.dataclass
class Scenario:
    spec: ProjectionSpec
    given_facts: list[Fact]
    new_facts: list[Fact] = dataclasses.field(default_factory=list)
    verified: bool = False

    def when(self, *facts: Fact) -> Scenario:
        self.new_facts = list(facts)
        return self

    async def then(self, *expectations: Expectation) -> None:
        """Every expectation holds after every batching of the facts."""
        assert expectations, "a spec without expectations proves nothing"
        self.verified = True
        events = recorded_events(self.given_facts + self.new_facts)
        for name, (batching, shadow) in BATCHINGS.items():
            if name == "given, then when" and not self.new_facts:
                continue
            await self.spec.replay(batching(events, len(self.given_facts)), shadow)
            for expectation in expectations:
                try:
                    await expectation.verify(self.spec.pool)
                except AssertionError as failure:
                    raise AssertionError(f"{name}: {failure}") from None
