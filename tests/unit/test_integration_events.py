"""Domain events to integration events: the mapping alone, on the in-memory store, no NATS."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from adapters.outbox.contract import (
    CartAbandoned,
    PickupReady,
    SaleRecorded,
    ServiceCaseResolved,
    decode,
    encode,
)
from adapters.outbox.mapping import (
    TOPICS,
    Mapped,
    MissingStockState,
    StockState,
    map_batch,
    streams_needing_origin,
)
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.ports import Position, RecordedEvent
from domain.usecases.stock import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context, StaffRole, stock_item_id
from tests.outbox.journey import CENTRAAL, shop_day
from tests.shop import OPENING, STAFF, as_uuid, ctx, make_service

THRESHOLDS = {"LAVA-LAMP": 3, "RETRO-CLOCK": 3}


async def recorded_day() -> tuple[list[RecordedEvent], Any]:
    store, clock = InMemoryEventStore(), ManualClock(OPENING)
    journey = await shop_day(make_service(store, clock), clock)
    return await store.read_all(Position(), 10_000, TOPICS), journey


def types(mapped: Mapped) -> list[str]:
    return [m.type for m in mapped.messages]


async def test_a_shop_day_maps_to_each_integration_event_in_global_order() -> None:
    batch, _ = await recorded_day()

    mapped = map_batch(batch, {}, {}, THRESHOLDS)

    assert sorted(types(mapped)) == sorted(
        [
            "order.placed",
            "stock.low",  # 5 lamps, 2 reserved: 3 left, at the threshold
            "pickup.ready",
            "pickup.collected",
            "return.received",
            "return.refunded",
            "sale.recorded",  # at the till, anonymous
            "stock.out",  # the till sold the last 4
        ]
    )
    positions = {f"{r.stream_id}:{r.version}": r.position for r in batch}
    causes = [positions[m.id.split("/")[0]] for m in mapped.messages]
    assert causes == sorted(causes)


async def test_ids_are_the_cause_so_a_replay_repeats_them_exactly() -> None:
    batch, journey = await recorded_day()

    first, again = map_batch(batch, {}, {}, THRESHOLDS), map_batch(batch, {}, {}, THRESHOLDS)

    assert [encode(m) for m in first.messages] == [encode(m) for m in again.messages]
    ids = [m.id for m in first.messages]
    assert len(set(ids)) == len(ids)
    stock_out = next(m for m in first.messages if m.type == "stock.out")
    assert stock_out.id == f"{journey.lamps_at_centraal}:{stock_out.aggregate_version}/stock.out"
    placed = next(m for m in first.messages if m.type == "order.placed")
    assert placed.id == f"{journey.order_id}:1"


async def test_the_envelope_is_camel_case_json_with_a_version() -> None:
    batch, journey = await recorded_day()

    ready = next(
        m for m in map_batch(batch, {}, {}, THRESHOLDS).messages if m.type == "pickup.ready"
    )
    wire = json.loads(encode(ready))

    assert set(wire) == {
        "version",
        "id",
        "type",
        "occurredAt",
        "aggregateId",
        "aggregateVersion",
        "correlationId",
        "data",
    }
    assert wire["version"] == 1
    assert wire["data"] == {
        "pickupId": str(journey.pickup_id),
        "orderId": str(journey.order_id),
        "storeId": CENTRAAL,
        "customerId": "cust-ada",
        "shelfSpot": "shelf B3",
        "readyAt": wire["data"]["readyAt"],
        "collectBy": wire["data"]["collectBy"],
    }
    assert "pickupCode" not in json.dumps(wire) and "CODE01" not in json.dumps(wire)
    assert decode(encode(ready), PickupReady) == ready


async def test_order_placed_carries_lines_and_total_as_exact_amounts() -> None:
    batch, _ = await recorded_day()

    placed = next(
        m for m in map_batch(batch, {}, {}, THRESHOLDS).messages if m.type == "order.placed"
    )
    data = json.loads(encode(placed))["data"]

    assert data["lines"] == [
        {"sku": "LAVA-LAMP", "quantity": 2, "unitPrice": {"amount": "39.00", "currency": "EUR"}}
    ]
    assert data["total"] == {"amount": "78.00", "currency": "EUR"}
    assert (data["fulfillment"], data["locationId"], data["channel"]) == ("pickup", CENTRAAL, "web")


async def test_stock_messages_come_on_crossing_into_low_or_out_not_while_staying() -> None:
    store = InMemoryEventStore()
    service = make_service(store)
    await service.receive_stock(CENTRAAL, "LAVA-LAMP", 10, "delivery", STAFF)
    for counted in (3, 2, 1, 0, 0, 2, 8, 1):  # low, low, low, out, out, low, ok, low
        await service.count_stock(CENTRAAL, "LAVA-LAMP", counted, "count", STAFF)

    mapped = map_batch(await store.read_all(Position(), 100, TOPICS), {}, {}, THRESHOLDS)

    assert types(mapped) == ["stock.low", "stock.out", "stock.low", "stock.low"]
    levels = [json.loads(encode(m))["data"]["available"] for m in mapped.messages]
    assert levels == [3, 0, 2, 1]


async def test_the_level_carries_over_between_batches_through_the_stored_state() -> None:
    store = InMemoryEventStore()
    service = make_service(store)
    await service.receive_stock(CENTRAAL, "LAVA-LAMP", 10, "delivery", STAFF)
    await service.count_stock(CENTRAAL, "LAVA-LAMP", 2, "count", STAFF)
    await service.count_stock(CENTRAAL, "LAVA-LAMP", 1, "count", STAFF)
    events = await store.read_all(Position(), 100, TOPICS)

    whole = map_batch(events, {}, {}, THRESHOLDS)
    first = map_batch(events[:3], {}, {}, THRESHOLDS)
    second = map_batch(events[3:], {}, first.stock, THRESHOLDS)

    assert types(whole) == types(first) == ["stock.low"] and types(second) == []
    assert second.stock[stock_item_id(CENTRAAL, "LAVA-LAMP")] == StockState(
        CENTRAAL, "LAVA-LAMP", on_hand=1, reserved=0, band="low"
    )


async def test_a_product_threshold_decides_what_low_means() -> None:
    store = InMemoryEventStore()
    service = make_service(store)
    await service.receive_stock(CENTRAAL, "RETRO-CLOCK", 10, "delivery", STAFF)
    await service.count_stock(CENTRAAL, "RETRO-CLOCK", 6, "count", STAFF)
    events = await store.read_all(Position(), 100, TOPICS)

    assert types(map_batch(events, {}, {}, {"RETRO-CLOCK": 6})) == ["stock.low"]
    assert types(map_batch(events, {}, {}, {})) == []  # unknown: the default 3


async def test_a_pickup_event_takes_its_store_and_customer_from_the_requested_event() -> None:
    batch, journey = await recorded_day()
    requested = next(r for r in batch if r.stream_id == journey.pickup_id and r.version == 1)
    later = [r for r in batch if r.stream_id == journey.pickup_id and r.version > 1]

    assert streams_needing_origin(later) == {journey.pickup_id}
    assert streams_needing_origin(batch) == set()
    mapped = map_batch(later, {journey.pickup_id: requested.event}, {}, THRESHOLDS)
    assert types(mapped) == ["pickup.ready", "pickup.collected"]
    with pytest.raises(LookupError, match=str(journey.pickup_id)):
        map_batch(later, {}, {}, THRESHOLDS)


async def test_a_stock_event_without_its_state_is_refused_not_guessed() -> None:
    batch, journey = await recorded_day()
    lamp_events = [r for r in batch if r.stream_id == journey.lamps_at_centraal]

    with pytest.raises(MissingStockState):
        map_batch(lamp_events[1:], {}, {}, THRESHOLDS)


async def test_cancelled_orders_and_pickups_never_collected_are_announced() -> None:
    store, clock = InMemoryEventStore(), ManualClock(OPENING)
    service = make_service(store, clock)
    await service.receive_stock(CENTRAAL, "VINYL-PLAYER", 10, "delivery", STAFF)
    pickup = Fulfillment(FulfillmentMethod.PICKUP, CENTRAAL)
    orders = []
    for _ in range(2):
        cart = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
        await service.add_to_cart(cart, "VINYL-PLAYER", 1, ctx())
        orders.append((await service.checkout(cart, pickup, ctx(), payment_token="tok")).result)
    await service.cancel_order(orders[0].order_id, "changed my mind", ctx())
    forgotten = as_uuid(orders[1].pickup_id)
    await service.start_picking(forgotten, "staff-bo", STAFF)
    await service.mark_ready(forgotten, "shelf A1", STAFF)
    clock.advance(days=30)
    await service.expire_pickup(forgotten, clock.now(), STAFF)

    mapped = map_batch(await store.read_all(Position(), 1000, TOPICS), {}, {}, THRESHOLDS)

    cancelled = next(m for m in mapped.messages if m.type == "order.cancelled")
    assert msgspec.to_builtins(cancelled.data)["reason"] == "changed my mind"
    expired = next(m for m in mapped.messages if m.type == "pickup.not_collected")
    assert expired.aggregate_id == forgotten
    assert msgspec.to_builtins(expired.data)["orderId"] == str(orders[1].order_id)


async def test_an_abandoned_cart_is_announced_with_only_its_id_and_time() -> None:
    store, clock = InMemoryEventStore(), ManualClock(OPENING)
    service = make_service(store, clock)
    cart = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart, "LAVA-LAMP", 1, ctx())
    idle = clock.advance(days=31)
    await service.abandon_cart(cart, idle, ctx())

    mapped = map_batch(await store.read_all(Position(), 100, TOPICS), {}, {}, THRESHOLDS)

    (message,) = mapped.messages
    assert message.type == "cart.abandoned"
    assert json.loads(encode(message))["data"] == {
        "cartId": str(cart),
        "abandonedAt": idle.isoformat().replace("+00:00", "Z"),
    }
    assert decode(encode(message), CartAbandoned).data.cart_id == cart


async def test_a_till_sale_names_its_customer_and_a_resolved_case_its_desk() -> None:
    store = InMemoryEventStore()
    service = make_service(store)
    till = ctx(Channel.POS, "till-1")
    sold = await service.record_pos_sale(
        CENTRAAL, "till-1", "S-9", [PosSaleLine("RETRO-CLOCK", 1)], till, customer_id="cust-bob"
    )
    desk = Context(
        actor=Actor(ActorKind.STAFF, "staff-di", (CENTRAAL,), None, StaffRole.SERVICE_DESK)
    )
    case = (await service.open_service_case("cust-ada", desk)).result.case_id
    await service.resolve_service_case(case, desk)
    recorded = await store.read_all(Position(), 100, TOPICS)
    # The case's Opened is in this batch; on its own, the relay reads it as the origin.
    assert streams_needing_origin([r for r in recorded if r.stream_id == case][1:]) == {case}

    mapped = map_batch(recorded, {}, {}, THRESHOLDS).messages

    sale = next(m for m in mapped if m.type == "sale.recorded")
    assert decode(encode(sale), SaleRecorded).data.customer_id == "cust-bob"
    assert sale.aggregate_id == sold.result.sale_id
    resolved = decode(encode(next(m for m in mapped if m.type == "service_case.resolved")),
                      ServiceCaseResolved)  # fmt: skip
    assert (resolved.data.case_id, resolved.data.customer_id, resolved.data.store_id) == (
        case,
        "cust-ada",
        CENTRAAL,
    )


async def test_a_shipped_order_is_announced_with_its_carrier_and_tracking_number() -> None:
    store = InMemoryEventStore()
    service = make_service(store, ManualClock(OPENING))
    await service.receive_stock("WH-NL", "LAVA-LAMP", 10, "delivery", STAFF)
    cart = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart, "LAVA-LAMP", 1, ctx())
    ship = Fulfillment(FulfillmentMethod.SHIP, "WH-NL")
    order_id = (await service.checkout(cart, ship, ctx(), payment_token="tok")).result.order_id
    await service.ship_order(order_id, "staff-wh", "PostNL", "3SABC123", STAFF)

    mapped = map_batch(await store.read_all(Position(), 1000, TOPICS), {}, {}, THRESHOLDS)

    shipped = [m for m in mapped.messages if m.type == "order.shipped"]
    assert [(m.aggregate_id, msgspec.to_builtins(m.data)) for m in shipped] == [
        (
            order_id,
            {
                "orderId": str(order_id),
                "carrier": "PostNL",
                "trackingNumber": "3SABC123",
                "shippedAt": OPENING.isoformat().replace("+00:00", "Z"),
            },
        )
    ]
