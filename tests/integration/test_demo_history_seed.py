"""The demo seeds two weeks of click-and-collect through the use cases, on PostgreSQL: the
dashboard's figures have every day of every store, some late, some never collected, some short;
nothing waits on a board; the stock is the demo's; and Ada's web cart is open for a till."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import uuid4

import msgspec
import pytest

from adapters.settings import Settings
from api.server.composition import build_services, seed_if_asked
from api.server.demo_seed import demo_stock, load_demo_catalog
from api.services import Services
from projections import cart_continuity, fulfillment_stats, store_inventory
from tests.store_clock import store_today

DAYS = 14
pytestmark = pytest.mark.slow  # the seed plays ~2,800 events through the use cases


@pytest.fixture(scope="module")
async def seeded(settings: Settings) -> AsyncIterator[Services]:
    schema = f"test_{uuid4().hex[:12]}"
    demo = msgspec.structs.replace(
        settings, database_schema=schema, seed_demo=True, demo_history_days=DAYS
    )
    services = await build_services(demo, schema)
    try:
        await services.projections.prepare()
        await seed_if_asked(services, demo)
        services.projections.start()
        head = await services.database.store.committed_head()
        assert await services.projections.wait_for(head, 120), "projections lag"
        yield services
    finally:
        await services.projections.stop()
        await services.database.pool.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await services.database.close()


async def test_each_store_has_fourteen_days_of_figures(seeded: Services) -> None:
    pool = seeded.database.pool
    today = store_today()
    first, last = today - timedelta(days=DAYS), today - timedelta(days=1)
    every_day = [first + timedelta(days=n) for n in range(DAYS)]
    chain = []
    for store in ("AMS-CENTRAAL", "AMS-ZUID", "UTR-CENTRUM"):
        days = await fulfillment_stats.fulfillment_stats(pool, store, first, last)
        assert [day.day for day in days] == every_day, store
        assert all(day.placed_to_collected.p50 for day in days), store
        chain += days
    made_ready = sum(day.made_ready for day in chain)
    on_time = sum((day.ready_within_promise or 0) * day.made_ready for day in chain)
    assert 0.6 < on_time / made_ready < 0.97  # mostly within the promise, some late
    assert sum(day.no_shows for day in chain) > 0
    assert sum(day.short_picked_units for day in chain) > 0
    assert sum(day.collected for day in chain) > sum(day.no_shows for day in chain) * 5


async def test_nothing_waits_and_the_stock_is_the_demos(seeded: Services) -> None:
    pool = seeded.database.pool
    waiting = await pool.fetchval(
        "SELECT count(*) FROM pickup_view WHERE status NOT IN ('collected', 'not_collected')"
    )
    assert waiting == 0
    products, locations = load_demo_catalog()
    expected = {(loc, sku): units for loc, sku, units in demo_stock(products, locations)}
    found = {
        (level.location_id, level.sku): (level.on_hand, level.reserved)
        for location in locations
        for level in await store_inventory.stock_at(pool, location.id)
    }
    assert found == {key: (units, 0) for key, units in expected.items()}


async def test_adas_web_cart_is_open_for_a_till(seeded: Services) -> None:
    cart = await cart_continuity.current_cart(seeded.database.pool, "cust-ada")
    assert cart is not None and cart.channel == "mobile"
    assert [line.sku for line in cart.lines] == ["TEA-KETTLE", "ESPRESSO-POT"]
