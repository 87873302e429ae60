"""personal-data: what sealing personal data with each subject's key costs (issue 20, Speed).

(a) append: `Repository.save` of a command whose event holds a personal text, by a customer on
    their own phone (a personal context too), sealed against the same store with sealing off
    (the store as it was), at concurrency 1 and 8, interleaved rounds in fresh schemas;
    target >= 0.8.
(b) load: `Repository.get` of a customer's 20 carts (10 events each: created on their phone,
    the device id personal, then 9 lines) by a store that did not write them, its keys held
    (steady state), sealed against plain; target >= 0.8. Informational: the same with the key
    read from the database at every load (a process that never saw the customer), and the
    worst case of 20 aggregates whose every event holds a personal text.
(c) forget: `store.forget` of a customer with 1,000 sealed events (10 streams of 100, each with
    a snapshot), median of 5 customers; target < 2 s. Forgetting deletes a key: it does not
    touch the events, so it costs the same at 10 or 100,000 events.

`omni bench append` prints (a) too.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.domain import Aggregate, event

from adapters.postgres.store import PostgresEventStore
from adapters.settings import Settings
from bench.common import Rate, fresh_database, median, ratio_line, timed_workers
from domain.cart.model import Cart
from domain.personal import DataSubject, PersonalText, customer_subject
from domain.repository import Repository
from domain.values import Actor, ActorKind, Channel, Context, Money

NOTE = "please call after six; the side door, not the shop"
ROUNDS = 4
WARMUP = 3
CUSTOMER_STREAMS, EVENTS_PER_STREAM, LOADS = 20, 10, 30
FORGET_STREAMS, FORGET_EVENTS, FORGETS = 10, 100, 5


class Visit(Aggregate):
    """A customer's visit log: each note personal, sealed with the customer's key."""

    customer_id: str
    notes: int
    last_note: PersonalText

    @event("Opened")
    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.notes = 0
        self.last_note = ""

    class Noted(Aggregate.Event):
        note: PersonalText

    @event(Noted)
    def write(self, note: str) -> None:
        self.notes += 1
        self.last_note = note

    @property
    def data_subject(self) -> DataSubject:
        return customer_subject(self.customer_id)


def context_of(customer_id: str) -> Context:
    actor = Actor(ActorKind.CUSTOMER, customer_id)
    return Context(channel=Channel.MOBILE, device_id=f"phone-of-{customer_id}", actor=actor)


async def run(settings: Settings, seconds: float) -> list[str]:
    lines = await append_lines(settings, seconds)
    lines += await _load_lines(settings)
    lines += await _forget_lines(settings)
    return lines


async def append_lines(settings: Settings, seconds: float) -> list[str]:
    lines = [f"personal-data append: one-event commands/s, sealed vs plain ({ROUNDS} rounds)"]
    for concurrency in (1, 8):
        runs: dict[bool, list[Rate]] = {True: [], False: []}
        for turn in range(ROUNDS):
            for sealing in (turn % 2 == 0, turn % 2 == 1):
                runs[sealing].append(
                    await _appends(settings, concurrency, seconds / ROUNDS, sealing)
                )
        sealed, plain = Rate.merged(runs[True]), Rate.merged(runs[False])
        lines += [
            f"  c={concurrency} sealed {sealed.describe('cmds')}",
            f"  c={concurrency} plain  {plain.describe('cmds')}",
            ratio_line(
                f"append sealed / plain at c={concurrency}",
                sealed.per_second / plain.per_second,
                0.8,
            ),
        ]
    return lines


async def _appends(settings: Settings, concurrency: int, seconds: float, sealing: bool) -> Rate:
    async with fresh_database(settings, pool_size=concurrency) as database:
        store = PostgresEventStore(database.pool, keys=database.store.keys, sealing=sealing)
        repository = Repository(store)
        customers = [f"cust-{uuid4().hex[:8]}" for _ in range(concurrency)]
        visits = [Visit(customer_id=customer) for customer in customers]
        for visit in visits:
            await repository.save(visit, context=context_of(visit.customer_id))

        async def command(worker: int) -> int:
            visit = visits[worker]
            visit.write(NOTE)
            await repository.save(visit, context=context_of(visit.customer_id))
            return 1

        return await timed_workers(concurrency, seconds, command, WARMUP)


LOADED = ("sealed", "plain", "keys read", "worst sealed", "worst plain")


async def _load_lines(settings: Settings) -> list[str]:
    timings: dict[str, list[float]] = {name: [] for name in LOADED}
    async with fresh_database(settings, pool_size=4) as database:
        pool, keys = database.pool, database.store.keys
        sealed = Repository(PostgresEventStore(pool, keys=keys))
        plain = Repository(PostgresEventStore(pool, sealing=False))
        carts = {"sealed": await _carts(sealed), "plain": await _carts(plain)}
        visits = {"sealed": await _visits(sealed), "plain": await _visits(plain)}
        readers = {  # stores that did not write them: no state remembered
            "sealed": Repository(PostgresEventStore(pool, keys=keys)),
            "plain": Repository(PostgresEventStore(pool, sealing=False)),
        }
        loads = {
            "sealed": (readers["sealed"], carts["sealed"], Cart),
            "plain": (readers["plain"], carts["plain"], Cart),
            "keys read": (readers["sealed"], carts["sealed"], Cart),
            "worst sealed": (readers["sealed"], visits["sealed"], Visit),
            "worst plain": (readers["plain"], visits["plain"], Visit),
        }
        for turn in range(LOADS):  # each goes first in turn, so drift falls on all alike
            for name in LOADED[turn % 5 :] + LOADED[: turn % 5]:
                if name == "keys read":
                    keys.clear_cache()
                reader, ids, cls = loads[name]
                started = time.perf_counter()
                for stream_id in ids:
                    await reader.get(stream_id, cls)
                timings[name].append(time.perf_counter() - started)
    ms = {name: median(values) * 1000 for name, values in timings.items()}
    return [
        f"personal-data load: a customer's {CUSTOMER_STREAMS} carts of {EVENTS_PER_STREAM} "
        f"events, median of {LOADS}",
        *(f"  {name:13} {ms[name]:8.2f} ms" for name in LOADED),
        ratio_line("load plain / sealed (keys held)", ms["plain"] / ms["sealed"], 0.8),
        ratio_line("load plain / sealed (keys read)", ms["plain"] / ms["keys read"], None),
        ratio_line(
            "load plain / sealed (every event personal)",
            ms["worst plain"] / ms["worst sealed"],
            None,
        ),
    ]


async def _carts(repository: Repository) -> list:
    customer = f"cust-{uuid4().hex[:8]}"
    ids = []
    for _ in range(CUSTOMER_STREAMS):
        at = datetime.now(UTC)
        cart = Cart.create(uuid4(), Channel.MOBILE, f"phone-of-{customer}", customer, at=at)
        for line in range(EVENTS_PER_STREAM - 1):
            cart.add_line(f"SKU-{line}", 1, Money.of("9.95"), at)
        await repository.save(cart, context=context_of(customer))
        ids.append(cart.id)
    return ids


async def _visits(repository: Repository) -> list:
    customer = f"cust-{uuid4().hex[:8]}"
    ids = []
    for _ in range(CUSTOMER_STREAMS):
        visit = Visit(customer_id=customer)
        for _ in range(EVENTS_PER_STREAM - 1):
            visit.write(NOTE)
        await repository.save(visit, context=context_of(customer))
        ids.append(visit.id)
    return ids


async def _forget_lines(settings: Settings) -> list[str]:
    timings = []
    async with fresh_database(settings, pool_size=4) as database:
        repository = Repository(database.store)
        for _ in range(FORGETS):
            customer = f"cust-{uuid4().hex[:8]}"
            for _ in range(FORGET_STREAMS):
                visit = Visit(customer_id=customer)
                for _ in range(FORGET_EVENTS - 1):
                    visit.write(NOTE)
                await repository.save(visit, context=context_of(customer))
            started = time.perf_counter()
            await database.store.forget(customer_subject(customer))
            timings.append(time.perf_counter() - started)
            assert (await repository.get(visit.id, Visit)).last_note != NOTE
    seconds = median(timings)
    return [
        f"personal-data forget: a customer of {FORGET_STREAMS * FORGET_EVENTS:,} events, "
        f"median of {FORGETS}: {seconds * 1000:.1f} ms",
        ratio_line("forget seconds (target < 2 s)", seconds, 2.0, higher_is_better=False),
    ]
