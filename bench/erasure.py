"""erasure: the erasure of a customer with 1,000 events (issue 20, Speed: < 2 s).

Each customer shops on their phone: 20 carts of 50 events (created with the phone's id, a
personal text sealed with their key, then 49 lines), 1,000 events in all, projected by every
read model (the supervisor runs throughout, as in `omni serve`). Timed: `eraseCustomer` by the
service desk as the API calls it: the decision (blocking pickups and returns looked up), the
`Erased` event, the texts read and opened, the keys forgotten and every read model scrubbed in
one transaction, and the second scrub once the projections have passed it. Baseline in the
same run: `store.forget` of another such customer (the key alone, item 1's figure). Median of
5 customers each.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from uuid import uuid4

from adapters.clock import SystemClock
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.catalog import PostgresCatalog
from adapters.postgres.customers import PostgresCustomers, upsert_customers
from adapters.postgres.database import Database
from adapters.postgres.erasure import PostgresEraser
from adapters.settings import Settings
from bench.common import fresh_database, median, ratio_line
from domain.cart.model import Cart
from domain.personal import customer_subject
from domain.ports import Customer
from domain.repository import Repository
from domain.service import CommerceService
from domain.values import Actor, ActorKind, Channel, Context, Money, StaffRole
from projections.catalog import all_projections
from projections.supervisor import ProjectionSupervisor

CARTS, EVENTS_PER_CART, CUSTOMERS = 20, 50, 5
SKUS = [f"SKU-{n:02d}" for n in range(EVENTS_PER_CART)]
DESK = Context(
    channel=Channel.STAFF,
    actor=Actor(ActorKind.STAFF, "desk-1", ("AMS",), staff_role=StaffRole.SERVICE_DESK),
)


def phone_of(customer_id: str) -> Context:
    device = f"phone-of-{customer_id}"
    return Context(
        channel=Channel.MOBILE, device_id=device, actor=Actor(ActorKind.CUSTOMER, customer_id)
    )


async def run(settings: Settings, seconds: float) -> list[str]:
    erase_times, forget_times = [], []
    async with fresh_database(settings, pool_size=12) as database:
        store = database.store
        service = CommerceService(
            store=store,
            catalog=PostgresCatalog(database.pool),
            payments=SimulatedPaymentGateway(),
            clock=SystemClock(),
            customers=PostgresCustomers(database.pool),
            eraser=PostgresEraser(store, all_projections()),
        )
        supervisor = ProjectionSupervisor(
            store, all_projections(), database.dsn, database.schema, poll_interval=0.1
        )
        supervisor.start()
        try:
            for _ in range(CUSTOMERS):
                erased, forgotten = await _shopper(database), await _shopper(database)
                assert await supervisor.wait_for(await store.committed_head(), timeout=120)
                started = time.perf_counter()
                await store.forget(customer_subject(forgotten))
                forget_times.append(time.perf_counter() - started)
                started = time.perf_counter()
                await service.erase_customer(erased, "bench", DESK)
                erase_times.append(time.perf_counter() - started)
        finally:
            await supervisor.stop()
    erase, forget = median(erase_times), median(forget_times)
    return [
        f"erasure: a customer of {CARTS * EVENTS_PER_CART:,} events ({CARTS} carts on their "
        f"phone), every read model live; median of {CUSTOMERS}",
        f"  eraseCustomer {erase * 1000:8.1f} ms   (min {min(erase_times) * 1000:.1f}, "
        f"max {max(erase_times) * 1000:.1f})",
        f"  store.forget  {forget * 1000:8.1f} ms   (baseline: the key alone)",
        ratio_line("erasure seconds (target < 2 s)", erase, 2.0, higher_is_better=False),
        ratio_line("erasure / forget (time)", erase / forget, None),
    ]


async def _shopper(database: Database) -> str:
    """A customer of the directory with CARTS carts of EVENTS_PER_CART events on their phone."""
    customer_id = f"cust-{uuid4().hex[:10]}"
    async with database.pool.acquire() as connection:
        person = Customer(id=customer_id, first_name="Bench", email=f"{customer_id}@example.org")
        await upsert_customers(connection, [person])
    repository, context = Repository(database.store), phone_of(customer_id)
    for _ in range(CARTS):
        at = datetime.now(UTC)
        cart = Cart.create(uuid4(), Channel.MOBILE, context.device_id, customer_id, at=at)
        for sku in SKUS[: EVENTS_PER_CART - 1]:
            cart.add_line(sku, 1, Money.of("9.95"), at)
        await repository.save(cart, context=context)
    return customer_id
