"""Erasure's work beyond its event (issue 20, item 2), in one transaction: the customers' data
keys and those of the guests linked to them become tombstones, their directory rows go, the
notifier forgets the addresses it mailed, and every read model scrubs their rows.

What the read models can hold of a person in the clear is known before the keys go: the
texts their keys sealed (read here, opened, just before) and their directory row. Each read
model replaces those texts in that customer's rows with the placeholder a rebuild would read
(projections/erasure.py), so a rebuild after the erasure gives the same rows. A projection
batch that opened a text before the keys went may commit after that scrub: once the running
projections have passed the erasure (bounded wait), the scrub runs a second time. The sign-in
identity is the customer id itself (the token's subject); once the directory row and the key
are gone the id is a pseudonym and stays in events and read models.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence
from typing import Protocol
from uuid import UUID

import asyncpg

from adapters.keys.postgres import FORGET_LINKED, NOTIFY, TOMBSTONE
from adapters.postgres.erased_customers import ErasedCustomers, record_erased
from adapters.postgres.store import PostgresEventStore
from domain.personal import ERASED, customer_subject, personal_fields
from domain.ports import Position
from domain.values import context_subject

log = logging.getLogger(__name__)

# Literal topics, so that the planner uses the partial indexes of migration 0022.
PICKUPS_AND_RETURNS = """
SELECT stream_id FROM events
WHERE topic IN ('domain.pickup.model:Pickup.Requested', 'domain.returns.model:Return.Requested')
  AND state ->> 'customer_id' = ANY($1::text[])
"""
ERASURE_REQUESTS = """
SELECT DISTINCT stream_id FROM events
WHERE topic = 'domain.customer.profile:CustomerProfile.ErasureRequested'
"""
PENDING = """SELECT EXISTS (SELECT 1 FROM data_keys WHERE subject = ANY($1::text[])
                                                    AND wrapped IS NOT NULL)
                  OR EXISTS (SELECT 1 FROM customers WHERE id = ANY($2::text[]))"""
RUNNING_CHECKPOINTS = """SELECT transaction_id, position FROM projection_checkpoints
                          WHERE name = ANY($1::text[]) AND state = 'running'"""
SETTLE_SECONDS = 5.0
LINKED = "SELECT subject FROM data_keys WHERE linked_to = ANY($1::text[])"
DIRECTORY = """SELECT first_name, last_name, email, phone, loyalty_id FROM customers
               WHERE id = ANY($1::text[])"""


class ReadModel(Protocol):
    """A projection as erasure sees it: its tables, and how it scrubs a customer's rows."""

    @property
    def name(self) -> str: ...

    @property
    def tables(self) -> tuple[str, ...]: ...

    async def erase(
        self, connection: asyncpg.Connection, customer_ids: Sequence[str], texts: Collection[str]
    ) -> None: ...


class PostgresEraser:
    """`settle_seconds`: how long the erasure waits for running projections to pass it before
    scrubbing a second time (a batch that opened a text before the keys went may commit after
    the first scrub). `erased`: this process's set of erased customers, told at once."""

    def __init__(
        self,
        store: PostgresEventStore,
        read_models: Sequence[ReadModel],
        settle_seconds: float = SETTLE_SECONDS,
        erased: ErasedCustomers | None = None,
    ) -> None:
        self.store, self.read_models = store, list(read_models)
        self.settle_seconds = settle_seconds
        self.erased = erased

    async def erase(self, customer_ids: Sequence[str]) -> None:
        subjects = [customer_subject(c) for c in customer_ids]
        pool = self.store.pool
        # First: their tokens stop working in every process (api/auth.py), even should what
        # follows fail and wait for `erase_due`.
        await record_erased(pool, customer_ids)
        if self.erased is not None:
            self.erased.add(customer_ids)
        if not await pool.fetchval(PENDING, subjects, list(customer_ids)):
            return  # done before: no key and no directory row left
        guests = [row["subject"] for row in await pool.fetch(LINKED, subjects)]
        texts = await self.texts_of([*subjects, *guests])  # what read models hold of them
        directory = {
            v for row in await pool.fetch(DIRECTORY, list(customer_ids)) for v in row.values() if v
        }
        async with pool.acquire() as connection, connection.transaction():
            for subject in subjects:
                await connection.execute(TOMBSTONE, subject)
                await connection.fetch(FORGET_LINKED, subject)
                await connection.execute(NOTIFY, subject)
            await connection.execute(
                "DELETE FROM customers WHERE id = ANY($1::text[])", customer_ids
            )
            await connection.execute(
                "UPDATE outbox_notifications SET recipient = NULL WHERE recipient = ANY($1)",
                sorted(directory),
            )
            await self._scrub(connection, customer_ids, texts)
        self.store.keys.clear_cache()
        self.store.recent.clear()
        if await self._projections_pass(await self.store.committed_head()):
            async with pool.acquire() as connection, connection.transaction():
                await self._scrub(connection, customer_ids, texts)
        else:
            log.warning(
                "erasure: a running read model did not reach the erasure within %.0f s; rows "
                "it projects from texts opened before the keys went are not scrubbed again",
                self.settle_seconds,
            )
        log.info(
            "erased %d customer(s): %d key(s) forgotten", len(subjects), len(subjects) + len(guests)
        )

    async def pickups_and_returns_of(self, customer_ids: Sequence[str]) -> list[UUID]:
        rows = await self.store.pool.fetch(PICKUPS_AND_RETURNS, list(customer_ids))
        return [row["stream_id"] for row in rows]

    async def erasure_requests(self) -> list[UUID]:
        return [row["stream_id"] for row in await self.store.pool.fetch(ERASURE_REQUESTS)]

    async def texts_of(self, subjects: Sequence[str]) -> set[str]:
        """Every personal text these subjects' keys sealed: event fields and device ids."""
        wanted = set(subjects)
        texts: set[str] = set()
        for recorded in await self.store.sealed_with(sorted(wanted)):
            for field in personal_fields(type(recorded.event)):
                value = getattr(recorded.event, field, None)
                if isinstance(value, str):
                    texts.add(value)
            if context_subject(recorded.context) in wanted and recorded.context.device_id:
                texts.add(recorded.context.device_id)
        texts.discard(ERASED)
        return texts

    async def _scrub(
        self, connection: asyncpg.Connection, customer_ids: Sequence[str], texts: set[str]
    ) -> None:
        for read_model in self.read_models:
            if await self._has_tables(connection, read_model):
                await read_model.erase(connection, list(customer_ids), texts)

    async def _projections_pass(self, head: Position) -> bool:
        """Whether every running read model's checkpoint reaches `head` in time."""
        names = [read_model.name for read_model in self.read_models]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settle_seconds
        while True:
            rows = await self.store.pool.fetch(RUNNING_CHECKPOINTS, names)
            if all(Position(r["transaction_id"], r["position"]) >= head for r in rows):
                return True
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(0.05)

    @staticmethod
    async def _has_tables(connection: asyncpg.Connection, read_model: ReadModel) -> bool:
        """A read model that never ran has nothing to scrub (and its carts need cart_view)."""
        names = [*read_model.tables, "cart_view"]
        found = await connection.fetchval(
            "SELECT count(to_regclass(n)) FROM unnest($1::text[]) AS n", names
        )
        return bool(found == len(names))
