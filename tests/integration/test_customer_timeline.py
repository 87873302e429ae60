"""The customer timeline after a scripted omnichannel day: every touchpoint of one customer and
nobody else's, the header, the stores a customer has business with, and a rebuild that
comes out row for row the same."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from projections import customer_timeline
from projections.customer_timeline import CustomerTimeline, InvalidCursor
from projections.rebuild import rebuild
from tests.integration.conftest import Shop
from tests.integration.omnichannel_day import omnichannel_day
from tests.integration.test_read_models import all_rows

ADA_KINDS = Counter(
    {
        "cart_started": 2,  # the laptop cart, and the phone's guest cart claimed at sign-in
        "line_added": 2,
        "cart_merged": 1,
        "checkout": 1,
        "payment_authorized": 1,
        "pickup_ready": 1,
        "pickup_notified": 1,
        "pickup_collected": 1,
        "payment_captured": 1,
        "order_completed": 1,
        "in_store_sale": 1,
        "return_requested": 2,
        "return_received": 2,
        "return_refunded": 2,
        "points_earned": 2,  # on the collected order and on the till sale (issue 22)
        "points_reversed": 2,  # by each refund
    }
)


async def test_a_customers_timeline_holds_every_channel_and_nobody_elses(shop: Shop) -> None:
    day = await omnichannel_day(shop)
    await shop.settled()

    page = await customer_timeline.timeline(shop.pool, "cust-ada", first=100)
    ada = page.touchpoints
    assert not page.has_more
    assert Counter(t.kind for t in ada) == ADA_KINDS
    assert [(t.at, t.position) for t in ada] == sorted(
        ((t.at, t.position) for t in ada), reverse=True
    )
    guest_rows = [t for t in ada if t.cart_id == day.ada_guest_cart]
    assert {(t.kind, t.channel, t.device_id) for t in guest_rows} == {
        ("cart_started", "mobile", "phone-ada"),
        ("line_added", "mobile", "phone-ada"),
    }
    [sale] = [t for t in ada if t.kind == "in_store_sale"]
    assert (sale.channel, sale.device_id, sale.store_id, sale.sale_id) == (
        "pos",
        "till-1",
        "AMS-ZUID",
        day.ada_sale,
    )
    [collected] = [t for t in ada if t.kind == "pickup_collected"]
    assert (collected.store_id, collected.pickup_id, collected.order_id) == (
        "AMS-CENTRAAL",
        day.ada_pickup,
        day.ada_order,
    )
    assert {t.return_id for t in ada if t.kind == "return_refunded"} == {
        t.return_id for t in ada if t.kind == "return_requested"
    }

    bob = (await customer_timeline.timeline(shop.pool, "cust-bob", first=100)).touchpoints
    theirs = {day.ada_web_cart, day.ada_guest_cart, day.guest_cart}
    assert not {t.position for t in ada} & {t.position for t in bob}
    assert not {t.cart_id for t in bob} & theirs - {None}
    assert {t.kind for t in bob} >= {"cart_abandoned", "cart_recovered", "pickup_no_show"}
    assert {t.sale_id for t in bob} == {None}
    assert (await customer_timeline.timeline(shop.pool, "cust-nobody", first=10)).touchpoints == []
    # The guest who never signed in is in nobody's timeline, nor is the anonymous sale.
    everyone = {t.position for t in ada} | {t.position for t in bob}
    stored = await shop.pool.fetch("SELECT position, customer_id, cart_id, sale_id FROM timeline")
    nobodys = {r["position"] for r in stored if r["customer_id"] is None}
    assert nobodys == {r["position"] for r in stored} - everyone
    assert {r["cart_id"] for r in stored if r["cart_id"] == day.guest_cart} <= {day.guest_cart}
    assert all(r["customer_id"] is None for r in stored if r["cart_id"] == day.guest_cart)
    assert all(r["customer_id"] is None for r in stored if r["sale_id"] == day.anonymous_sale)

    await _pages_read_the_same(shop, len(ada))
    await _the_header_counts_what_is_bought_and_open(shop, day)
    await _staff_see_customers_with_business_at_their_store(shop)

    live = await all_rows(shop, CustomerTimeline.tables)
    await rebuild(shop.database.store, CustomerTimeline())
    assert await all_rows(shop, CustomerTimeline.tables) == live
    await rebuild(shop.database.store, CustomerTimeline(), batch_size=3)
    assert await all_rows(shop, CustomerTimeline.tables) == live


async def _pages_read_the_same(shop: Shop, total: int) -> None:
    whole = (await customer_timeline.timeline(shop.pool, "cust-ada", first=total)).touchpoints
    paged, after = [], None
    while True:
        page = await customer_timeline.timeline(shop.pool, "cust-ada", first=4, after=after)
        paged += page.touchpoints
        after = page.end_cursor
        if not page.has_more:
            break
    assert paged == whole
    with pytest.raises(InvalidCursor):
        await customer_timeline.timeline(shop.pool, "cust-ada", first=4, after="not-a-cursor")


async def _the_header_counts_what_is_bought_and_open(shop: Shop, day) -> None:  # type: ignore[no-untyped-def]
    ada = await customer_timeline.timeline_header(shop.pool, "cust-ada")
    order_total = 2 * Decimal("24.95") + Decimal("39.00")
    sale_total = Decimal("39.00") + Decimal("24.95")
    assert {(p.channel, p.purchases, p.value, p.currency) for p in ada.purchases} == {
        ("web", 1, order_total, "EUR"),
        ("pos", 1, sale_total, "EUR"),
    }
    assert ada.refunded == {"EUR": Decimal("24.95") + Decimal("39.00")}
    assert (ada.open_carts, ada.open_pickups, ada.open_returns) == (0, 0, 0)

    bob = await customer_timeline.timeline_header(shop.pool, "cust-bob")
    assert bob.purchases == []  # his only order was cancelled when he never came
    assert (bob.open_carts, bob.open_pickups, bob.open_returns) == (1, 0, 0)  # the recovered cart


async def _staff_see_customers_with_business_at_their_store(shop: Shop) -> None:
    pool = shop.pool
    assert await customer_timeline.customers_of_store(pool, "AMS-ZUID") == ["cust-ada", "cust-bob"]
    assert await customer_timeline.customers_of_store(pool, "AMS-CENTRAAL") == ["cust-ada"]
    assert await customer_timeline.customers_of_store(pool, "AMS-ZUID", after="cust-ada") == [
        "cust-bob"
    ]
    assert await customer_timeline.has_business_with(pool, "cust-bob", "AMS-ZUID")
    assert not await customer_timeline.has_business_with(pool, "cust-bob", "AMS-CENTRAAL")
    assert await customer_timeline.customers_of_store(pool, "UTR-CENTRUM") == []
