"""A shopper's web add racing the till's ring-up of the same cart, on PostgreSQL: one wins,
the other is refused, and nothing is half-written (a sale always with its closed cart, its
stock and the customer's current cart cleared; an add never lands on a cart rung up)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any
from uuid import UUID

from adapters.postgres.database import Database
from domain.cart.model import Cart, CartClosed, CartStatus
from domain.customer.model import CustomerCarts
from domain.sale.model import Receipt, Sale
from domain.service import CommerceService
from domain.stock.model import StockItem
from domain.usecases.checkout_rules import StaleVersion
from domain.usecases.sales import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context, customer_carts_id, stock_item_id
from tests.shop import STAFF, make_service

STORE, ROUNDS = "AMS-ZUID", 12
HEAD_STARTS = (0.0, 0.002, 0.005, 0.01, 0.02, 0.04)  # seconds
TILL = Context(
    channel=Channel.POS, device_id="till-1", actor=Actor(ActorKind.POS_TERMINAL, "till-1", (STORE,))
)
BASKET = [PosSaleLine("RETRO-CLOCK", 1)]


def web(customer: str) -> Context:
    return Context(
        channel=Channel.WEB, device_id="laptop", actor=Actor(ActorKind.CUSTOMER, customer)
    )


async def a_cart_with_a_clock(service: CommerceService, customer: str) -> Cart:
    cart_id = (await service.start_cart(web(customer), customer_id=customer)).result.cart_id
    await service.add_to_cart(cart_id, "RETRO-CLOCK", 1, web(customer))
    return await service.repository.get(cart_id, Cart)


async def test_a_web_add_racing_the_till_one_wins_and_nothing_is_half_written(
    database: Database,
) -> None:
    service = make_service(database.store)
    await service.receive_stock(STORE, "RETRO-CLOCK", ROUNDS, "delivery", STAFF)
    rung_up = 0
    for round_number in range(ROUNDS):
        customer = f"cust-race-{round_number}"
        cart = await a_cart_with_a_clock(service, customer)
        number = f"R-{round_number}"
        add, ring = await race(
            service.add_to_cart(cart.id, "LAVA-LAMP", 1, web(customer)),
            service.ring_up_cart(STORE, "till-1", number, cart.id, cart.version, BASKET, TILL),
            round_number,
        )
        sale_id = Receipt(STORE, "till-1", number).sale_id
        if isinstance(add, BaseException):  # the till won
            assert isinstance(add, CartClosed) and not isinstance(ring, BaseException)
            rung_up += 1
            await rung_up_whole(service, database, cart.id, sale_id, customer)
        else:  # the shopper's add won
            assert isinstance(ring, StaleVersion), ring
            await left_open_whole(service, cart.id, sale_id, customer)
    clocks = await service.repository.get(stock_item_id(STORE, "RETRO-CLOCK"), StockItem)
    assert clocks.on_hand == ROUNDS - rung_up  # a clock left the shelf for every sale, no more


async def race(add: Awaitable[Any], ring: Awaitable[Any], round_number: int) -> tuple[Any, Any]:
    """Both at once, one given a head start of a few milliseconds that grows and alternates
    between them, so that each side wins some rounds (a ring-up reads more before it writes)."""
    head_start = HEAD_STARTS[round_number // 2 % len(HEAD_STARTS)]

    async def after_a_moment(step: Awaitable[Any]) -> Any:
        await asyncio.sleep(head_start)
        return await step

    if round_number % 2 == 0:
        add = after_a_moment(add)
    else:
        ring = after_a_moment(ring)
    add_outcome, ring_outcome = await asyncio.gather(add, ring, return_exceptions=True)
    return add_outcome, ring_outcome


async def rung_up_whole(
    service: CommerceService, database: Database, cart_id: UUID, sale_id: UUID, customer: str
) -> None:
    cart = await service.repository.get(cart_id, Cart)
    assert cart.status is CartStatus.BOUGHT_IN_STORE and set(cart.lines) == {"RETRO-CLOCK"}
    sale = await service.repository.get(sale_id, Sale)
    assert sale.customer_id == customer
    carts = await service.repository.get(customer_carts_id(customer), CustomerCarts)
    assert carts.current_cart_id is None
    cart_events = await database.store.read_stream(cart_id, 0)
    assert [type(e) for e in cart_events[-2:]] == [Cart.LineAdded, Cart.BoughtInStore]
    assert len(await database.store.read_stream(sale_id, 0)) == 1


async def left_open_whole(
    service: CommerceService, cart_id: UUID, sale_id: UUID, customer: str
) -> None:
    cart = await service.repository.get(cart_id, Cart)
    assert cart.is_open and set(cart.lines) == {"RETRO-CLOCK", "LAVA-LAMP"}
    assert await service.repository.find(sale_id, Sale) is None
    carts = await service.repository.get(customer_carts_id(customer), CustomerCarts)
    assert carts.current_cart_id == cart_id
