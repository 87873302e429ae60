"""The event store contract (DESIGN §3), run against the in-memory and PostgreSQL stores."""

from __future__ import annotations

import asyncio
import random
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate, event

from domain.errors import ConcurrencyError, EventEncodingError
from domain.personal import ERASED, DataSubject, PersonalText, customer_subject
from domain.ports import EventStore, Position, RecordedEvent
from domain.repository import Repository
from domain.values import Actor, ActorKind, Channel, Context, Money

CONTEXT = Context(
    channel=Channel.MOBILE,
    device_id="phone-7",
    actor=Actor(ActorKind.CUSTOMER, "cust-42"),
    correlation_id=UUID("11111111-1111-4111-8111-111111111111"),
)


class Till(Aggregate):
    """A tiny aggregate for the contract: a till that takes payments."""

    store_id: str
    taken: Money

    @event("Opened")
    def __init__(self, store_id: str) -> None:
        self.store_id = store_id
        self.taken = Money.zero()

    class PaymentTaken(Aggregate.Event):
        amount: Money
        receipt: UUID

    @event(PaymentTaken)
    def take(self, amount: Money, receipt: UUID) -> None:
        self.taken = self.taken + amount


def new_till(payments: int = 0) -> Till:
    till = Till(store_id="ST-AMS")
    for _ in range(payments):
        till.take(Money.of("2.50"), uuid4())
    return till


async def saved_till(store: EventStore, payments: int = 0) -> Till:
    till = new_till(payments)
    await store.append(till.collect_events(), CONTEXT)
    return till


async def test_events_round_trip_exactly_with_their_context(store: EventStore) -> None:
    till = new_till(payments=2)
    originals = till.collect_events()
    await store.append(originals, CONTEXT)

    assert await store.read_stream(till.id) == originals
    recorded = await store.read_all(Position())
    assert [r.event for r in recorded] == originals
    assert {r.context for r in recorded} == {CONTEXT}
    assert recorded[1].event.amount == Money(Decimal("2.50"), "EUR")


async def test_concurrent_appends_at_one_version_let_exactly_one_win(store: EventStore) -> None:
    till = await saved_till(store)
    rivals = []
    for _ in range(32):
        rival = await Repository(store).get(till.id, Till)
        rival.take(Money.of("1.00"), uuid4())
        rivals.append(rival.collect_events())

    outcomes = await asyncio.gather(
        *(store.append(events, CONTEXT) for events in rivals), return_exceptions=True
    )

    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert len(outcomes) - len(failures) == 1
    assert all(isinstance(f, ConcurrencyError) and f.stream_id == till.id for f in failures)
    versions = [e.originator_version for e in await store.read_stream(till.id)]
    assert versions == [1, 2]


async def test_a_multi_stream_append_with_one_stale_stream_writes_nothing(
    store: EventStore,
) -> None:
    fresh, stale = await saved_till(store), await saved_till(store)
    moved_on = await Repository(store).get(stale.id, Till)
    moved_on.take(Money.of("9.99"), uuid4())
    await store.append(moved_on.collect_events(), CONTEXT)
    before = await store.read_all(Position())

    fresh.take(Money.of("1.00"), uuid4())
    stale.take(Money.of("1.00"), uuid4())
    with pytest.raises(ConcurrencyError) as refused:
        await store.append([*fresh.collect_events(), *stale.collect_events()], CONTEXT)

    assert refused.value.stream_id == stale.id
    assert await store.read_all(Position()) == before


async def test_a_stream_cannot_skip_versions(store: EventStore) -> None:
    till = await saved_till(store)
    ahead = new_till()
    ahead.collect_events()
    for _ in range(3):
        ahead.take(Money.of("1.00"), uuid4())
    events = ahead.collect_events()
    gap = [type(e)(**{**e.__dict__, "originator_id": till.id}) for e in events[1:]]

    with pytest.raises(ConcurrencyError):
        await store.append(gap, CONTEXT)
    assert len(await store.read_stream(till.id)) == 1


async def test_a_retried_idempotency_key_appends_once_and_returns_the_first_outcome(
    store: EventStore,
) -> None:
    till = await saved_till(store)
    results = []
    for attempt in range(3):
        retry = await Repository(store).get(till.id, Till)
        retry.take(Money.of("5.00"), uuid4())
        outcome = f"receipt-{attempt}".encode()
        results.append(await store.append(retry.collect_events(), CONTEXT, "pay-1", outcome))

    assert [r.outcome for r in results] == [b"receipt-0"] * 3
    assert [r.replayed for r in results] == [False, True, True]
    assert len({r.last_position for r in results}) == 1
    assert len(await store.read_stream(till.id)) == 2
    assert (await store.outcome_of("pay-1")).outcome == b"receipt-0"  # type: ignore[union-attr]


async def test_a_key_keeps_the_fingerprint_of_its_first_request_and_a_replay_returns_it(
    store: EventStore,
) -> None:
    till = await saved_till(store)
    results = []
    for request in (b"request-a", b"request-b"):
        retry = await Repository(store).get(till.id, Till)
        retry.take(Money.of("5.00"), uuid4())
        results.append(
            await store.append(
                retry.collect_events(), CONTEXT, "pay-2", b"receipt", fingerprint=request
            )
        )
    head = await store.last_position()

    first, again = results
    assert (first.replayed, first.fingerprint) == (False, b"request-a")
    assert (again.replayed, again.fingerprint, again.outcome) == (True, b"request-a", b"receipt")
    assert again.last_position == first.last_position == head
    assert len(await store.read_stream(till.id)) == 2
    recorded = await store.outcome_of("pay-2")
    assert recorded is not None and recorded.fingerprint == b"request-a"


async def test_a_refused_append_records_neither_its_key_nor_its_fingerprint(
    store: EventStore,
) -> None:
    till = await saved_till(store)
    stale = await Repository(store).get(till.id, Till)
    moved_on = await Repository(store).get(till.id, Till)
    moved_on.take(Money.of("1.00"), uuid4())
    await store.append(moved_on.collect_events(), CONTEXT)
    stale.take(Money.of("5.00"), uuid4())

    with pytest.raises(ConcurrencyError):
        await store.append(
            stale.collect_events(), CONTEXT, "pay-3", b"never", fingerprint=b"request-a"
        )

    assert await store.outcome_of("pay-3") is None
    fresh = await Repository(store).get(till.id, Till)
    fresh.take(Money.of("5.00"), uuid4())
    kept = await store.append(
        fresh.collect_events(), CONTEXT, "pay-3", b"receipt", fingerprint=b"request-b"
    )
    assert (kept.replayed, kept.fingerprint) == (False, b"request-b")
    assert (await store.outcome_of("pay-3")).fingerprint == b"request-b"  # type: ignore[union-attr]


async def test_concurrent_retries_of_one_key_append_once(store: EventStore) -> None:
    tills = [new_till(payments=1) for _ in range(5)]
    results = await asyncio.gather(
        *(store.append(t.collect_events(), CONTEXT, "order-77", b"first") for t in tills),
        return_exceptions=True,
    )
    assert all(not isinstance(r, Exception) and r.outcome == b"first" for r in results)
    assert sum(not r.replayed for r in results) == 1  # type: ignore[union-attr]
    assert len(await store.read_all(Position())) == 2


async def test_concurrent_writers_are_followed_live_without_skips_or_duplicates(
    store: EventStore,
) -> None:
    writers, appends_per_writer, events_per_append = 8, 160, 4  # 5,120 events
    seen: list[RecordedEvent] = []
    done = asyncio.Event()
    expected = writers * appends_per_writer * events_per_append

    async def follow() -> None:
        async for batch in store.follow(Position(), batch_size=500, poll_interval=0.05):
            seen.extend(batch)
            if len(seen) >= expected:
                done.set()
                return

    async def write(seed: int) -> None:
        rng = random.Random(seed)
        till = new_till(payments=events_per_append - 1)
        for append in range(appends_per_writer):
            if append:
                for _ in range(events_per_append):
                    till.take(Money.of(rng.randint(1, 99)), uuid4())
            await store.append(till.collect_events(), CONTEXT)
            if rng.random() < 0.1:
                await asyncio.sleep(rng.random() / 100)

    follower = asyncio.create_task(follow())
    await asyncio.gather(*(write(seed) for seed in range(writers)))
    total = len(await store.read_all(Position(), limit=10 * expected))
    await asyncio.wait_for(done.wait(), timeout=30)
    follower.cancel()

    assert total == expected >= 5000
    positions = [r.position for r in seen]
    assert len(positions) == len(set(positions)) == total
    assert positions == sorted(positions)
    again = await store.read_all(Position(), limit=10 * expected)
    assert [r.position for r in again] == positions
    _assert_stream_order(seen)


def _assert_stream_order(recorded: list[RecordedEvent]) -> None:
    last_version: dict[UUID, int] = {}
    for r in recorded:
        assert r.version == last_version.get(r.stream_id, 0) + 1
        last_version[r.stream_id] = r.version


async def test_a_follower_is_woken_by_an_append_not_by_polling(store: EventStore) -> None:
    await saved_till(store)
    stream = store.follow(Position(), poll_interval=60)
    first = await asyncio.wait_for(anext(stream), timeout=5)
    waiting = asyncio.create_task(anext(stream))
    await asyncio.sleep(0.05)

    till = await saved_till(store, payments=1)

    woken = await asyncio.wait_for(waiting, timeout=5)
    assert [r.stream_id for r in first] != [till.id]
    assert {r.stream_id for r in woken} == {till.id}


async def test_loading_a_long_stream_starts_from_its_snapshot(store: EventStore) -> None:
    repository = Repository(store, snapshot_every=100)
    till = new_till()
    for batch in range(10):
        for _ in range(1000 if batch else 999):
            till.take(Money.of("0.10"), uuid4())
        await repository.save(till, context=CONTEXT)
    assert till.version == 10_000

    snapshot = await store.latest_snapshot(till.id)
    tail = await store.read_stream(till.id, after_version=snapshot.originator_version)  # type: ignore[union-attr]
    loaded = await repository.get(till.id, Till)

    assert snapshot is not None and snapshot.originator_version == 10_000
    assert tail == []
    assert loaded.version == 10_000 and loaded.taken == Money.of("999.90")


async def test_an_event_with_values_of_the_wrong_type_is_refused_and_nothing_written(
    store: EventStore,
) -> None:
    till = new_till(payments=1)
    good, paid = till.collect_events()
    wrong = Till.PaymentTaken(  # type: ignore[call-arg]
        originator_id=till.id,
        originator_version=2,
        timestamp=paid.timestamp,
        amount="2.50",
        receipt=paid.receipt,
    )
    with pytest.raises(EventEncodingError) as refused:
        await store.append([good, wrong], CONTEXT)
    assert (refused.value.stream_id, refused.value.version) == (till.id, 2)
    assert await store.read_all(Position()) == []


class Desk(Aggregate):
    """A service desk's file on one customer: its note is personal, sealed with their key."""

    customer_id: str
    note: PersonalText  # kept in its state, so sealed in its snapshots too

    @event("Opened")
    def __init__(self, customer_id: str) -> None:
        self.customer_id = customer_id
        self.note = ""

    class Noted(Aggregate.Event):
        note: PersonalText

    @event(Noted)
    def write(self, note: str) -> None:
        self.note = note

    @property
    def data_subject(self) -> DataSubject:
        return customer_subject(self.customer_id)


async def test_personal_texts_read_in_the_clear_until_their_subject_is_forgotten(
    store: EventStore,
) -> None:
    repository = Repository(store, snapshot_every=2)
    desk = Desk(customer_id="cust-42")
    desk.write("MARKER-asked-to-be-called-after-six")
    await repository.save(desk, context=CONTEXT)  # with a snapshot, as the save crosses 2
    assert (await repository.get(desk.id, Desk)).note == "MARKER-asked-to-be-called-after-six"

    assert await store.forget(customer_subject("cust-42")) == [customer_subject("cust-42")]

    assert (await Repository(store).get(desk.id, Desk)).note == ERASED
    noted = await store.read_stream(desk.id, after_version=1)
    assert [e.note for e in noted] == [ERASED]
    recorded = [r for r in await store.read_all(Position()) if r.stream_id == desk.id]
    assert {r.context.device_id for r in recorded} <= {ERASED}  # the customer's own phone
    other = await saved_till(store, payments=1)  # another stream of the same customer
    assert {e.originator_version for e in await store.read_stream(other.id)} == {1, 2}
