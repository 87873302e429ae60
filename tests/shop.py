"""A small shop for service tests: products, two Amsterdam stores, a warehouse, a clock."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, time
from uuid import UUID

from adapters.clock import ManualClock
from adapters.memory_catalog import InMemoryCatalog, InMemoryCustomers
from adapters.payments import SimulatedPaymentGateway
from domain.ports import Customer, EventStore, Location, LocationKind, Product
from domain.service import CommerceService
from domain.values import Actor, ActorKind, Channel, Context, Money

OPENING = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

PRODUCTS = [
    Product(sku="RETRO-CLOCK", name="Retro alarm clock", price=Money.of("24.95")),
    Product(sku="LAVA-LAMP", name="Lava lamp", price=Money.of("39.00"), low_stock_threshold=3),
    Product(sku="VINYL-PLAYER", name="Vinyl player", price=Money.of("149.00")),
]

LOCATIONS = [
    Location(
        id="AMS-CENTRAAL",
        name="Amsterdam Centraal",
        kind=LocationKind.STORE,
        time_zone="Europe/Amsterdam",
        latitude=52.3791,
        longitude=4.9003,
        opens_at=time(9),
        closes_at=time(21),
        pickup_service_minutes=60,
    ),
    Location(
        id="AMS-ZUID",
        name="Amsterdam Zuid",
        kind=LocationKind.STORE,
        time_zone="Europe/Amsterdam",
        latitude=52.3389,
        longitude=4.8730,
        pickup_service_minutes=120,
    ),
    Location(
        id="UTR-CENTRUM",
        name="Utrecht Centrum",
        kind=LocationKind.STORE,
        time_zone="Europe/Amsterdam",
        latitude=52.0907,
        longitude=5.1214,
    ),
    Location(
        id="WH-NL",
        name="Warehouse Tilburg",
        kind=LocationKind.WAREHOUSE,
        time_zone="Europe/Amsterdam",
        latitude=51.5555,
        longitude=5.0913,
    ),
]

CUSTOMERS = [
    Customer(id="cust-ada", first_name="Ada", loyalty_id="LOYAL-ADA"),
    Customer(id="cust-bob", first_name="Bob", loyalty_id="LOYAL-BOB"),
]


# Behaviour tests script a shop's day as an actor that may do everything; who may do what
# is proven on its own (tests/unit/test_access.py and the API's authorization tests).
SCRIPT = Actor(ActorKind.ADMIN, "shop-script")


def ctx(
    channel: Channel = Channel.WEB, device: str | None = "laptop", actor: Actor | None = None
) -> Context:
    return Context(channel=channel, device_id=device, actor=actor or SCRIPT)


STAFF = Context(
    channel=Channel.STAFF,
    device_id="handheld-2",
    actor=Actor(ActorKind.STAFF, "staff-bo", stores=tuple(loc.id for loc in LOCATIONS)),
)


def make_service(store: EventStore, clock: ManualClock | None = None) -> CommerceService:
    codes = (f"CODE{n:02d}" for n in itertools.count(1))
    return CommerceService(
        store=store,
        catalog=InMemoryCatalog(PRODUCTS, LOCATIONS),
        payments=SimulatedPaymentGateway(),
        clock=clock or ManualClock(OPENING),
        new_code=lambda: next(codes),
        customers=InMemoryCustomers(CUSTOMERS),
    )


def as_uuid(value: UUID | None) -> UUID:
    assert value is not None
    return value
