"""Each read model after a scripted sequence of commands: exactly the expected rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from domain.order.model import Fulfillment, FulfillmentMethod
from domain.usecases.carts import CART_IDLE_LIMIT
from domain.values import Channel, event_id
from projections import (
    cart_continuity,
    deadlines,
    fulfillment_stats,
    fulfillment_times,
    orders,
    store_inventory,
)
from projections.rebuild import rebuild
from tests.integration.conftest import Shop
from tests.shop import OPENING, STAFF, as_uuid, ctx

PHONE = ctx(Channel.MOBILE, "phone-ada")
LAPTOP = ctx(Channel.WEB, "laptop-ada")
CENTRAAL_PICKUP = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")


async def test_cart_continuity_follows_the_customer_across_devices_and_merges(
    shop: Shop,
) -> None:
    service = shop.service
    for sku in ("RETRO-CLOCK", "LAVA-LAMP"):
        await service.receive_stock("AMS-CENTRAAL", sku, 5, "delivery-1", STAFF)
    web = (await service.start_cart(LAPTOP, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(web, "RETRO-CLOCK", 1, LAPTOP)
    guest = (await service.start_cart(PHONE)).result.cart_id
    await service.add_to_cart(guest, "RETRO-CLOCK", 2, PHONE)
    await service.add_to_cart(guest, "LAVA-LAMP", 1, PHONE)
    await shop.settled()
    assert await cart_continuity.current_cart_id(shop.pool, "cust-ada") == web

    signed_in = await service.sign_in(guest, "cust-ada", PHONE)
    await shop.settled(signed_in.position)

    current = await cart_continuity.current_cart(shop.pool, "cust-ada")
    assert current is not None and current.cart_id == web
    assert [(line.sku, line.quantity, line.unit_price) for line in current.lines] == [
        ("RETRO-CLOCK", 3, Decimal("24.95")),
        ("LAVA-LAMP", 1, Decimal("39.00")),
    ]
    assert (current.item_count, current.total) == (4, Decimal("113.85"))
    assert [(t.channel, t.device_id, t.touches) for t in current.touches] == [
        ("web", "laptop-ada", 2),
        ("mobile", "phone-ada", 1),
    ]
    merged = await cart_continuity.cart(shop.pool, guest)
    assert merged is not None and (merged.status, merged.merged_into) == ("merged", web)

    checked_out = await service.checkout(web, CENTRAAL_PICKUP, LAPTOP, payment_token="tok")
    await shop.settled(checked_out.position)
    assert await cart_continuity.current_cart_id(shop.pool, "cust-ada") is None

    # Rebuilt, one batch holds each cart's whole life: the tables must come out the same.
    live = await all_rows(shop, cart_continuity.CartContinuity.tables)
    await rebuild(shop.database.store, cart_continuity.CartContinuity())
    assert await all_rows(shop, cart_continuity.CartContinuity.tables) == live


async def all_rows(shop: Shop, tables: tuple[str, ...]) -> dict[str, list[tuple[object, ...]]]:
    return {
        table: sorted(tuple(row) for row in await shop.pool.fetch(f"SELECT * FROM {table}"))
        for table in tables
    }


async def test_store_inventory_counts_every_movement(shop: Shop) -> None:
    service = shop.service
    await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 5, "delivery-1", STAFF)
    await service.receive_stock("AMS-ZUID", "LAVA-LAMP", 2, "delivery-1", STAFF)
    await service.receive_stock("UTR-CENTRUM", "LAVA-LAMP", 9, "delivery-1", STAFF)
    cart_id = (await service.start_cart(LAPTOP, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 2, LAPTOP)
    await service.checkout(cart_id, CENTRAAL_PICKUP, LAPTOP, payment_token="tok")
    await service.record_pos_sale(
        "AMS-ZUID", "till-1", "S-1", [_line("LAVA-LAMP", 3)], ctx(Channel.POS, "till-1")
    )
    await service.count_stock("UTR-CENTRUM", "LAVA-LAMP", 8, "cycle count", STAFF)
    await shop.settled()

    levels = {
        loc: (s.on_hand, s.reserved, s.available, s.discrepancy)
        for loc in ("AMS-CENTRAAL", "AMS-ZUID", "UTR-CENTRUM")
        for s in await store_inventory.stock_at(shop.pool, loc)
    }
    assert levels == {
        "AMS-CENTRAAL": (5, 2, 3, 0),
        "AMS-ZUID": (0, 0, 0, 1),
        "UTR-CENTRUM": (8, 0, 8, 0),
    }
    museumplein = (52.3579, 4.8812)
    near = await store_inventory.stores_with(shop.pool, "LAVA-LAMP", 3, *museumplein)
    assert [(s.location_id, s.available, s.pickup_service_minutes) for s in near] == [
        ("AMS-CENTRAAL", 3, 60),
        ("UTR-CENTRUM", 8, 120),
    ]
    low = await store_inventory.low_stock(shop.pool, "AMS-ZUID")
    assert [(s.sku, s.available) for s in low] == [("LAVA-LAMP", 0)]


def _line(sku: str, quantity: int):  # type: ignore[no-untyped-def]
    from domain.usecases.stock import PosSaleLine

    return PosSaleLine(sku, quantity)


async def place_pickup(shop: Shop, sku: str = "RETRO-CLOCK"):  # type: ignore[no-untyped-def]
    cart_id = (await shop.service.start_cart(LAPTOP, customer_id="cust-ada")).result.cart_id
    await shop.service.add_to_cart(cart_id, sku, 1, LAPTOP)
    done = await shop.service.checkout(cart_id, CENTRAAL_PICKUP, LAPTOP, payment_token="tok")
    return as_uuid(done.result.pickup_id), done.result.order_id


async def test_the_board_and_the_click_to_collect_times(shop: Shop) -> None:
    service, clock = shop.service, shop.clock
    await service.receive_stock("AMS-CENTRAAL", "RETRO-CLOCK", 10, "delivery-1", STAFF)
    start = clock.now()
    timings = [(10, 30), (20, 90), (45, None), (80, 15)]  # minutes to ready, then to collect
    pickups = []
    for to_ready, to_collect in timings:
        clock.current = start
        pickup_id, _ = await place_pickup(shop)
        clock.advance(minutes=to_ready)
        await service.start_picking(pickup_id, "staff-bo", STAFF)
        code = (await service.mark_ready(pickup_id, "A1", STAFF)).result.pickup_code
        if to_collect is not None:
            clock.advance(minutes=to_collect)
            await service.collect(pickup_id, code or "", "staff-bo", STAFF)
        pickups.append(pickup_id)
    clock.current = start
    waiting, _ = await place_pickup(shop)
    picking, _ = await place_pickup(shop)
    await service.start_picking(picking, "staff-cy", STAFF)
    await shop.settled()

    now = start + timedelta(hours=4)
    board = await fulfillment_times.board(shop.pool, "AMS-CENTRAAL", now)
    assert [c.pickup_id for c in board.to_pick] == [waiting]
    assert [c.pickup_id for c in board.picking] == [picking]
    assert [c.pickup_id for c in board.ready] == [pickups[2]]
    assert {c.pickup_id for c in board.overdue} == {waiting, picking}  # promised within 60 min
    assert {c.pickup_id for c in board.collected_today} == {pickups[0], pickups[1], pickups[3]}
    assert board.not_collected == []

    [day] = await fulfillment_stats.fulfillment_stats(
        shop.pool, "AMS-CENTRAAL", date(2026, 11, 2), date(2026, 11, 2)
    )
    # By hand, with linear interpolation (percentile_cont), in seconds:
    # to ready: 10, 20, 45, 80 min -> p50 = 32.5 min, p90 = 45 + 0.7 * 35 = 69.5 min
    # ready to collected: 15, 30, 90 min -> p50 = 30 min, p90 = 30 + 0.8 * 60 = 78 min
    assert day.pickups == 6
    assert (day.placed_to_ready.p50, day.placed_to_ready.p90, day.placed_to_ready.max) == (
        32.5 * 60,
        69.5 * 60,
        80 * 60,
    )
    assert (day.ready_to_collected.p50, day.ready_to_collected.p90, day.ready_to_collected.max) == (
        30 * 60,
        78 * 60,
        90 * 60,
    )
    assert day.made_ready == 4
    assert day.ready_within_promise == 0.75  # 3 of the 4 ready ones within 60 minutes
    [chain] = await fulfillment_stats.fulfillment_stats(
        shop.pool, None, date(2026, 11, 2), date(2026, 11, 2)
    )
    assert chain.store_id is None and chain.pickups == 6


async def test_orders_and_returns_as_the_customer_sees_them(shop: Shop) -> None:
    service = shop.service
    await service.receive_stock("AMS-CENTRAAL", "RETRO-CLOCK", 3, "delivery-1", STAFF)
    pickup_id, order_id = await place_pickup(shop)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    code = (await service.mark_ready(pickup_id, "A1", STAFF)).result.pickup_code
    await service.collect(pickup_id, code or "", "staff-bo", STAFF)
    from domain.returns.model import ReturnChannel

    returned = await service.request_return(
        order_id, {"RETRO-CLOCK": 1}, "too loud", ReturnChannel.STORE, LAPTOP
    )
    await service.receive_return(returned.result.return_id, "AMS-ZUID", STAFF)
    await shop.settled()

    [order] = await orders.orders_of_customer(shop.pool, "cust-ada", limit=10)
    assert (order.order_id, order.status, order.total) == (order_id, "completed", Decimal("24.95"))
    view = await orders.return_by_id(shop.pool, returned.result.return_id)
    assert view is not None and (view.status, view.location_id) == ("received", "AMS-ZUID")


async def test_a_query_on_another_device_sees_a_write_once_it_waits_for_its_position(
    shop: Shop,
) -> None:
    cart_id = (await shop.service.start_cart(PHONE, customer_id="cust-ada")).result.cart_id
    added = await shop.service.add_to_cart(cart_id, "VINYL-PLAYER", 1, PHONE)

    assert await shop.projections.wait_for(added.position, timeout=5, names=["cart_continuity"])
    seen_on_laptop = await cart_continuity.current_cart(shop.pool, "cust-ada")
    assert seen_on_laptop is not None
    assert [line.sku for line in seen_on_laptop.lines] == ["VINYL-PLAYER"]


async def test_deadlines_hold_exactly_what_the_scheduler_must_fire_live_and_rebuilt(
    shop: Shop,
) -> None:
    service, store = shop.service, shop.database.store
    await service.receive_stock("AMS-CENTRAAL", "RETRO-CLOCK", 5, "delivery-1", STAFF)

    async def cart_with_a_line(customer_id: str = "cust-ada") -> UUID:
        cart_id = (await service.start_cart(LAPTOP, customer_id=customer_id)).result.cart_id
        await service.add_to_cart(cart_id, "RETRO-CLOCK", 1, LAPTOP)
        return cart_id

    async def picked_up_order() -> UUID:
        placed = await service.checkout(
            await cart_with_a_line(), CENTRAAL_PICKUP, LAPTOP, payment_token="tok"
        )
        return as_uuid(placed.result.pickup_id)

    idle = await cart_with_a_line("cust-bob")
    waiting = await picked_up_order()
    ready = await picked_up_order()
    await service.start_picking(ready, "staff-bo", STAFF)
    await service.mark_ready(ready, "A1", STAFF)
    collected = await picked_up_order()
    await service.start_picking(collected, "staff-bo", STAFF)
    code = (await service.mark_ready(collected, "A2", STAFF)).result.pickup_code
    done = await service.collect(collected, code, "staff-bo", STAFF)
    await shop.settled(done.position)

    idle_events, waiting_events, ready_events = [
        await store.read_stream(stream) for stream in (idle, waiting, ready)
    ]
    last_line, requested, made_ready = idle_events[-1], waiting_events[0], ready_events[-1]
    # Due times are the service clock's (`at`), never the library's wall-clock timestamps.
    assert last_line.at == OPENING and last_line.timestamp != OPENING
    expected = {
        (idle, deadlines.ABANDON_CART, OPENING + CART_IDLE_LIMIT, event_id(idle, 2)),
        (waiting, deadlines.PICKUP_OVERDUE, requested.promised_ready_at, event_id(waiting, 1)),
        (ready, deadlines.PICKUP_EXPIRY, made_ready.collect_by, event_id(ready, 3)),
    }

    async def rows() -> set[tuple[UUID, str, datetime, UUID]]:
        found = await shop.pool.fetch("SELECT aggregate_id, kind, due_at, cause_id FROM deadlines")
        return {(r["aggregate_id"], r["kind"], r["due_at"], r["cause_id"]) for r in found}

    assert await rows() == expected
    # One window then holds every change to each deadline: the batch must keep the last.
    await rebuild(store, deadlines.Deadlines())
    assert await rows() == expected
