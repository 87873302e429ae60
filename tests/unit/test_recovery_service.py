"""Recovering an abandoned cart through the service: from any device, by its owner only,
lines re-checked against today's catalog and stock, into the customer's open cart if any."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from adapters.memory_catalog import InMemoryCatalog
from domain.cart.model import (
    Cart,
    CartNotAbandoned,
    CartStatus,
    LineRecovery,
    NotCartOwner,
    RecoveryChange,
)
from domain.errors import NotFound
from domain.ports import Product
from domain.service import CommerceService
from domain.usecases.base import UnknownLocation
from domain.values import Actor, ActorKind, Channel, Money
from tests.shop import LOCATIONS, OPENING, PRODUCTS, STAFF, ctx, make_service

LAPTOP = ctx(Channel.WEB, "laptop")
PHONE = ctx(Channel.MOBILE, "phone")
ADA = ctx(Channel.MOBILE, "phone", Actor(ActorKind.CUSTOMER, "cust-ada"))
SYSTEM = ctx(Channel.SYSTEM, None)


async def abandoned_cart(
    service: CommerceService, clock: ManualClock, customer_id: str | None = "cust-ada"
) -> UUID:
    """Two lamps and a clock on the laptop, idle for 31 days."""
    cart_id = (await service.start_cart(LAPTOP, customer_id=customer_id)).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 2, LAPTOP)
    await service.add_to_cart(cart_id, "RETRO-CLOCK", 1, LAPTOP)
    idle_since = (await service.repository.get(cart_id, Cart)).last_active_at
    clock.current = idle_since + timedelta(days=31)
    await service.abandon_cart(cart_id, clock.now(), SYSTEM)
    return cart_id


async def shop() -> tuple[CommerceService, InMemoryEventStore, ManualClock]:
    store, clock = InMemoryEventStore(), ManualClock(OPENING)
    service = make_service(store, clock)
    await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 1, "delivery-1", STAFF)
    await service.receive_stock("WH-NL", "RETRO-CLOCK", 8, "delivery-1", STAFF)
    return service, store, clock


async def test_an_abandoned_cart_comes_back_on_another_device_with_every_change_told() -> None:
    service, _, clock = await shop()
    cart_id = await abandoned_cart(service, clock)
    cheaper_clocks = [
        p if p.sku != "RETRO-CLOCK" else Product(sku=p.sku, name=p.name, price=Money.of("19.95"))
        for p in PRODUCTS
    ]
    service.catalog = InMemoryCatalog(cheaper_clocks, LOCATIONS)
    clock.advance(hours=2)

    done = await service.recover_cart(cart_id, ADA)

    lamp, clock_price = Money.of("39.00"), Money.of("24.95")
    assert done.result.cart_id == cart_id and done.result.merged_into is None
    assert done.result.changes == [
        LineRecovery("LAVA-LAMP", RecoveryChange.REDUCED, 2, 1, lamp, lamp, ("AMS-CENTRAAL",)),
        LineRecovery("RETRO-CLOCK", RecoveryChange.REPRICED, 1, 1, clock_price, Money.of("19.95")),
    ]
    cart = await service.repository.get(cart_id, Cart)
    assert cart.status is CartStatus.OPEN
    assert {sku: (line.quantity, line.unit_price) for sku, line in cart.lines.items()} == {
        "LAVA-LAMP": (1, lamp),
        "RETRO-CLOCK": (1, Money.of("19.95")),
    }


async def test_recovered_lines_join_the_customers_current_cart() -> None:
    service, _, clock = await shop()
    abandoned = await abandoned_cart(service, clock)
    current = (await service.start_cart(PHONE, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(current, "RETRO-CLOCK", 2, PHONE)

    done = await service.recover_cart(abandoned, ADA)

    assert (done.result.cart_id, done.result.merged_into) == (current, current)
    assert done.result.recovered_cart_id == abandoned
    joined = await service.repository.get(current, Cart)
    assert {sku: line.quantity for sku, line in joined.lines.items()} == {
        "RETRO-CLOCK": 3,
        "LAVA-LAMP": 1,
    }
    assert (await service.repository.get(abandoned, Cart)).status is CartStatus.MERGED


async def test_a_guest_recovers_the_cart_their_token_holds() -> None:
    service, _, clock = await shop()
    cart_id = await abandoned_cart(service, clock, customer_id=None)
    guest = Actor(ActorKind.GUEST, f"guest-{cart_id}", cart_id=cart_id)
    done = await service.recover_cart(cart_id, ctx(Channel.MOBILE, "phone", guest))
    assert done.result.cart_id == cart_id
    assert (await service.repository.get(cart_id, Cart)).is_open


@pytest.mark.parametrize(
    "stranger",
    [
        Actor(ActorKind.CUSTOMER, "cust-bob"),
        Actor(ActorKind.GUEST, "anonymous"),
        Actor(ActorKind.GUEST, "guest-7", cart_id=UUID(int=7)),
        Actor(ActorKind.POS_TERMINAL, "till-1", stores=("AMS-CENTRAAL",)),
    ],
    ids=["another customer", "nobody", "a guest with another cart", "a till"],
)
async def test_nobody_else_recovers_a_customers_cart(stranger: Actor) -> None:
    service, store, clock = await shop()
    cart_id = await abandoned_cart(service, clock)
    head = await store.last_position()
    with pytest.raises(NotCartOwner):
        await service.recover_cart(cart_id, ctx(Channel.MOBILE, "phone", stranger))
    assert await store.last_position() == head
    assert (await service.repository.get(cart_id, Cart)).status is CartStatus.ABANDONED


async def test_a_recovered_cart_becomes_current_when_the_customer_has_none() -> None:
    service, _, clock = await shop()
    abandoned = await abandoned_cart(service, clock)
    await service.start_cart(PHONE, customer_id="cust-bob")  # another customer's cart

    done = await service.recover_cart(abandoned, ADA)

    assert (done.result.cart_id, done.result.merged_into) == (abandoned, None)
    resumed = (await service.start_cart(ADA, customer_id="cust-ada")).result
    assert (resumed.cart_id, resumed.resumed) == (abandoned, True)


async def test_only_an_abandoned_cart_is_recovered() -> None:
    service, store, _ = await shop()
    cart_id = (await service.start_cart(LAPTOP, customer_id="cust-ada")).result.cart_id
    head = await store.last_position()
    with pytest.raises(CartNotAbandoned):
        await service.recover_cart(cart_id, ADA)
    with pytest.raises(NotFound):
        await service.recover_cart(UUID(int=42), ADA)
    assert await store.last_position() == head


async def test_stock_gone_since_is_reduced_or_dropped_and_said_where_the_rest_is() -> None:
    """Three lamps wanted with one left in the chain, a clock with none anywhere (issue 19)."""
    service, _, clock = await shop()
    cart_id = (await service.start_cart(LAPTOP, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 3, LAPTOP)
    await service.add_to_cart(cart_id, "VINYL-PLAYER", 1, LAPTOP)
    clock.current = (await service.repository.get(cart_id, Cart)).last_active_at
    clock.advance(hours=24 * 31)
    await service.abandon_cart(cart_id, clock.now(), SYSTEM)

    done = await service.recover_cart(cart_id, ADA)

    lamp, player = Money.of("39.00"), Money.of("149.00")
    assert done.result.changes == [
        LineRecovery("LAVA-LAMP", RecoveryChange.REDUCED, 3, 1, lamp, lamp, ("AMS-CENTRAAL",)),
        LineRecovery("VINYL-PLAYER", RecoveryChange.UNAVAILABLE, 1, 0, player, player),
    ]
    lines = (await service.repository.get(cart_id, Cart)).lines
    assert {sku: line.quantity for sku, line in lines.items()} == {"LAVA-LAMP": 1}


async def test_a_line_the_shoppers_store_lacks_is_kept_with_the_stores_that_have_it() -> None:
    service, _, clock = await shop()
    await service.receive_stock("UTR-CENTRUM", "RETRO-CLOCK", 1, "delivery-2", STAFF)
    cart_id = await abandoned_cart(service, clock)  # two lamps (one in the chain), one clock

    done = await service.recover_cart(cart_id, ADA, location_id="AMS-ZUID")

    lamp, clock_price = Money.of("39.00"), Money.of("24.95")
    assert done.result.changes == [
        LineRecovery("LAVA-LAMP", RecoveryChange.REDUCED, 2, 1, lamp, lamp, ("AMS-CENTRAAL",)),
        LineRecovery(
            "RETRO-CLOCK",
            RecoveryChange.ONLY_ELSEWHERE,
            1,
            1,
            clock_price,
            clock_price,
            ("UTR-CENTRUM", "WH-NL"),  # nearest to Amsterdam Zuid first
        ),
    ]


async def test_recovering_for_an_unknown_location_is_refused_and_changes_nothing() -> None:
    service, store, clock = await shop()
    cart_id = await abandoned_cart(service, clock)
    head = await store.last_position()
    with pytest.raises(UnknownLocation):
        await service.recover_cart(cart_id, ADA, location_id="NOWHERE")
    assert await store.last_position() == head
    assert (await service.repository.get(cart_id, Cart)).status is CartStatus.ABANDONED
