"""Data keys in PostgreSQL (`data_keys`, migration 0019), cached in each process.

A key is created by the first write for its subject (one statement for all the subjects of an
append that this process does not hold yet) and read by the first read. `forget` replaces the
subject's wrapped key, and those of the guests linked to it, with a tombstone in one
transaction, and notifies every process (`<schema>_data_keys`): each drops the keys it holds,
as the catalog cache does. A key held longer than MAX_AGE_SECONDS is read again anyway, should
a notification ever be lost.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence

import asyncpg
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.keys.master import KeyWrapper, new_data_key
from adapters.keys.sealing import Keys

KEYS_CHANNEL = "data_keys"
MAX_KEYS_HELD = 100_000  # ~200 bytes each with its cipher object
MAX_AGE_SECONDS = 60.0
OBTAIN_ATTEMPTS = 3

# Inserts the keys this process made for the subjects that have none and answers every
# subject's stored key. The sub-statements share one snapshot: a key another transaction
# committed meanwhile is neither inserted nor seen, and is asked for again.
OBTAIN = """
WITH made AS (
    SELECT * FROM unnest($1::text[], $2::bytea[]) AS m(subject, wrapped)
), created AS (
    INSERT INTO data_keys (subject, wrapped, master_key_id)
    SELECT subject, wrapped, $3 FROM made ORDER BY subject
    ON CONFLICT (subject) DO NOTHING
    RETURNING subject, wrapped, master_key_id
)
SELECT subject, wrapped, master_key_id FROM created
UNION ALL
SELECT subject, wrapped, master_key_id FROM data_keys WHERE subject = ANY($1::text[])
"""
FETCH = "SELECT subject, wrapped, master_key_id FROM data_keys WHERE subject = ANY($1::text[])"
LINK = """
INSERT INTO data_keys AS k (subject, wrapped, master_key_id, linked_to)
SELECT * FROM unnest($1::text[], $2::bytea[], $3::text[], $4::text[]) ORDER BY 1
ON CONFLICT (subject) DO UPDATE SET linked_to = excluded.linked_to WHERE k.linked_to IS NULL
"""
TOMBSTONE = """
INSERT INTO data_keys AS k (subject, wrapped, master_key_id, forgotten_at)
VALUES ($1, NULL, NULL, now())
ON CONFLICT (subject) DO UPDATE
SET wrapped = NULL, master_key_id = NULL, forgotten_at = coalesce(k.forgotten_at, now())
"""
FORGET_LINKED = """
UPDATE data_keys SET wrapped = NULL, master_key_id = NULL,
                     forgotten_at = coalesce(forgotten_at, now())
WHERE linked_to = $1 RETURNING subject
"""
NOTIFY = f"SELECT pg_notify(current_schema() || '_{KEYS_CHANNEL}', $1)"


class KeyCache:
    """Keys (or tombstones: None) by subject, least recently used dropped past a bound."""

    def __init__(
        self,
        capacity: int = MAX_KEYS_HELD,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity, self.max_age, self.clock = capacity, max_age, clock
        self._held: OrderedDict[str, tuple[float, AESGCM | None]] = OrderedDict()
        # Bumped by every clear: a read that began before one must not store what it read.
        self.generation = 0

    def get(self, subject: str) -> AESGCM | bool | None:
        held = self._held.get(subject)
        if held is None or self.clock() - held[0] > self.max_age:
            return False
        self._held.move_to_end(subject)
        return held[1]

    def put(self, subject: str, key: AESGCM | None, generation: int) -> None:
        if generation != self.generation:
            return
        self._held[subject] = (self.clock(), key)
        self._held.move_to_end(subject)
        if len(self._held) > self.capacity:
            self._held.popitem(last=False)

    def clear(self) -> None:
        self.generation += 1
        self._held.clear()


class PostgresKeyStore:
    def __init__(self, pool: asyncpg.Pool, master: KeyWrapper) -> None:
        self.pool, self.master = pool, master
        self.cache = KeyCache()

    def cached(self, subject: str) -> AESGCM | bool | None:
        return self.cache.get(subject)

    async def for_writing(self, subjects: Collection[str]) -> Keys:
        keys, missing = self._from_cache(subjects)
        for _ in range(OBTAIN_ATTEMPTS):
            if not missing:
                return keys
            ordered = sorted(missing)
            made = [await self.master.wrap(subject, new_data_key()) for subject in ordered]
            generation = self.cache.generation
            rows = await self.pool.fetch(OBTAIN, ordered, made, self.master.key_id)
            keys |= await self._opened(rows, generation)
            missing -= set(keys)
        raise RuntimeError(f"no data key could be had for {sorted(missing)}")

    async def for_reading(self, subjects: Collection[str]) -> Keys:
        keys, missing = self._from_cache(subjects)
        if missing:
            generation = self.cache.generation
            keys |= await self._opened(await self.pool.fetch(FETCH, list(missing)), generation)
        return keys

    async def link(self, links: Sequence[tuple[str, str]]) -> None:
        guests = [guest for guest, _ in links]
        made = [await self.master.wrap(guest, new_data_key()) for guest in guests]
        ids = [self.master.key_id] * len(guests)
        await self.pool.execute(LINK, guests, made, ids, [customer for _, customer in links])

    async def forget(self, subject: str) -> list[str]:
        async with self.pool.acquire() as connection, connection.transaction():
            await connection.execute(TOMBSTONE, subject)
            linked = [row["subject"] for row in await connection.fetch(FORGET_LINKED, subject)]
            await connection.execute(NOTIFY, subject)
        self.cache.clear()
        return [subject, *linked]

    def clear_cache(self) -> None:
        self.cache.clear()

    def _from_cache(self, subjects: Collection[str]) -> tuple[dict[str, AESGCM | None], set[str]]:
        keys: dict[str, AESGCM | None] = {}
        missing = set()
        for subject in subjects:
            held = self.cache.get(subject)
            if held is False:
                missing.add(subject)
            else:
                keys[subject] = held  # type: ignore[assignment]
        return keys, missing

    async def _opened(
        self, rows: list[asyncpg.Record], generation: int
    ) -> dict[str, AESGCM | None]:
        keys: dict[str, AESGCM | None] = {}
        for row in rows:
            subject, wrapped = row["subject"], row["wrapped"]
            key = None
            if wrapped is not None:
                raw = await self.master.unwrap(subject, row["master_key_id"], bytes(wrapped))
                key = AESGCM(raw)
            keys[subject] = key
            self.cache.put(subject, key, generation)
        return keys


async def rewrap(pool: asyncpg.Pool, master: KeyWrapper, batch_size: int = 1000) -> int:
    """Rotate the master key: every data key wrapped by another master key (still configured,
    e.g. in OMNI_PREVIOUS_MASTER_KEYS) is wrapped again by the current one, a batch per
    transaction, safe to interrupt and run again. The data keys, and so every sealed text,
    stay as they are. Returns how many keys were rewrapped."""
    done = 0
    while True:
        async with pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(
                """SELECT subject, wrapped, master_key_id FROM data_keys
                   WHERE wrapped IS NOT NULL AND master_key_id <> $1
                   ORDER BY subject LIMIT $2 FOR UPDATE SKIP LOCKED""",
                master.key_id,
                batch_size,
            )
            if not rows:
                return done
            subjects = [row["subject"] for row in rows]
            rewrapped = [
                await master.wrap(
                    r["subject"],
                    await master.unwrap(r["subject"], r["master_key_id"], bytes(r["wrapped"])),
                )
                for r in rows
            ]
            await connection.execute(
                """UPDATE data_keys k SET wrapped = r.wrapped, master_key_id = $3
                   FROM unnest($1::text[], $2::bytea[]) AS r(subject, wrapped)
                   WHERE k.subject = r.subject""",
                subjects,
                rewrapped,
                master.key_id,
            )
            done += len(rows)
