"""Data keys in memory, with the PostgreSQL key store's behaviour, for the in-memory store."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapters.keys.master import KeyWrapper, MasterKeys, new_data_key
from adapters.keys.sealing import Keys


class InMemoryKeyStore:
    """Wrapped keys by subject; a forgotten subject keeps a tombstone (no key) for good."""

    def __init__(self, master: KeyWrapper | None = None) -> None:
        self.master = master or MasterKeys.development()
        self._wrapped: dict[str, tuple[str, bytes] | None] = {}
        self._linked_to: dict[str, str] = {}
        self._held: dict[str, AESGCM] = {}  # unwrapped, as a process holds them

    async def for_writing(self, subjects: Collection[str]) -> Keys:
        for subject in subjects:
            if subject not in self._wrapped:
                self._wrapped[subject] = await self._wrapped_new(subject)
        return await self.for_reading(subjects)

    async def for_reading(self, subjects: Collection[str]) -> Keys:
        return {subject: await self._key(subject) for subject in subjects}

    def cached(self, subject: str) -> AESGCM | bool | None:
        if subject in self._held:
            return self._held[subject]
        return None if subject in self._wrapped and self._wrapped[subject] is None else False

    async def link(self, links: Sequence[tuple[str, str]]) -> None:
        for guest, customer in links:
            self._linked_to.setdefault(guest, customer)
            if guest not in self._wrapped:
                self._wrapped[guest] = await self._wrapped_new(guest)

    async def forget(self, subject: str) -> list[str]:
        linked = [guest for guest, to in self._linked_to.items() if to == subject]
        for forgotten in (subject, *linked):
            self._wrapped[forgotten] = None
            self._held.pop(forgotten, None)
        return [subject, *linked]

    def clear_cache(self) -> None:
        self._held.clear()

    async def _wrapped_new(self, subject: str) -> tuple[str, bytes]:
        return self.master.key_id, await self.master.wrap(subject, new_data_key())

    async def _key(self, subject: str) -> AESGCM | None:
        stored = self._wrapped.get(subject)
        if stored is None:
            return None
        if subject not in self._held:
            key_id, wrapped = stored
            self._held[subject] = AESGCM(await self.master.unwrap(subject, key_id, wrapped))
        return self._held[subject]
