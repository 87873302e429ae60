"""Time-driven rules fire once per aggregate, even with two schedulers (or two processes)
ticking at once."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path
from uuid import UUID, uuid4

import msgspec

from api.server.scheduler import tick
from domain.cart.model import Cart, CartStatus
from domain.order.model import Fulfillment, FulfillmentMethod, Order, OrderStatus
from domain.pickup.model import Pickup, PickupStatus
from domain.ports import Position
from domain.service import CommerceService
from domain.stock.model import StockItem
from domain.values import Channel, event_id, stock_item_id
from tests.integration.conftest import Shop
from tests.shop import STAFF, as_uuid, ctx

ROOT = Path(__file__).resolve().parents[2]


async def events_of(shop: Shop, stream_id, kind: type) -> int:  # type: ignore[no-untyped-def]
    return sum(isinstance(e, kind) for e in await shop.database.store.read_stream(stream_id))


async def pickups_at_centraal(service: CommerceService, count: int) -> list[UUID]:
    """`count` click-and-collect orders of one lava lamp each (stock received first)."""
    await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", count + 1, "delivery", STAFF)
    pickups = []
    for _ in range(count):
        cart_id = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
        await service.add_to_cart(cart_id, "LAVA-LAMP", 1, ctx())
        placed = await service.checkout(
            cart_id, Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL"), ctx(), "tok"
        )
        pickups.append(as_uuid(placed.result.pickup_id))
    return pickups


async def test_overdue_and_uncollected_pickups_are_handled_once_by_two_schedulers(
    shop: Shop,
) -> None:
    service, clock = shop.service, shop.clock
    pickups = await pickups_at_centraal(service, 3)
    late, ready = pickups[0], pickups[1]
    await service.start_picking(ready, "staff-bo", STAFF)
    await service.mark_ready(ready, "C2", STAFF)
    await shop.settled()

    clock.advance(hours=2)  # past the 60-minute promise of the two that are not ready
    first = await asyncio.gather(*(tick(shop.pool, service, clock) for _ in range(2)))
    await shop.settled()
    clock.advance(days=8)  # past the 7-day window of the ready one
    second = await asyncio.gather(*(tick(shop.pool, service, clock) for _ in range(2)))
    await shop.settled()
    third = await tick(shop.pool, service, clock)

    # First: the two unready ones overdue; then the ready one's expiry.
    assert sum(r.fired for r in first) == 2 and sum(r.fired for r in second) == 1
    assert third.fired == 0
    assert await events_of(shop, late, Pickup.Overdue) == 1
    assert await events_of(shop, ready, Pickup.NotCollected) == 1
    expired = await service.repository.get(ready, Pickup)
    assert expired.status is PickupStatus.NOT_COLLECTED
    order = await service.repository.get(expired.order_id, Order)
    assert order.status is OrderStatus.CANCELLED
    lamps = await service.repository.get(stock_item_id("AMS-CENTRAAL", "LAVA-LAMP"), StockItem)
    assert (lamps.reserved, lamps.available) == (2, 2)  # the expired pickup's unit is back


async def test_an_idle_cart_is_abandoned_once(shop: Shop) -> None:
    service, clock = shop.service, shop.clock
    idle = (await service.start_cart(ctx())).result.cart_id
    clock.advance(days=2)
    await service.add_to_cart(idle, "RETRO-CLOCK", 1, ctx())
    await shop.settled()
    clock.advance(days=29)  # 31 days after the cart started, 29 after its last line
    assert (await tick(shop.pool, service, clock)).fired == 0

    clock.advance(days=2)
    reports = await asyncio.gather(*(tick(shop.pool, service, clock) for _ in range(2)))
    await shop.settled()

    assert sum(r.fired for r in reports) == 1
    assert (await service.repository.get(idle, Cart)).status is CartStatus.ABANDONED
    assert await events_of(shop, idle, Cart.Abandoned) == 1


async def test_two_omni_tick_processes_at_once_fire_each_rule_once(shop: Shop) -> None:
    """The shop's clock stands a month back, so by the real clock `omni tick` runs on, the
    two unready pickups are past their promise and the ready one is past its window."""
    service = shop.service
    pickups = await pickups_at_centraal(service, 3)
    late, also_late, ready = pickups
    await service.start_picking(ready, "staff-bo", STAFF)
    await service.mark_ready(ready, "C1", STAFF)
    await shop.settled()

    env = {
        **os.environ,
        "DATABASE_URL": shop.database.dsn,
        "OMNI_DATABASE_SCHEMA": shop.database.schema or "",
    }
    ticks = [
        await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "api.cli", "tick"),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [(await asyncio.wait_for(t.communicate(), 60))[0].decode() for t in ticks]
    assert [t.returncode for t in ticks] == [0, 0]
    fired = sum(int(re.search(r"fired (\d+)", out)[1]) for out in outputs)  # type: ignore[index]

    assert fired == 3, outputs  # two overdue, one not collected
    assert await events_of(shop, late, Pickup.Overdue) == 1
    assert await events_of(shop, also_late, Pickup.Overdue) == 1
    assert await events_of(shop, ready, Pickup.NotCollected) == 1


async def test_a_fired_rule_is_caused_by_the_event_that_set_its_deadline(shop: Shop) -> None:
    service, clock, store = shop.service, shop.clock, shop.database.store
    checkout_flow = uuid4()
    await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 2, "delivery", STAFF)
    cart_id = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 1, ctx())
    placed = await service.checkout(
        cart_id,
        Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL"),
        msgspec.structs.replace(ctx(), correlation_id=checkout_flow),
        "tok",
    )
    pickup_id = as_uuid(placed.result.pickup_id)
    await shop.settled()
    clock.advance(hours=2)

    assert (await tick(shop.pool, service, clock)).fired == 1
    await shop.settled()  # the global order shows it once no earlier transaction is open
    [overdue] = [r for r in await store.read_all(Position()) if isinstance(r.event, Pickup.Overdue)]
    assert overdue.context.causation_id == event_id(pickup_id, 1)  # Pickup.Requested
    assert overdue.context.correlation_id == checkout_flow
    assert overdue.context.channel is Channel.SYSTEM


async def test_the_clock_never_records_that_a_customer_was_told(shop: Shop) -> None:
    """Only the notifier, once the mail server accepted the mail, records `CustomerNotified`
    (tests/outbox/test_notifier_facts.py); with no notifier running nobody was told."""
    service, clock, store = shop.service, shop.clock, shop.database.store
    [pickup_id] = await pickups_at_centraal(service, 1)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    ready = await service.mark_ready(pickup_id, "B2", STAFF)
    await shop.settled()

    fired = [await tick(shop.pool, service, clock) for _ in range(2)]
    clock.advance(hours=1)
    later = await tick(shop.pool, service, clock)
    await shop.settled()

    assert [r.fired for r in fired] == [0, 0] and later.fired == 0
    since = [r for r in await store.read_all(ready.position) if r.stream_id == pickup_id]
    assert since == []
    pickup = await service.repository.get(pickup_id, Pickup)
    assert pickup.status is PickupStatus.READY and pickup.notifications == []


async def test_a_notify_ready_deadline_left_by_version_2_is_never_fired(shop: Shop) -> None:
    """Until the rebuild to version 3 swaps them out, the old tables keep their rows."""
    service, clock = shop.service, shop.clock
    [pickup_id] = await pickups_at_centraal(service, 1)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    await service.mark_ready(pickup_id, "B2", STAFF)
    await shop.settled()
    await shop.pool.execute(
        "INSERT INTO deadlines VALUES ($1, 'notify_ready', $2, $3, NULL)",
        pickup_id,
        clock.now(),
        event_id(pickup_id, 3),
    )

    report = await tick(shop.pool, service, clock)

    assert (report.fired, report.refused) == (0, 0)
    assert await events_of(shop, pickup_id, Pickup.CustomerNotified) == 0
