"""Journey analytics after a scripted omnichannel day: the funnel with its drop-off per store
and channel, cross-channel journeys, no-shows and return resolution times; rebuilt the same."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from projections import journey_queries
from projections.journeys import Journeys
from projections.rebuild import rebuild
from tests.integration.conftest import Shop
from tests.integration.omnichannel_day import omnichannel_day
from tests.integration.test_read_models import all_rows

AMSTERDAM = ZoneInfo("Europe/Amsterdam")

# Furthest step of each journey: Ada's laptop cart collected at Centraal, Bob's order ready at
# Zuid and never collected, Bob's left cart and the guest's with a line only. Ada's guest cart
# merged into her laptop cart: not a journey of its own.
EXPECTED_FUNNELS = {
    ("AMS-CENTRAAL", "web"): [1, 1, 1, 1, 1, 1],
    ("AMS-ZUID", "web"): [1, 1, 1, 1, 1, 0],
    (None, "web"): [1, 1, 0, 0, 0, 0],
    (None, "mobile"): [1, 1, 0, 0, 0, 0],
}


async def test_the_funnel_cross_channel_journeys_no_shows_and_returns(shop: Shop) -> None:
    day = await omnichannel_day(shop)
    await shop.settled()
    today = datetime.now(AMSTERDAM).date()
    stats = await journey_queries.journey_stats(
        shop.pool, today - timedelta(days=1), today + timedelta(days=1), "Europe/Amsterdam"
    )

    funnels: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0] * 6)
    crossed, no_shows = defaultdict(int), defaultdict(int)
    for row in stats:  # summed over the days, should the test run across midnight
        key = (row.store_id, row.channel)
        funnels[key] = [a + step.reached for a, step in zip(funnels[key], row.funnel, strict=True)]
        crossed[key] += row.cross_channel
        no_shows[key] += row.no_shows
    assert dict(funnels) == EXPECTED_FUNNELS
    # Started on the laptop, checked out on the phone (and returned in a store).
    assert {k: v for k, v in crossed.items() if v} == {("AMS-CENTRAAL", "web"): 1}
    assert {k: v for k, v in no_shows.items() if v} == {("AMS-ZUID", "web"): 1}
    zuid = next(row for row in stats if row.store_id == "AMS-ZUID")
    ready = zuid.funnel[journey_queries.STEPS.index("ready")]
    assert (ready.reached, ready.dropped, ready.drop_off, zuid.no_show_rate) == (1, 1, 1.0, 1.0)

    returns = await journey_queries.return_stats(
        shop.pool, today, today + timedelta(days=10), "Europe/Amsterdam"
    )
    seconds = {
        name: (refunded - asked).total_seconds() for name, (asked, refunded) in day.returns.items()
    }
    # Sorted by store: the two requests fall on one day or two, by the time of day of the run.
    assert sorted(
        (r.store_id, r.channel, r.requested, r.refunded, r.seconds_to_refund_p50, r.cross_channel)
        for r in returns
    ) == [
        ("AMS-CENTRAAL", "web", 1, 1, seconds["till sale, by web"], 1),
        ("AMS-ZUID", "store", 1, 1, seconds["online order, in store"], 1),
    ]

    live = await all_rows(shop, Journeys.tables)
    await rebuild(shop.database.store, Journeys())
    assert await all_rows(shop, Journeys.tables) == live
    await rebuild(shop.database.store, Journeys(), batch_size=3)
    assert await all_rows(shop, Journeys.tables) == live
