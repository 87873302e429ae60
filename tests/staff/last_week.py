"""A pickup from last week, for a server on today's clock: ordered, picked and put on the shelf
eight days ago, so its seven-day window has closed and the customer never came.

Written into the running server's schema by the domain's own use cases, with a clock eight
days behind (another process of the same deployment, a week ago). The server then reads
those events as it reads any other: through its projections and its own use cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from adapters.clock import ManualClock
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.cart_history import PostgresCartHistory
from adapters.postgres.catalog import PostgresCatalog
from adapters.postgres.customers import PostgresCustomers
from adapters.postgres.database import Database
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.service import CommerceService
from domain.values import Actor, ActorKind, Channel, Context
from tests.staff.conftest import StaffServer

DAYS_AGO = 8  # the demo stores keep a pickup for 7 days


async def pickup_left_on_the_shelf(
    server: StaffServer, customer: str, store: str, sku: str
) -> tuple[str, str]:
    """(order id, pickup id) of a pickup ready since last week and never collected."""
    database = await Database.open(server.settings, schema=server.schema, pool_size=2)
    clock = ManualClock(datetime.now(UTC) - timedelta(days=DAYS_AGO))
    service = CommerceService(
        store=database.store,
        catalog=PostgresCatalog(database.pool),
        payments=SimulatedPaymentGateway(),
        clock=clock,
        customers=PostgresCustomers(database.pool),
        cart_history=PostgresCartHistory(database.pool),
    )
    shopper = Context(channel=Channel.WEB, actor=Actor(ActorKind.CUSTOMER, customer))
    staff = Context(channel=Channel.STAFF, actor=Actor(ActorKind.STAFF, "staff-bo", (store,)))
    try:
        cart_id = (await service.start_cart(shopper, customer_id=customer)).result.cart_id
        await service.add_to_cart(cart_id, sku, 1, shopper)
        pickup = Fulfillment(FulfillmentMethod.PICKUP, store)
        placed = (await service.checkout(cart_id, pickup, shopper, "tok-visa")).result
        assert placed.pickup_id is not None
        clock.advance(minutes=20)
        await service.start_picking(placed.pickup_id, "staff-bo", staff)
        clock.advance(minutes=15)
        await service.mark_ready(placed.pickup_id, "Z9", staff)
        return str(placed.order_id), str(placed.pickup_id)
    finally:
        await database.close()
