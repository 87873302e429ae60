"""Erasure on PostgreSQL (issue 20, item 2): a customer with unique marker strings shops on the
web as a guest, signs in, goes on on her phone, picks up in store (curbside, with a proof),
returns with a reason she typed, buys at a till and is looked up by e-mail; the service desk
erases her; then a full `pg_dump` of the database and the test's logs hold none of her
markers, a rebuild of every read model gives the scrubbed rows exactly, and stock, orders and
the day's statistics are unchanged. (The JetStream stream and the SMTP sink: test_erasure_bus.)
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest

from adapters.postgres.customers import upsert_customers
from adapters.postgres.database import Database
from adapters.postgres.erasure import PostgresEraser
from domain.customer.consent import MarketingChannel
from domain.customer.lookup import IdentifyBy
from domain.customer.profile import CustomerProfile
from domain.order.model import Fulfillment, FulfillmentMethod, Order
from domain.personal import ERASED
from domain.ports import Customer
from domain.returns.model import Inspection, ReturnChannel
from domain.usecases.sales import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context, StaffRole, customer_profile_id
from projections.catalog import all_projections
from projections.fulfillment_stats import fulfillment_stats
from projections.journey_queries import journey_stats
from projections.rebuild import rebuild
from tests.integration.conftest import Shop
from tests.shop import OPENING, STAFF, as_uuid

STORE = "AMS-CENTRAAL"
DESK = Context(
    channel=Channel.STAFF,
    actor=Actor(ActorKind.STAFF, "staff-di", (STORE,), staff_role=StaffRole.SERVICE_DESK),
)
TILL = Context(
    channel=Channel.POS, device_id="till-3", actor=Actor(ActorKind.POS_TERMINAL, "till-3", (STORE,))
)


def markers() -> dict[str, str]:
    tag = uuid4().hex[:10]
    return {
        "name": f"Zerlinde{tag}",
        "surname": f"Vanderquist{tag}",
        "email": f"zerlinde.{tag}@example.org",
        "phone": f"+31 6 {int(tag[:8], 16) % 100_000_000:08d}",
        "loyalty": f"LOYAL-{tag}",
        "phone_device": f"DEVICE-PHONE-{tag}",
        "laptop_device": f"DEVICE-LAPTOP-{tag}",
        "reason": f"REASON the lamp buzzes near my cat {tag}",
        "proof": f"PROOF passport of Zerlinde {tag}",
        "bay": f"BAY green van {tag}",
        "erasure_reason": f"ERASURE asked by letter {tag}",
        # Quoted in timeline summaries, so scrubbed by pattern: characters a regex would read.
        "cancel": f"CANCEL (wrong colour) + $5? [x] {{not}} a|b ^{tag}.*",
    }


async def marked_customer_shops_everywhere(shop: Shop, marks: dict[str, str]) -> dict[str, Any]:
    service, customer_id = shop.service, f"cust-{marks['loyalty'][6:]}"
    async with shop.pool.acquire() as connection:
        person = Customer(
            id=customer_id,
            first_name=marks["name"],
            last_name=marks["surname"],
            email=marks["email"],
            phone=marks["phone"],
            loyalty_id=marks["loyalty"],
        )
        await upsert_customers(connection, [person])
    phone = Context(
        channel=Channel.MOBILE,
        device_id=marks["phone_device"],
        actor=Actor(ActorKind.CUSTOMER, customer_id),
    )
    guest_cart = uuid4()
    laptop = Context(
        channel=Channel.WEB,
        device_id=marks["laptop_device"],
        actor=Actor(ActorKind.GUEST, f"guest-{guest_cart}", cart_id=guest_cart),
    )
    await service.receive_stock(STORE, "LAVA-LAMP", 6, "delivery-1", STAFF)
    await service.receive_stock(STORE, "RETRO-CLOCK", 4, "delivery-2", STAFF)
    # Web, as a guest on her laptop, then signed in: the guest's key is linked to hers.
    await service.start_cart(laptop, cart_id=guest_cart)
    await service.add_to_cart(guest_cart, "LAVA-LAMP", 1, laptop)
    await service.sign_in(guest_cart, customer_id, phone)
    # Mobile: the same cart, checked out for pickup; curbside arrival; collected with a proof.
    cart_id = (await service.start_cart(phone, customer_id=customer_id)).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 1, phone)
    await service.set_consent(customer_id, MarketingChannel.EMAIL, True, "mkt-v1", phone)
    pickup = Fulfillment(FulfillmentMethod.PICKUP, STORE)
    checked = (await service.checkout(cart_id, pickup, phone, payment_token="tok")).result
    pickup_id = as_uuid(checked.pickup_id)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    code = (await service.mark_ready(pickup_id, "shelf A1", STAFF)).result.pickup_code
    assert code is not None
    await service.arrive_for_pickup(checked.order_id, marks["bay"], phone)
    await service.collect(pickup_id, code, "staff-bo", STAFF, collected_by=marks["proof"])
    # A return in her words, received, inspected and refunded.
    returned = await service.request_return(
        checked.order_id, {"LAVA-LAMP": 1}, marks["reason"], ReturnChannel.WEB, phone
    )
    return_id = returned.result.return_id
    await service.receive_return(return_id, STORE, STAFF)
    await service.inspect_return(return_id, [Inspection("LAVA-LAMP", 1, 0)], STAFF)
    await service.refund_return(return_id, STAFF)
    # A second order, cancelled in her words before it was picked.
    second = (await service.start_cart(phone, customer_id=customer_id)).result.cart_id
    await service.add_to_cart(second, "RETRO-CLOCK", 1, phone)
    other = (await service.checkout(second, pickup, phone, payment_token="tok")).result
    await service.cancel_order(other.order_id, marks["cancel"], phone)
    # A one-letter reason: only the quote is scrubbed, not every "x" of her timeline.
    third = (await service.start_cart(phone, customer_id=customer_id)).result.cart_id
    await service.add_to_cart(third, "RETRO-CLOCK", 1, phone)
    last = (await service.checkout(third, pickup, phone, payment_token="tok")).result
    await service.cancel_order(last.order_id, "x", phone)
    # The till: looked up by her e-mail, a sale on her loyalty card.
    await service.identify_shopper(IdentifyBy.EMAIL, marks["email"], TILL)
    sale = PosSaleLine("RETRO-CLOCK", 1)
    await service.record_pos_sale(STORE, "till-3", "S-1", [sale], TILL, loyalty_id=marks["loyalty"])
    return {"customer_id": customer_id, "order_id": checked.order_id, "return_id": return_id}


READ_MODEL_TABLES = sorted({t for p in all_projections() for t in p.tables})


async def read_models(pool: asyncpg.Pool) -> dict[str, list[str]]:
    """Every row of every read model, as text, in a stable order."""
    found = {}
    for table in READ_MODEL_TABLES:
        rows = await pool.fetch(f"SELECT t::text AS row FROM {table} t")
        found[table] = sorted(r["row"] for r in rows)
    return found


async def business_figures(shop: Shop, order_id: UUID) -> dict[str, Any]:
    day = OPENING.date()
    pool = shop.pool
    return {
        "stock": sorted(
            tuple(r)
            for r in await pool.fetch(
                "SELECT location_id, sku, on_hand, reserved, available FROM stock_view"
            )
        ),
        "order": (await shop.service.repository.get(order_id, Order)).total,
        "orders": await pool.fetch("SELECT order_id, total, amount_due_back FROM order_view"),
        "fulfillment": await fulfillment_stats(pool, STORE, day, day),
        "journeys": await journey_stats(pool, day, day + timedelta(days=1), chain_wide=True),
    }


def pg_dump_binary(server_version_num: int) -> str:
    """The pg_dump of the server's major version: the embedded one's, else the machine's."""
    major = server_version_num // 10_000
    candidates = [
        Path(shutil.which("pg_dump") or "/nonexistent"),
        *Path("/usr/lib/postgresql").glob("*/bin/pg_dump"),
    ]
    try:
        import pgserver  # type: ignore[import-untyped]

        candidates.insert(0, Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_dump")
    except ImportError:
        pass
    for candidate in candidates:
        if candidate.exists():
            out = subprocess.run([candidate, "--version"], capture_output=True, text=True).stdout
            if re.search(rf"\b{major}\.\d+", out):
                return str(candidate)
    pytest.fail(f"no pg_dump of PostgreSQL {major} on this machine")


async def full_dump(database: Database) -> bytes:
    version = int(await database.pool.fetchval("SHOW server_version_num"))
    dumped = subprocess.run(
        [pg_dump_binary(version), "--no-owner", "--dbname", database.dsn],
        capture_output=True,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
        timeout=120,
    )
    assert dumped.returncode == 0, dumped.stderr.decode()
    return dumped.stdout


def found_in(haystack: bytes, marks: dict[str, str]) -> dict[str, int]:
    return {k: haystack.count(v.encode()) for k, v in marks.items() if v.encode() in haystack}


@pytest.fixture
def erasing(shop: Shop) -> Shop:
    shop.service.eraser = PostgresEraser(shop.database.store, all_projections())
    return shop


async def test_an_erased_customer_leaves_no_byte_in_a_full_dump_and_the_facts_stay(
    erasing: Shop, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    shop, marks = erasing, markers()
    journey = await marked_customer_shops_everywhere(shop, marks)
    await shop.settled()
    before = await business_figures(shop, journey["order_id"])
    # Everything written is there before: the proof would find nothing if nothing were kept.
    dumped = await full_dump(shop.database)
    assert {"name", "email", "phone", "loyalty"} <= found_in(dumped, marks).keys()
    clear = await read_models(shop.pool)
    assert any(marks["reason"] in row for row in clear["return_view"])
    assert any(marks["proof"] in row for row in clear["pickup_view"])
    assert any(marks["cancel"] in row for row in clear["timeline"])

    await shop.service.erase_customer(journey["customer_id"], marks["erasure_reason"], DESK)
    await shop.settled()

    assert found_in(await full_dump(shop.database), marks) == {}
    assert found_in(caplog.text.encode(), marks) == {}
    scrubbed = await read_models(shop.pool)
    assert any(ERASED in row for row in scrubbed["return_view"])
    assert any(ERASED in row for row in scrubbed["pickup_view"])
    assert any(f"Order cancelled: {ERASED}" in row for row in scrubbed["timeline"])
    assert any(" x " in row for row in scrubbed["timeline"])  # e.g. "1 x RETRO-CLOCK"
    assert any(",erased," in row and "business kept" in row for row in scrubbed["timeline"])
    assert await business_figures(shop, journey["order_id"]) == before
    # A rebuild of every read model from the log reproduces the scrubbed rows exactly.
    for projection in all_projections():
        await rebuild(shop.database.store, projection)
    await shop.settled()
    assert await read_models(shop.pool) == scrubbed
    assert await business_figures(shop, journey["order_id"]) == before
    profile = await shop.service.repository.get(
        customer_profile_id(journey["customer_id"]), CustomerProfile
    )
    assert profile.erased


async def test_a_second_run_finds_nothing_left_to_do(erasing: Shop) -> None:
    shop, marks = erasing, markers()
    journey = await marked_customer_shops_everywhere(shop, marks)
    await shop.service.erase_customer(journey["customer_id"], "asked", DESK)
    await shop.settled()
    rows = await read_models(shop.pool)

    await shop.service.eraser.erase([journey["customer_id"]])  # type: ignore[union-attr]

    assert await read_models(shop.pool) == rows
    keys = await shop.pool.fetch(
        "SELECT subject, wrapped FROM data_keys WHERE forgotten_at IS NOT NULL"
    )
    assert len(keys) == 2 and all(k["wrapped"] is None for k in keys)  # hers and the guest's
