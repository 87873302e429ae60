"""The commands around erasure, as an operator runs them: `omni tick` carries out a customer's
own request once the waiting period has passed (OMNI_ERASURE_WAITING_DAYS), and
`omni db rewrap-keys` rotates the master key (README "Personal data")."""

from __future__ import annotations

import os

from adapters.clock import ManualClock
from adapters.keys.master import DEV_MASTER_KEY, MasterKeys
from adapters.keys.postgres import PostgresKeyStore
from adapters.postgres.database import Database
from adapters.postgres.store import PostgresEventStore
from domain.cart.model import Cart
from domain.customer.profile import CustomerProfile
from domain.repository import Repository
from domain.values import Actor, ActorKind, Channel, Context, customer_profile_id
from tests.omni_command import omni
from tests.shop import OPENING, make_service

NEW_MASTER_KEY = "the-new-master-key-of-at-least-thirty-two-bytes"
ADA = Context(
    channel=Channel.MOBILE,
    device_id="DEVICE-ada-rotation",
    actor=Actor(ActorKind.CUSTOMER, "cust-ada"),
)


def environment(database: Database, **more: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database.dsn,
        "OMNI_DATABASE_SCHEMA": database.schema or "",
        "OMNI_RUN_PROJECTIONS": "false",
        **more,
    }


async def test_omni_tick_erases_a_request_once_it_is_due(database: Database) -> None:
    service = make_service(database.store, ManualClock(OPENING))
    await service.start_cart(ADA, customer_id="cust-ada")
    await service.request_erasure("cust-ada", "I moved", ADA)  # in the past: OPENING

    waiting = await omni("tick", env=environment(database, OMNI_ERASURE_WAITING_DAYS="365"))
    assert (waiting.status, waiting.out.strip()) == (0, "fired 0, refused 0"), waiting.err
    profile_id = customer_profile_id("cust-ada")
    assert not (await Repository(database.store).get(profile_id, CustomerProfile)).erased

    due = await omni("tick", env=environment(database, OMNI_ERASURE_WAITING_DAYS="0"))

    assert (due.status, due.out.strip()) == (0, "fired 0, refused 0, customers erased 1"), due.err
    cold = PostgresEventStore(database.pool, layout=database.store.layout)
    assert (await Repository(cold).get(profile_id, CustomerProfile)).erased
    forgotten = await database.pool.fetchval("SELECT count(*) FROM data_keys WHERE wrapped IS NULL")
    assert forgotten == 1  # her key


async def test_rewrap_keys_rotates_the_master_key(database: Database) -> None:
    service = make_service(database.store, ManualClock(OPENING))
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    old = MasterKeys.development().key_id
    assert {r["master_key_id"] for r in await database.pool.fetch("SELECT * FROM data_keys")} == {
        old
    }

    rotated = await omni(
        "db",
        "rewrap-keys",
        env=environment(
            database, OMNI_MASTER_KEY=NEW_MASTER_KEY, OMNI_PREVIOUS_MASTER_KEYS=DEV_MASTER_KEY
        ),
    )

    new = MasterKeys(NEW_MASTER_KEY)
    assert rotated.status == 0, rotated.err
    assert rotated.out.strip() == f"data keys rewrapped with master key {new.key_id}: 1"
    stored = {r["master_key_id"] for r in await database.pool.fetch("SELECT * FROM data_keys")}
    assert stored == {new.key_id}
    # Only the new master key now: the device id still opens.
    keys = PostgresKeyStore(database.pool, new)
    cold = PostgresEventStore(database.pool, keys=keys, layout=database.store.layout)
    assert (await Repository(cold).get(cart_id, Cart)).device_id == "DEVICE-ada-rotation"
