"""A customer has exactly one open cart, whatever signs in or changes it at the same time on
other devices: decided on the write side, with no read model (no projection) running."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from adapters.clock import ManualClock
from adapters.payments import SimulatedPaymentGateway
from adapters.postgres.cart_history import PostgresCartHistory
from adapters.postgres.catalog import PostgresCatalog, upsert_catalog
from adapters.postgres.database import Database
from domain.cart.model import Cart, CartStatus
from domain.customer.model import CustomerCarts
from domain.errors import ConcurrencyError
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.ports import AppendResult
from domain.service import CommerceService
from domain.values import Actor, ActorKind, Channel, Context, customer_carts_id
from projections import cart_continuity
from projections.catalog import all_projections
from projections.supervisor import ProjectionSupervisor
from tests.integration.conftest import Shop
from tests.shop import LOCATIONS, OPENING, PRODUCTS, STAFF

CUSTOMERS, ROUNDS = 8, 20
CHECKOUT_EVERY = 5  # rounds: then the next round starts with no current cart
SHIP = Fulfillment(FulfillmentMethod.SHIP, "WH-NL")


async def shop_without_projections(database: Database) -> CommerceService:
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, PRODUCTS, LOCATIONS)
    service = CommerceService(
        store=database.store,
        catalog=PostgresCatalog(database.pool),
        payments=SimulatedPaymentGateway(),
        clock=ManualClock(OPENING),
        cart_history=PostgresCartHistory(database.pool),
    )
    for product in PRODUCTS:
        await service.receive_stock("WH-NL", product.sku, 10_000, "delivery", STAFF)
    return service


def device(name: str, customer_id: str | None = None, cart_id: UUID | None = None) -> Context:
    """A customer's device, or a guest's holding the cart its token names."""
    if customer_id is not None:
        actor = Actor(ActorKind.CUSTOMER, customer_id)
    else:
        actor = Actor(ActorKind.GUEST, name, cart_id=cart_id)
    return Context(channel=Channel.WEB, device_id=name, actor=actor)


class Customer:
    """One customer's devices racing each other, and what they put in their carts."""

    def __init__(self, service: CommerceService, customer_id: str) -> None:
        self.service, self.id = service, customer_id
        self.carts: set[UUID] = set()
        self.added: Counter[str] = Counter()  # units added since the last checkout

    async def guest_cart_with(self, sku: str, name: str) -> UUID:
        guest = device(name, cart_id=uuid4())
        assert guest.actor.cart_id is not None
        cart_id = (await self.service.start_cart(guest, cart_id=guest.actor.cart_id)).result.cart_id
        await self.service.add_to_cart(cart_id, sku, 1, guest)
        self.carts.add(cart_id)
        self.added[sku] += 1
        return cart_id

    async def laptop_adds(self, sku: str) -> None:
        laptop = device("laptop", self.id)
        cart_id = (await self.service.start_cart(laptop, customer_id=self.id)).result.cart_id
        self.carts.add(cart_id)
        await self.service.add_to_cart(cart_id, sku, 1, laptop)
        self.added[sku] += 1

    async def round(self) -> None:
        phone = await self.guest_cart_with("LAVA-LAMP", "phone")
        tablet = await self.guest_cart_with("VINYL-PLAYER", "tablet")
        await asyncio.gather(
            self.service.sign_in(phone, self.id, device("phone", self.id)),
            self.service.sign_in(tablet, self.id, device("tablet", self.id)),
            self.laptop_adds("RETRO-CLOCK"),
        )

    async def open_carts(self) -> list[Cart]:
        carts = [await self.service.repository.get(cart_id, Cart) for cart_id in self.carts]
        return [cart for cart in carts if cart.is_open]

    async def current_cart_id(self) -> UUID | None:
        stream = await self.service.repository.get(customer_carts_id(self.id), CustomerCarts)
        return stream.current_cart_id

    async def check_out(self, cart: Cart) -> None:
        await self.service.checkout(cart.id, SHIP, device("laptop", self.id))
        self.added.clear()


async def play(customer: Customer) -> list[str]:
    """Every round, then: one open cart, it is the current one, and it holds every unit."""
    broken = []
    for number in range(ROUNDS):
        await customer.round()
        open_carts = await customer.open_carts()
        if len(open_carts) != 1:
            broken.append(f"{customer.id} round {number}: {len(open_carts)} open carts")
            continue
        [cart] = open_carts
        if (cart.customer_id, await customer.current_cart_id()) != (customer.id, cart.id):
            broken.append(f"{customer.id} round {number}: the open cart is not the current one")
        held = Counter({sku: line.quantity for sku, line in cart.lines.items()})
        if held != customer.added:
            broken.append(f"{customer.id} round {number}: holds {held}, added {customer.added}")
        if number % CHECKOUT_EVERY == CHECKOUT_EVERY - 1:
            await customer.check_out(cart)
    return broken


def count_conflicts(database: Database) -> Counter[str]:
    """Appends refused for a stale version, so the test can show the races took place."""
    conflicts: Counter[str] = Counter()
    append = database.store.append

    async def counting(*args: Any, **kwargs: Any) -> AppendResult:
        try:
            return await append(*args, **kwargs)
        except ConcurrencyError:
            conflicts["stale"] += 1
            raise

    database.store.append = counting  # type: ignore[method-assign]
    return conflicts


async def test_racing_sign_ins_and_cart_changes_leave_one_open_cart_with_every_line(
    database: Database,
) -> None:
    service = await shop_without_projections(database)
    customers = [Customer(service, f"cust-{n}") for n in range(CUSTOMERS)]
    conflicts = count_conflicts(database)

    broken = await asyncio.gather(*(play(customer) for customer in customers))

    assert [problem for problems in broken for problem in problems] == []
    assert conflicts["stale"] > 0  # the devices did collide, and were decided again
    statuses: Counter[CartStatus] = Counter()
    for customer in customers:
        for cart_id in customer.carts:
            statuses[(await service.repository.get(cart_id, Cart)).status] += 1
    assert statuses[CartStatus.MERGED] > 0 and statuses[CartStatus.CHECKED_OUT] > 0

    # The read model, started only now, names the same current cart as the write side.
    supervisor = ProjectionSupervisor(
        database.store, all_projections(), database.dsn, database.schema, poll_interval=0.1
    )
    supervisor.start()
    try:
        assert await supervisor.wait_for(await database.store.committed_head(), timeout=30)
        for customer in customers:
            read = await cart_continuity.current_cart_id(database.pool, customer.id)
            assert read == await customer.current_cart_id()
    finally:
        await supervisor.stop()


async def test_the_read_model_names_the_cart_the_write_side_adopts_from_before(
    shop: Shop,
) -> None:
    """Carts written before CustomerCarts existed: the read model's fallback and the write
    side's adoption pick the same cart, and afterwards the read model follows the stream."""
    service, price = shop.service, PRODUCTS[0].price
    await service.receive_stock("WH-NL", "RETRO-CLOCK", 5, "delivery", STAFF)
    legacy = []
    for minutes in (0, 30, 10):
        at = OPENING + timedelta(minutes=minutes)
        cart = Cart.create(uuid4(), Channel.WEB, "laptop", "cust-ada", at=at)
        cart.add_line("RETRO-CLOCK", 1, price, at)
        await service.repository.save(cart, context=device("laptop", "cust-ada"))
        legacy.append(cart.id)
    await shop.settled()
    assert await cart_continuity.current_cart_id(shop.pool, "cust-ada") == legacy[1]

    guest = (await service.start_cart(device("phone"))).result.cart_id
    signed = await service.sign_in(guest, "cust-ada", device("phone", "cust-ada"))
    await shop.settled(signed.position)

    stream = await service.repository.get(customer_carts_id("cust-ada"), CustomerCarts)
    assert signed.result.cart_id == stream.current_cart_id == legacy[1]
    assert await cart_continuity.current_cart_id(shop.pool, "cust-ada") == legacy[1]

    placed = await service.checkout(legacy[1], SHIP, device("laptop", "cust-ada"))
    await shop.settled(placed.position)
    # Two older carts are still open, but none is current: the read model does not choose.
    assert await cart_continuity.current_cart_id(shop.pool, "cust-ada") is None
