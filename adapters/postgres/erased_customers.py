"""The customers erased, held in memory by every process (`erased_customers`, migration 0024):
read on every request that carries a customer's token, so never from the database then.

Loaded at start; the eraser records an erasure as soon as its event is committed and notifies
`<schema>_erased_customers`, on which every process loads the table again (and after its
listening connection was lost, as a notification may have been missed). The set only grows:
an erasure is never undone, so a load that began before an erasure it missed cannot take one
away that the eraser's own process added.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence

import asyncpg

from adapters.postgres.notify import Reloads

ERASED_CHANNEL = "erased_customers"
LOAD = "SELECT customer_id FROM erased_customers"
# Notifies only when something is new: `erase_due` finishes erasures again on every tick.
RECORD = f"""
WITH recorded AS (
    INSERT INTO erased_customers (customer_id) SELECT DISTINCT unnest($1::text[])
    ON CONFLICT DO NOTHING RETURNING customer_id
)
SELECT pg_notify(current_schema() || '_{ERASED_CHANNEL}', '') WHERE EXISTS (SELECT FROM recorded)
"""

Load = Callable[[], Awaitable[Iterable[str]]]
Subscribe = Callable[[str, Callable[[], None]], Awaitable[None]]


class ErasedCustomers:
    """A set of customer ids (`in` is all a request asks of it), loaded by `load`."""

    def __init__(self, load: Load) -> None:
        self._load = load
        self._ids: frozenset[str] = frozenset()
        self._reloads = Reloads(self.load, "erased customers")

    def __contains__(self, customer_id: object) -> bool:
        return customer_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, customer_ids: Iterable[str]) -> None:
        """Erased by this process: known at once, before its notification comes back."""
        self._ids = self._ids | frozenset(customer_ids)

    async def load(self) -> None:
        self.add(await self._load())

    def changed(self) -> None:
        """Another process erased someone (or a notification may have been missed): load again,
        once more after the load under way if one is."""
        self._reloads.changed()

    async def settled(self) -> None:
        """Once the load under way (if any) has ended."""
        await self._reloads.settled()

    async def stop(self) -> None:
        await self._reloads.stop()


async def erased_customers(pool: asyncpg.Pool, subscribe: Subscribe) -> ErasedCustomers:
    """The set, loaded, and kept current by the notifier's `subscribe`."""

    async def load() -> list[str]:
        return [row["customer_id"] for row in await pool.fetch(LOAD)]

    erased = ErasedCustomers(load)
    await subscribe(ERASED_CHANNEL, erased.changed)
    await erased.load()  # after subscribing: an erasure between the two is not missed
    return erased


async def record_erased(pool: asyncpg.Pool, customer_ids: Sequence[str]) -> None:
    """Record customers erased, and tell every process when one is new."""
    await pool.execute(RECORD, list(customer_ids))
