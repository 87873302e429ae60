"""personal-data: what sealing personal data with each subject's key costs (issue 20, Speed).

(a) append: `Repository.save` of a command whose event holds a personal text, by a customer on
    their own phone (a personal context too), sealed against the same store with sealing off
    (the store as it was), each worker taking turns, at concurrency 1 and 8; the ratio of
    median latencies (commands/s, sealed / plain); target >= 0.8.
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

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.domain import Aggregate, event

from adapters.keys.master import MasterKeys
from adapters.keys.postgres import PostgresKeyStore
from adapters.postgres.store import PostgresEventStore
from adapters.settings import Settings
from bench.common import fresh_database, median, ratio_line
from domain.cart.model import Cart
from domain.personal import DataSubject, PersonalText, customer_subject
from domain.repository import Repository
from domain.values import Actor, ActorKind, Channel, Context, Money

NOTE = "please call after six; the side door, not the shop"
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
    lines = [
        "personal-data append: one-event commands, sealed and plain taking turns in each "
        f"worker ({seconds:g} s per concurrency); median latency"
    ]
    for concurrency in (1, 8):
        latencies = await _appends(settings, concurrency, seconds)
        sealed, plain = median(latencies[True]), median(latencies[False])
        lines += [
            f"  c={concurrency} sealed {sealed * 1000:6.3f} ms  plain {plain * 1000:6.3f} ms"
            f"  ({len(latencies[True]):,} and {len(latencies[False]):,} commands)",
            ratio_line(
                f"append sealed / plain (commands/s) at c={concurrency}", plain / sealed, 0.8
            ),
        ]
    return lines


async def _appends(settings: Settings, concurrency: int, seconds: float) -> dict[bool, list[float]]:
    """Each worker saves a sealed and a plain command in turn (who goes first alternating),
    so the noise of a shared machine falls on both alike."""
    async with fresh_database(settings, pool_size=concurrency * 2) as database:
        pool, layout = database.pool, database.store.layout
        stores = {
            True: Repository(PostgresEventStore(pool, keys=database.store.keys, layout=layout)),
            False: Repository(PostgresEventStore(pool, sealing=False, layout=layout)),
        }
        visits = {
            sealing: [Visit(customer_id=f"cust-{uuid4().hex[:8]}") for _ in range(concurrency)]
            for sealing in stores
        }
        latencies: dict[bool, list[float]] = {True: [], False: []}

        async def save(sealing: bool, worker: int, timed: bool) -> None:
            visit = visits[sealing][worker]
            visit.write(NOTE)
            started = time.perf_counter()
            await stores[sealing].save(visit, context=context_of(visit.customer_id))
            if timed:
                latencies[sealing].append(time.perf_counter() - started)

        async def worker(number: int) -> None:
            for turn in range(WARMUP):
                await save(turn % 2 == 0, number, False)
                await save(turn % 2 == 1, number, False)
            deadline, turn = time.perf_counter() + seconds, 0
            while time.perf_counter() < deadline:
                await save(turn % 2 == 0, number, True)
                await save(turn % 2 == 1, number, True)
                turn += 1

        await asyncio.gather(*(worker(n) for n in range(concurrency)))
        return latencies


LOADED = ("sealed", "plain", "keys read", "worst sealed", "worst plain")


async def _load_lines(settings: Settings) -> list[str]:
    async with fresh_database(settings, pool_size=4) as database:
        pool, keys, layout = database.pool, database.store.keys, database.store.layout
        sealed = Repository(PostgresEventStore(pool, keys=keys, layout=layout))
        plain = Repository(PostgresEventStore(pool, sealing=False, layout=layout))
        carts = {"sealed": await _carts(sealed), "plain": await _carts(plain)}
        visits = {"sealed": await _visits(sealed), "plain": await _visits(plain)}
        cold_keys = PostgresKeyStore(pool, MasterKeys.for_deployment(settings.master_keys, False))
        readers = {  # stores that did not write them: no state remembered
            "sealed": Repository(PostgresEventStore(pool, keys=keys, layout=layout)),
            "plain": Repository(PostgresEventStore(pool, sealing=False, layout=layout)),
            "keys read": Repository(PostgresEventStore(pool, keys=cold_keys, layout=layout)),
        }
        loads = {
            "sealed": (readers["sealed"], carts["sealed"], Cart),
            "plain": (readers["plain"], carts["plain"], Cart),
            "keys read": (readers["keys read"], carts["sealed"], Cart),
            "worst sealed": (readers["sealed"], visits["sealed"], Visit),
            "worst plain": (readers["plain"], visits["plain"], Visit),
        }
        wall, cpu = await _timed_loads(loads, cold_keys.clear_cache)
    ms = {name: median(values) * 1000 for name, values in wall.items()}
    cpu_ms = {name: median(values) * 1000 for name, values in cpu.items()}
    return [
        f"personal-data load: one of a customer's {CUSTOMER_STREAMS} carts of "
        f"{EVENTS_PER_STREAM} events, median of {LOADS * CUSTOMER_STREAMS} loads each, in turns",
        *(f"  {name:13} {ms[name]:7.3f} ms  (cpu {cpu_ms[name]:6.3f} ms)" for name in LOADED),
        ratio_line("load plain / sealed (keys held)", ms["plain"] / ms["sealed"], 0.8),
        ratio_line("load plain / sealed, client CPU", cpu_ms["plain"] / cpu_ms["sealed"], None),
        ratio_line("load plain / sealed (keys read)", ms["plain"] / ms["keys read"], None),
        ratio_line(
            "load plain / sealed (every event personal)",
            ms["worst plain"] / ms["worst sealed"],
            None,
        ),
    ]


async def _timed_loads(
    loads: dict[str, tuple[Repository, list, type]], forget_keys: Callable[[], None]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Each aggregate loaded by every variant in turn (who goes first rotating), so that the
    noise of a shared machine falls on all of them alike."""
    wall: dict[str, list[float]] = {name: [] for name in LOADED}
    cpu: dict[str, list[float]] = {name: [] for name in LOADED}
    for turn in range(LOADS):
        for index in range(CUSTOMER_STREAMS):
            shift = (turn + index) % len(LOADED)
            for name in LOADED[shift:] + LOADED[:shift]:
                if name == "keys read":
                    forget_keys()  # only from memory: the key is read again
                reader, ids, cls = loads[name]
                started, used = time.perf_counter(), time.process_time()
                await reader.get(ids[index], cls)
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - used)
    return wall, cpu


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
