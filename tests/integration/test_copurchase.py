"""Co-purchases after a scripted omnichannel day (web orders, a no-show, till sales): the pairs
counted live are the ones a rebuild counts, in one batch or in batches of three."""

from __future__ import annotations

from projections import copurchase_queries
from projections.copurchase import CoPurchases
from projections.rebuild import rebuild
from tests.integration.conftest import Shop
from tests.integration.omnichannel_day import omnichannel_day
from tests.integration.test_read_models import all_rows


async def test_live_co_purchases_are_the_rebuilt_ones(shop: Shop) -> None:
    await omnichannel_day(shop)
    await shop.settled()
    live = await all_rows(shop, CoPurchases.tables)
    # Ada bought a lamp and a clock together at the Zuid till: counted both ways.
    assert (await copurchase_queries.bought_together(shop.pool, "LAVA-LAMP")).get("RETRO-CLOCK")
    assert live["copurchase_basket"], "the day's orders and sales are baskets"

    await rebuild(shop.database.store, CoPurchases())
    assert await all_rows(shop, CoPurchases.tables) == live
    await rebuild(shop.database.store, CoPurchases(), batch_size=3)
    assert await all_rows(shop, CoPurchases.tables) == live
