"""The loyalty ledger through the service, on the in-memory store: the clock rule expires points
once however many processes fire it at once, only the clock may fire it, and a redemption
nobody can make (a guest's, an anonymous sale's) writes nothing."""

from __future__ import annotations

import asyncio

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.errors import NotAllowed
from domain.loyalty.model import LoyaltyAccount, loyalty_account_id
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.ports import Position
from domain.usecases.loyalty import PointsNeedACustomer
from domain.usecases.sales import PosSaleLine
from domain.values import SYSTEM_ACTOR, Actor, ActorKind, Channel, Context
from tests.shop import OPENING, STAFF, ctx, make_service

TILL = Context(
    channel=Channel.POS, actor=Actor(ActorKind.POS_TERMINAL, "till-1", stores=("AMS-ZUID",))
)
CLOCK_RULE = Context(channel=Channel.SYSTEM, actor=SYSTEM_ACTOR)
ADA = Context(channel=Channel.WEB, actor=Actor(ActorKind.CUSTOMER, "cust-ada"))


async def shop() -> tuple:  # type: ignore[type-arg]
    store, clock = InMemoryEventStore(), ManualClock(OPENING)
    service = make_service(store, clock)
    await service.receive_stock("AMS-ZUID", "LAVA-LAMP", 5, "delivery-1", STAFF)
    return service, store, clock


async def test_points_expire_once_however_many_processes_fire_the_rule() -> None:
    service, store, clock = await shop()
    lamp = [PosSaleLine("LAVA-LAMP", 1)]
    await service.record_pos_sale("AMS-ZUID", "till-1", "1", lamp, TILL, customer_id="cust-ada")
    clock.advance(days=30)
    await service.record_pos_sale("AMS-ZUID", "till-1", "2", lamp, TILL, customer_id="cust-ada")
    account_id = loyalty_account_id("cust-ada")
    clock.advance(days=335)  # the first sale's points are a year old; the second's are not

    fired = await asyncio.gather(
        *(service.expire_points(account_id, clock.now(), CLOCK_RULE) for _ in range(4))
    )

    assert sorted(done.result.points for done in fired) == [0, 0, 0, 39]
    account = await service.repository.get(account_id, LoyaltyAccount)
    assert account.balance == 39
    expired = [
        r for r in await store.read_all(Position()) if isinstance(r.event, LoyaltyAccount.Expired)
    ]
    assert [r.event.points for r in expired] == [39]


async def test_only_the_clock_expires_points() -> None:
    service, store, clock = await shop()
    lamp = [PosSaleLine("LAVA-LAMP", 1)]
    await service.record_pos_sale("AMS-ZUID", "till-1", "1", lamp, TILL, customer_id="cust-ada")
    clock.advance(days=400)
    before = await store.last_position()
    for who in (ADA, TILL, STAFF):
        with pytest.raises(NotAllowed):
            await service.expire_points(loyalty_account_id("cust-ada"), clock.now(), who)
    assert await store.last_position() == before


async def test_a_guest_or_an_anonymous_sale_has_no_points_and_nothing_is_written() -> None:
    service, store, _ = await shop()
    guest = ctx()
    cart = (await service.start_cart(guest)).result.cart_id
    await service.add_to_cart(cart, "LAVA-LAMP", 1, guest)
    before = await store.last_position()
    with pytest.raises(PointsNeedACustomer):
        await service.checkout(
            cart, Fulfillment(FulfillmentMethod.PICKUP, "AMS-ZUID"), guest, "tok", redeem_points=1
        )
    with pytest.raises(PointsNeedACustomer):
        await service.record_pos_sale(
            "AMS-ZUID", "till-1", "9", [PosSaleLine("LAVA-LAMP", 1)], TILL, redeem_points=1
        )
    assert await store.last_position() == before
