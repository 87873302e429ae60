"""A customer's marked journey for the personal data tests: her phone, a collected pickup
with a proof, a return with her reason; and rows as they were written before sealing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

import pytest

from adapters.clock import ManualClock
from adapters.keys.sealing import KeyStore
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.catalog import PostgresCatalog, upsert_catalog
from adapters.postgres.database import Database
from adapters.postgres.store import PostgresEventStore
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.ports import RecordedEvent
from domain.returns.model import ReturnChannel
from domain.service import CommerceService
from domain.values import Actor, ActorKind, Channel, Context
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


def cold_store(database: Database, keys: KeyStore | None = None) -> PostgresEventStore:
    """A store that saved nothing, as another process has: no state remembered, and its own
    keys unless given `keys`."""
    return PostgresEventStore(database.pool, keys=keys, layout=database.store.layout)


async def raw_rows(database: Database) -> bytes:
    """Everything the events and snapshots tables hold, as text."""
    rows = await database.pool.fetch(
        """SELECT state::text || context::text AS row FROM events
           UNION ALL SELECT state::text FROM snapshots"""
    )
    return "\n".join(row["row"] for row in rows).encode()


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
