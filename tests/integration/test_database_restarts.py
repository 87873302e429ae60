"""PostgreSQL restarted under load (`pg_ctl restart -m fast`), on a private cluster: no
acknowledged write is lost, every projection is back at the head within seconds of the last
restart, and refusals during the outage say "unavailable, try again"."""

from __future__ import annotations

import asyncio
import itertools
import time
from uuid import uuid4

import pytest

from adapters.clock import ManualClock
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.catalog import PostgresCatalog, upsert_catalog
from adapters.postgres.database import Database
from adapters.postgres.outage import is_unavailable
from domain.ports import Position
from domain.service import CommerceService
from projections.catalog import all_projections
from projections.supervisor import ProjectionStatus, ProjectionSupervisor
from tests.private_cluster import PrivateCluster
from tests.shop import LOCATIONS, OPENING, PRODUCTS, ctx

pytestmark = pytest.mark.slow

SHOPPERS = 8
RESTARTS = 4
LOAD_BETWEEN_RESTARTS = 1.5  # seconds of traffic before each restart
LINES_PER_CART = 20  # well under the 99-unit cap of a line
CATCH_UP_SECONDS = 20.0


class Shoppers:
    """Customers adding to carts until stopped, the way `addToCart` traffic does; it keeps the
    position of every acknowledged write and every refusal."""

    def __init__(self, service: CommerceService, count: int) -> None:
        self.service = service
        self.acknowledged: list[Position] = []
        self.refused: list[BaseException] = []
        self._stop = asyncio.Event()
        self._tasks = [asyncio.create_task(self._shop(n)) for n in range(count)]

    async def _shop(self, n: int) -> None:
        # A customer holds one open cart: each round is a new customer, so no line fills up.
        rounds = itertools.count()
        while not self._stop.is_set():
            customer, cart_id = f"cust-{n}-{next(rounds)}", None
            for _ in range(LINES_PER_CART):
                if self._stop.is_set():
                    return
                try:
                    if cart_id is None:
                        started = await self.service.start_cart(ctx(), customer_id=customer)
                        cart_id, position = started.result.cart_id, started.position
                    else:
                        added = await self.service.add_to_cart(cart_id, "RETRO-CLOCK", 1, ctx())
                        position = added.position
                except Exception as error:
                    if not is_unavailable(error):
                        raise  # anything else a refusal says is a bug here
                    self.refused.append(error)
                    await asyncio.sleep(0.05)
                    continue
                self.acknowledged.append(position)
                await asyncio.sleep(0.001)

    async def acknowledged_since(self, count: int, more: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < count + more and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        return len(self.acknowledged) >= count + more

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)


async def shop_on(database: Database) -> CommerceService:
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, PRODUCTS, LOCATIONS)
    codes = (f"CODE{n:02d}" for n in itertools.count(1))
    return CommerceService(
        store=database.store,
        catalog=PostgresCatalog(database.pool),
        payments=SimulatedPaymentGateway(),
        clock=ManualClock(OPENING),
        new_code=lambda: next(codes),
        new_id=uuid4,
    )


async def stored_positions(database: Database, positions: list[Position]) -> int:
    return await database.pool.fetchval(  # type: ignore[no-any-return]
        """SELECT count(*) FROM events e
           JOIN unnest($1::bigint[], $2::bigint[]) AS a(transaction_id, position)
             ON e.transaction_id = a.transaction_id::text::xid8 AND e.position = a.position""",
        [p.transaction_id for p in positions],
        [p.position for p in positions],
    )


async def checkpoints_at(
    supervisor: ProjectionSupervisor, head: Position, timeout: float
) -> list[ProjectionStatus]:
    """The checkpoint rows (what /health and other processes see) once all reached `head`,
    or as they are when `timeout` runs out."""
    deadline = time.monotonic() + timeout
    while True:
        statuses = await supervisor.status()
        at_head = all(Position.parse(s.position) >= head for s in statuses)
        if (at_head and not any(s.lag_events for s in statuses)) or time.monotonic() > deadline:
            return statuses
        await asyncio.sleep(0.1)


async def test_restarts_under_load_lose_no_write_and_every_projection_reaches_the_head(
    private_cluster: PrivateCluster, private_database: Database
) -> None:
    database = private_database
    service = await shop_on(database)
    supervisor = ProjectionSupervisor(
        database.store, all_projections(), database.dsn, database.schema, poll_interval=1.0
    )
    await supervisor.prepare()
    supervisor.start()
    shoppers = Shoppers(service, SHOPPERS)
    try:
        for _ in range(RESTARTS):
            await asyncio.sleep(LOAD_BETWEEN_RESTARTS)
            await asyncio.to_thread(private_cluster.restart)
        recovered = await shoppers.acknowledged_since(len(shoppers.acknowledged), 200, 30)
        assert recovered, "writes did not resume after the last restart"
    finally:
        await shoppers.stop()
    try:
        head = await database.store.committed_head()
        statuses = await checkpoints_at(supervisor, head, CATCH_UP_SECONDS)
        behind = {s.name: (s.state, s.lag_events) for s in statuses if s.lag_events}
        assert not behind, f"projections stuck behind the head after restarts: {behind}"
        assert all(Position.parse(s.position) >= head for s in statuses), statuses
    finally:
        await supervisor.stop()

    acknowledged = shoppers.acknowledged
    assert shoppers.refused, "the restarts must land while writes are in flight"
    assert await stored_positions(database, acknowledged) == len(acknowledged)
