"""Personal data at rest in PostgreSQL: sealed with the data subject's key, read back in the
clear, and erased for good by forgetting the key (crypto-shredding), while the aggregates
still load and decide."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

import pytest

from adapters.clock import ManualClock
from adapters.keys.history import seal_history
from adapters.keys.master import DEV_MASTER_KEY, MasterKeys, UnknownMasterKey
from adapters.keys.postgres import PostgresKeyStore, rewrap
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.catalog import PostgresCatalog, upsert_catalog
from adapters.postgres.database import Database
from adapters.postgres.store import PostgresEventStore
from domain.cart.model import Cart
from domain.errors import EventDecodingError
from domain.order.model import Fulfillment, FulfillmentMethod, Order
from domain.personal import ERASED, customer_subject
from domain.pickup.model import Pickup
from domain.ports import RecordedEvent
from domain.repository import Repository
from domain.returns.model import Inspection, Return, ReturnChannel, ReturnStatus
from domain.service import CommerceService
from domain.values import Actor, ActorKind, Channel, Context, Money
from projections.fulfillment_times import board
from tests.integration.conftest import Shop
from tests.shop import LOCATIONS, OPENING, PRODUCTS, STAFF, as_uuid

MARKERS = {
    "device": "MARKER-DEVICE-7f3a91",
    "proof": "MARKER-PROOF-Ada-Lovelace-passport-0042",
    "reason": "MARKER-REASON-the-lamp-flickers-in-Ada-s-bedroom",
}
ADA = Context(
    channel=Channel.MOBILE,
    device_id=MARKERS["device"],
    actor=Actor(ActorKind.CUSTOMER, "cust-ada"),
)
STORE = "AMS-CENTRAAL"
NEW_MASTER_KEY = "the-next-master-key-at-least-32-bytes-long"


@dataclass
class Journey:
    cart_id: UUID
    order_id: UUID
    pickup_id: UUID
    return_id: UUID


@pytest.fixture
async def service(database: Database) -> AsyncIterator[CommerceService]:
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, PRODUCTS, LOCATIONS)
    codes = iter(f"CODE{n:02d}" for n in range(1, 100))
    service = CommerceService(
        store=database.store,
        catalog=PostgresCatalog(database.pool),
        payments=SimulatedPaymentGateway(),
        clock=ManualClock(OPENING),
        new_code=lambda: next(codes),
    )
    service.repository.snapshot_every = 2  # so that every stream also has a snapshot
    yield service


async def ada_buys_collects_and_returns(service: CommerceService) -> Journey:
    """On her phone: a cart, a click-and-collect order collected against a proof, a return."""
    await service.receive_stock(STORE, "LAVA-LAMP", 5, "delivery-1", STAFF)
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 2, ADA)
    pickup = Fulfillment(FulfillmentMethod.PICKUP, STORE)
    checked = (await service.checkout(cart_id, pickup, ADA, payment_token="tok")).result
    pickup_id = as_uuid(checked.pickup_id)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    code = (await service.mark_ready(pickup_id, "shelf A1", STAFF)).result.pickup_code
    assert code is not None
    await service.collect(pickup_id, code, "staff-bo", STAFF, collected_by=MARKERS["proof"])
    returned = await service.request_return(
        checked.order_id, {"LAVA-LAMP": 1}, MARKERS["reason"], ReturnChannel.WEB, ADA
    )
    return Journey(cart_id, checked.order_id, pickup_id, returned.result.return_id)


async def recorded_of(store: PostgresEventStore, journey: Journey) -> list[RecordedEvent]:
    """The journey's events with their contexts (read by stream: a follower's read of the
    global order waits for every older transaction on the shared server)."""
    streams = (journey.cart_id, journey.order_id, journey.pickup_id, journey.return_id)
    return [recorded for stream in streams for recorded in await store.history(stream, 100)]


async def raw_rows(database: Database) -> bytes:
    """Everything the events and snapshots tables hold, as text."""
    rows = await database.pool.fetch(
        """SELECT state::text || context::text AS row FROM events
           UNION ALL SELECT state::text FROM snapshots"""
    )
    return "\n".join(row["row"] for row in rows).encode()


async def test_personal_texts_are_sealed_at_rest_and_read_in_the_clear(
    database: Database, service: CommerceService
) -> None:
    journey = await ada_buys_collects_and_returns(service)

    at_rest = await raw_rows(database)
    assert await database.pool.fetchval("SELECT count(*) FROM snapshots") > 0
    for marker in MARKERS.values():
        assert marker.encode() not in at_rest

    cold = Repository(PostgresEventStore(database.pool, keys=database.store.keys))
    assert (await cold.get(journey.return_id, Return)).reason == MARKERS["reason"]
    assert (await cold.get(journey.cart_id, Cart)).device_id == MARKERS["device"]
    recorded = await recorded_of(database.store, journey)
    proofs = [r.event.proof for r in recorded if isinstance(r.event, Pickup.Collected)]
    assert proofs == [MARKERS["proof"]]
    assert MARKERS["device"] in {r.context.device_id for r in recorded}


async def test_a_forgotten_customer_reads_as_erased_and_their_aggregates_still_decide(
    database: Database, service: CommerceService
) -> None:
    journey = await ada_buys_collects_and_returns(service)
    total = (await service.repository.get(journey.order_id, Order)).total

    forgotten = await database.store.forget(customer_subject("cust-ada"))

    assert forgotten == [customer_subject("cust-ada")]
    for store in (database.store, PostgresEventStore(database.pool)):  # warm and cold
        repository = Repository(store)
        assert (await repository.get(journey.return_id, Return)).reason == ERASED
        assert (await repository.get(journey.cart_id, Cart)).device_id == ERASED
        recorded = await recorded_of(store, journey)
        assert {r.context.device_id for r in recorded if r.context.actor.id == "cust-ada"} == {
            ERASED
        }
        proofs = [r.event.proof for r in recorded if isinstance(r.event, Pickup.Collected)]
        assert proofs == [ERASED]
    # Business facts stay exact, and the return can still be received, inspected, refunded.
    assert (await service.repository.get(journey.order_id, Order)).total == total
    await service.receive_return(journey.return_id, STORE, STAFF)
    await service.inspect_return(journey.return_id, [Inspection("LAVA-LAMP", 1, 0)], STAFF)
    await service.refund_return(journey.return_id, STAFF)
    refunded = await service.repository.get(journey.return_id, Return)
    assert refunded.refunded == Money.of("39.00")
    assert refunded.status is ReturnStatus.INSPECTED  # refunded; the resellable unit to restock


async def test_a_guest_who_signed_in_is_forgotten_with_the_customer(
    database: Database, service: CommerceService
) -> None:
    guest_cart = uuid4()
    guest = Context(
        channel=Channel.WEB,
        device_id="MARKER-GUEST-LAPTOP",
        actor=Actor(ActorKind.GUEST, f"guest-{guest_cart}", cart_id=guest_cart),
    )
    await service.start_cart(guest, cart_id=guest_cart)
    await service.add_to_cart(guest_cart, "RETRO-CLOCK", 1, guest)
    await service.sign_in(guest_cart, "cust-ada", ADA)

    forgotten = await database.store.forget(customer_subject("cust-ada"))

    assert len(forgotten) == 2  # the customer, and the guest linked at sign-in
    cart = await Repository(PostgresEventStore(database.pool)).get(guest_cart, Cart)
    assert cart.device_id == ERASED
    recorded = await database.store.history(guest_cart, 100)
    assert {r.context.device_id for r in recorded} == {ERASED}


async def test_what_is_written_after_the_key_is_forgotten_is_not_readable_either(
    database: Database, service: CommerceService
) -> None:
    journey = await ada_buys_collects_and_returns(service)
    await database.store.forget(customer_subject("cust-ada"))

    cart = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id

    assert (await service.repository.get(cart, Cart)).device_id == ERASED
    assert MARKERS["device"].encode() not in await raw_rows(database)
    assert (await service.repository.get(journey.order_id, Order)).customer_id == "cust-ada"


async def write_as_before_sealing(
    database: Database, cart_id: UUID, customer_id: str, device_id: str
) -> None:
    """A cart created by a customer on their device, as rows were written before 0019."""
    state = {
        "channel": "web",
        "device_id": device_id,
        "customer_id": customer_id,
        "currency": "EUR",
        "at": "2026-01-01T00:00:00Z",
        "originator_topic": "domain.cart.model:Cart",
        "timestamp": "2026-01-01T00:00:00Z",
    }
    context = {
        "channel": "web",
        "device_id": device_id,
        "actor": {"kind": "customer", "id": customer_id},
    }
    await database.pool.execute(
        """INSERT INTO events (stream_id, version, topic, schema_version, state, context)
           VALUES ($1, 1, 'domain.cart.model:Cart.Created', 2, $2, $3)""",
        cart_id,
        json.dumps(state).encode(),
        json.dumps(context).encode(),
    )


async def test_events_written_before_sealing_stay_readable_and_forget_cannot_reach_them(
    database: Database,
) -> None:
    """Rows from before migration 0019 have no data subject and hold their texts in the clear:
    until seal_history has run, no key covers them and forgetting the customer leaves them as
    written (docs/decisions/2026-12-06-personal-data-history.md)."""
    stream_id = uuid4()
    await write_as_before_sealing(database, stream_id, "cust-ada", "old-laptop")
    assert (await Repository(database.store).get(stream_id, Cart)).device_id == "old-laptop"

    await database.store.forget(customer_subject("cust-ada"))

    cart = await Repository(PostgresEventStore(database.pool)).get(stream_id, Cart)
    assert cart.device_id == "old-laptop"
    recorded = await database.store.read_recorded(stream_id, [1])
    assert recorded[0].context.device_id == "old-laptop"


async def test_sealing_the_history_brings_old_events_under_the_keys(database: Database) -> None:
    ada, bob = uuid4(), uuid4()
    await write_as_before_sealing(database, ada, "cust-ada", "MARKER-ADA-OLD-LAPTOP")
    await write_as_before_sealing(database, bob, "cust-bob", "MARKER-BOB-OLD-PHONE")
    await database.store.forget(customer_subject("cust-ada"))  # before the pass

    assert await seal_history(database.store) == 2
    assert await seal_history(database.store) == 0  # done once

    at_rest = await raw_rows(database)
    assert b"MARKER-ADA-OLD-LAPTOP" not in at_rest and b"MARKER-BOB-OLD-PHONE" not in at_rest
    reader = Repository(PostgresEventStore(database.pool))
    assert (await reader.get(ada, Cart)).device_id == ERASED
    assert (await reader.get(bob, Cart)).device_id == "MARKER-BOB-OLD-PHONE"
    await database.store.forget(customer_subject("cust-bob"))
    assert (await Repository(PostgresEventStore(database.pool)).get(bob, Cart)).device_id == ERASED
    history = await database.store.history(bob, 10)
    assert [r.context.device_id for r in history] == [ERASED]


READER = Path(__file__).resolve().parent / "key_reader.py"


async def test_another_process_forgets_the_key_too(
    database: Database, service: CommerceService
) -> None:
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    reader = await asyncio.create_subprocess_exec(
        sys.executable,
        str(READER),
        database.dsn,
        database.schema or "public",
        str(cart_id),
        cwd=READER.parents[2],
        env={**os.environ, "PYTHONPATH": str(READER.parents[2])},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert reader.stdin is not None and reader.stdout is not None

    async def read_in_the_other_process() -> str:
        reader.stdin.write(b"load\n")  # type: ignore[union-attr]
        line = await asyncio.wait_for(reader.stdout.readline(), 30)  # type: ignore[union-attr]
        return line.decode().strip()

    try:
        assert (await asyncio.wait_for(reader.stdout.readline(), 30)).strip() == b"started"
        assert await read_in_the_other_process() == MARKERS["device"]  # its key now held

        await database.store.forget(customer_subject("cust-ada"))

        seen = [await read_in_the_other_process()]
        for _ in range(50):  # the notification arrives within milliseconds
            if seen[-1] == ERASED:
                break
            await asyncio.sleep(0.1)
            seen.append(await read_in_the_other_process())
        assert seen[-1] == ERASED, seen
    finally:
        reader.kill()
        await reader.wait()


async def test_rotating_the_master_key_rewraps_every_data_key(
    database: Database, service: CommerceService
) -> None:
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    keys = await database.pool.fetchval("SELECT count(*) FROM data_keys")
    rotated = MasterKeys(NEW_MASTER_KEY, DEV_MASTER_KEY)  # the new one, the old still unwraps

    assert await rewrap(database.pool, rotated) == keys
    assert await rewrap(database.pool, rotated) == 0  # nothing left to rewrap

    only_new = PostgresKeyStore(database.pool, MasterKeys(NEW_MASTER_KEY))
    cart = await Repository(PostgresEventStore(database.pool, keys=only_new)).get(cart_id, Cart)
    assert cart.device_id == MARKERS["device"]
    only_old = PostgresKeyStore(database.pool, MasterKeys(DEV_MASTER_KEY))
    with pytest.raises(UnknownMasterKey):
        await Repository(PostgresEventStore(database.pool, keys=only_old)).get(cart_id, Cart)


async def test_a_sealed_text_that_does_not_open_is_reported_as_damage_not_erasure(
    database: Database, service: CommerceService
) -> None:
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    await database.pool.execute(
        """UPDATE events SET state = jsonb_set(state, '{device_id}', '"bm90IHNlYWxlZA=="')
           WHERE stream_id = $1""",
        cart_id,
    )
    with pytest.raises(EventDecodingError, match="device_id"):
        await Repository(PostgresEventStore(database.pool)).get(cart_id, Cart)


async def test_read_models_are_projected_from_the_opened_texts(shop: Shop) -> None:
    """Projections read sealed events as the aggregates do: in the clear (scrubbing the read
    models at an erasure is the erasure use case's: issue 20, item 2)."""
    journey = await ada_buys_collects_and_returns(shop.service)
    await shop.settled()

    today = await board(shop.pool, STORE, shop.clock.now())
    assert [card.collection_proof for card in today.collected_today] == [MARKERS["proof"]]
    reason = await shop.pool.fetchval(
        "SELECT reason FROM return_view WHERE return_id = $1", journey.return_id
    )
    assert reason == MARKERS["reason"]
