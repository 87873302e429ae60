"""Store inventory: given stock movements, then on hand, reserved, available, oversold and the
discrepancy per location and SKU; the stores that can serve a pickup; what runs low."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import pytest

from adapters.postgres.catalog import upsert_catalog
from domain.ports import Product
from domain.stock.model import StockItem
from domain.values import Money, stock_item_id
from projections import store_inventory
from projections.store_inventory import StoreInventory
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import TILL
from tests.shop import STAFF

ORDER_A, ORDER_B = UUID(int=1), UUID(int=2)
LEVELS = "location_id sku on_hand reserved available oversold discrepancy"
MUSEUMPLEIN = (52.3579, 4.8812)


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(StoreInventory())


def item(location_id: str, sku: str) -> Stream:
    return Stream(stock_item_id(location_id, sku), STAFF)


def received(location_id: str, sku: str, quantity: int) -> list[Fact]:
    """The item's first facts: created with its first delivery."""
    stock = item(location_id, sku)
    return [
        stock.recorded(StockItem.Created, location_id=location_id, sku=sku),
        stock.recorded(StockItem.Received, quantity=quantity, reference="delivery-1"),
    ]


def sold_at_the_till(stock: Stream, quantity: int, believed: int) -> Fact:
    return stock.recorded(
        StockItem.SoldAtPos,
        sale_id="S-1",
        terminal_id="till-1",
        quantity=quantity,
        believed_on_hand=believed,
        shortfall=max(quantity - believed, 0),
        context=TILL,
    )


def counted(stock: Stream, counted: int, previous: int) -> Fact:
    return stock.recorded(
        StockItem.Adjusted,
        counted=counted,
        previous_on_hand=previous,
        delta=counted - previous,
        reason="cycle count",
    )


async def test_reservations_hold_units_back_until_released_or_handed_over(
    spec: ProjectionSpec,
) -> None:
    lamps = item("AMS-CENTRAAL", "LAVA-LAMP")
    await (
        spec.given(
            *received("AMS-CENTRAAL", "LAVA-LAMP", 5),
            lamps.recorded(StockItem.Reserved, order_id=ORDER_A, quantity=2),
            lamps.recorded(StockItem.Reserved, order_id=ORDER_B, quantity=1),
        )
        .when(
            lamps.recorded(
                StockItem.ReservationReleased, order_id=ORDER_B, quantity=1, reason="not collected"
            ),
            lamps.recorded(
                StockItem.ReservationConsumed, order_id=ORDER_A, quantity=2, shortfall=0
            ),
            lamps.recorded(StockItem.Restocked, return_id=UUID(int=3), quantity=1),
        )
        .then(rows("stock_view", LEVELS, [("AMS-CENTRAAL", "LAVA-LAMP", 4, 0, 4, 0, 0)]))
    )


async def test_counted_below_its_reservations_an_item_is_oversold(spec: ProjectionSpec) -> None:
    await spec.given(*two_lamps_reserved_then_two_broken()).then(
        rows("stock_view", LEVELS, [("AMS-CENTRAAL", "LAVA-LAMP", 1, 2, -1, 1, 0)])
    )


async def test_a_hand_over_short_of_units_is_a_discrepancy(spec: ProjectionSpec) -> None:
    lamps = item("AMS-CENTRAAL", "LAVA-LAMP")
    await (
        spec.given(*two_lamps_reserved_then_two_broken())
        .when(
            lamps.recorded(
                StockItem.ReservationConsumed, order_id=ORDER_A, quantity=2, shortfall=1
            ),
        )
        .then(rows("stock_view", LEVELS, [("AMS-CENTRAAL", "LAVA-LAMP", 0, 0, 0, 0, 1)]))
    )


def two_lamps_reserved_then_two_broken() -> list[Fact]:
    lamps = item("AMS-CENTRAAL", "LAVA-LAMP")
    return [
        *received("AMS-CENTRAAL", "LAVA-LAMP", 3),
        lamps.recorded(StockItem.Reserved, order_id=ORDER_A, quantity=2),
        counted(lamps, 1, previous=3),
        lamps.recorded(StockItem.Oversold, uncovered=1, reserved=2, on_hand=1),
    ]


async def test_a_till_sale_is_recorded_beyond_the_shelf_and_the_shortfall_counted(
    spec: ProjectionSpec,
) -> None:
    lamps = item("AMS-ZUID", "LAVA-LAMP")
    await (
        spec.given(*received("AMS-ZUID", "LAVA-LAMP", 2))
        .when(
            sold_at_the_till(lamps, 3, believed=2),
            sold_at_the_till(lamps, 1, believed=0),
        )
        .then(rows("stock_view", LEVELS, [("AMS-ZUID", "LAVA-LAMP", 0, 0, 0, 0, 2)]))
    )


async def test_each_row_has_its_streams_version_and_the_time_of_its_last_commit(
    spec: ProjectionSpec,
) -> None:
    # Stock facts carry no business time of their own: the commit time is all there is.
    lamps, morning = item("AMS-ZUID", "LAVA-LAMP"), datetime(2026, 11, 2, 7, 0, tzinfo=UTC)
    await (
        spec.given(*received("AMS-ZUID", "LAVA-LAMP", 2))
        .when(
            lamps.recorded(StockItem.Reserved, order_id=ORDER_A, quantity=1, recorded_at=morning),
        )
        .then(
            rows("stock_view", "stream_id version updated_at", [(lamps.id, 3, morning)]),
            answer(version_of, "AMS-ZUID", "LAVA-LAMP").equals(3),
        )
    )


async def version_of(pool: asyncpg.Pool, location_id: str, sku: str) -> int:
    [level] = await store_inventory.stock_at(pool, location_id, [sku])
    return level.version


def movements_of_a_day() -> list[Fact]:
    """Lamps delivered to three stores and the warehouse; a pickup reserves two at Centraal,
    the Zuid till sells one more than the system knew of, Utrecht counts one fewer."""
    return [
        *received("AMS-CENTRAAL", "LAVA-LAMP", 5),
        *received("AMS-ZUID", "LAVA-LAMP", 2),
        *received("UTR-CENTRUM", "LAVA-LAMP", 9),
        *received("WH-NL", "LAVA-LAMP", 500),
        item("AMS-CENTRAAL", "LAVA-LAMP").recorded(
            StockItem.Reserved, order_id=ORDER_A, quantity=2
        ),
        sold_at_the_till(item("AMS-ZUID", "LAVA-LAMP"), 3, believed=2),
        counted(item("UTR-CENTRUM", "LAVA-LAMP"), 8, previous=9),
    ]


async def test_the_stores_that_can_serve_a_pickup_now_nearest_first(
    spec: ProjectionSpec,
) -> None:
    await spec.given(*movements_of_a_day()).then(
        rows(
            "stock_view",
            "location_id on_hand reserved available discrepancy",
            [
                ("AMS-CENTRAAL", 5, 2, 3, 0),
                ("AMS-ZUID", 0, 0, 0, 1),
                ("UTR-CENTRUM", 8, 0, 8, 0),
                ("WH-NL", 500, 0, 500, 0),
            ],
        ),
        answer(near_museumplein, "LAVA-LAMP", 3).equals(
            [("AMS-CENTRAAL", 3, 60), ("UTR-CENTRUM", 8, 120)]
        ),
        answer(near_museumplein, "LAVA-LAMP", 4).equals([("UTR-CENTRUM", 8, 120)]),
        answer(near_museumplein, "RETRO-CLOCK", 1).equals([]),
        answer(low_at_zuid).equals([("LAVA-LAMP", 0, 0)]),
    )


async def near_museumplein(
    pool: asyncpg.Pool, sku: str, quantity: int
) -> list[tuple[str, int, int]]:
    near = await store_inventory.stores_with(pool, sku, quantity, *MUSEUMPLEIN)
    return [(s.location_id, s.available, s.pickup_service_minutes) for s in near]


async def test_low_stock_lists_oversold_items_first_then_the_emptiest(
    spec: ProjectionSpec,
) -> None:
    disco = Product(sku="DISCO-BALL", name="Disco ball", price=Money.of("9.99"), discontinued=True)
    async with spec.pool.acquire() as connection:
        await upsert_catalog(connection, [disco], [])
    lamps, clocks = item("AMS-ZUID", "LAVA-LAMP"), item("AMS-ZUID", "RETRO-CLOCK")
    await spec.given(
        *received("AMS-ZUID", "LAVA-LAMP", 2),
        lamps.recorded(StockItem.Reserved, order_id=ORDER_A, quantity=2),
        sold_at_the_till(lamps, 1, believed=2),  # one of the promised lamps
        *received("AMS-ZUID", "RETRO-CLOCK", 1),
        *received("AMS-ZUID", "VINYL-PLAYER", 4),  # above the default threshold (3)
        *received("AMS-ZUID", "DISCO-BALL", 1),  # no longer sold: never reordered
        *received("AMS-CENTRAAL", "RETRO-CLOCK", 1),  # another store's
        clocks.recorded(StockItem.Reserved, order_id=ORDER_B, quantity=1),
    ).then(
        answer(low_at_zuid).equals([("LAVA-LAMP", -1, 1), ("RETRO-CLOCK", 0, 0)]),
        answer(low_at_zuid, default_threshold=4).equals(
            [("LAVA-LAMP", -1, 1), ("RETRO-CLOCK", 0, 0), ("VINYL-PLAYER", 4, 0)]
        ),
        answer(low_at_zuid, limit=1, after=(1, -1, "LAVA-LAMP")).equals([("RETRO-CLOCK", 0, 0)]),
    )


async def low_at_zuid(pool: asyncpg.Pool, **options: object) -> list[tuple[str, int, int]]:
    low = await store_inventory.low_stock(pool, "AMS-ZUID", **options)
    return [(s.sku, s.available, s.oversold) for s in low]


async def test_a_stores_stock_by_sku_a_page_at_a_time(spec: ProjectionSpec) -> None:
    await spec.given(
        *received("AMS-ZUID", "VINYL-PLAYER", 1),
        *received("AMS-ZUID", "LAVA-LAMP", 2),
        *received("AMS-ZUID", "RETRO-CLOCK", 3),
        *received("AMS-CENTRAAL", "RETRO-CLOCK", 4),
    ).then(
        answer(skus_at_zuid).equals(["LAVA-LAMP", "RETRO-CLOCK", "VINYL-PLAYER"]),
        answer(skus_at_zuid, limit=2).equals(["LAVA-LAMP", "RETRO-CLOCK"]),
        answer(skus_at_zuid, after_sku="RETRO-CLOCK").equals(["VINYL-PLAYER"]),
        answer(skus_at_zuid, skus=["VINYL-PLAYER", "LAVA-LAMP"]).equals(
            ["LAVA-LAMP", "VINYL-PLAYER"]
        ),
    )


async def skus_at_zuid(pool: asyncpg.Pool, **options: object) -> list[str]:
    levels = await store_inventory.stock_at(pool, "AMS-ZUID", **options)
    return [level.sku for level in levels]
