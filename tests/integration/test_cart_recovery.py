"""The cart recovery read model after a scripted omnichannel day: abandoned carts per day and
channel with their value, what came back, a customer's recoverable carts; rebuilt the same."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.cart.model import Cart, CartLine
from domain.values import Money
from projections import cart_continuity, cart_recovery
from projections.cart_continuity import CartContinuity
from projections.cart_recovery import CartRecovery
from projections.rebuild import rebuild
from tests.integration.conftest import Shop
from tests.integration.omnichannel_day import Day, omnichannel_day
from tests.integration.test_read_models import all_rows
from tests.shop import STAFF, ctx

AMSTERDAM = "Europe/Amsterdam"
LAPTOP = ctx()
BOBS_LINES = [
    CartLine("VINYL-PLAYER", 1, Money.of("149.00")),
    CartLine("LAVA-LAMP", 1, Money.of("39.00")),
]


async def test_abandoned_carts_their_value_and_what_was_recovered(shop: Shop) -> None:
    async def while_abandoned(day: Day) -> None:
        [bobs] = await cart_recovery.recoverable_carts(shop.pool, "cust-bob")
        assert (bobs.cart_id, bobs.channel, bobs.lines) == (
            day.bob_abandoned_cart,
            "web",
            BOBS_LINES,
        )
        assert bobs.value == Decimal("188.00")
        assert await cart_recovery.recoverable_carts(shop.pool, "cust-ada") == []

    day = await omnichannel_day(shop, before_recovery=while_abandoned)
    await shop.settled()

    assert await cart_recovery.recoverable_carts(shop.pool, "cust-bob") == []
    current = await cart_continuity.current_cart(shop.pool, "cust-bob")
    assert current is not None and current.cart_id == day.bob_abandoned_cart
    assert [(line.sku, line.quantity) for line in current.lines] == [
        (line.sku, line.quantity) for line in BOBS_LINES
    ]
    assert {(t.channel, t.device_id) for t in current.touches} >= {("mobile", "phone-bob")}
    # Recovered, the cart idles afresh: a new deadline to give it up again.
    due = await shop.pool.fetchval(
        "SELECT due_at FROM deadlines WHERE aggregate_id = $1 AND kind = 'abandon_cart'",
        day.bob_abandoned_cart,
    )
    assert due is not None and due > datetime.now(UTC) + timedelta(days=29)
    guests = await cart_recovery.recoverable_cart(shop.pool, day.guest_cart)
    assert guests is not None and guests.customer_id is None and guests.value == Decimal("24.95")
    assert await cart_recovery.recoverable_cart(shop.pool, day.bob_abandoned_cart) is None

    given_up = await _abandoned_at(shop, day)
    stats = await cart_recovery.recovery_stats(shop.pool, given_up, given_up, AMSTERDAM)
    assert [
        (s.day, s.channel, s.abandoned, s.value, s.recovered, s.value_recovered) for s in stats
    ] == [
        (given_up, "mobile", 1, Decimal("24.95"), 0, Decimal("0.00")),
        (given_up, "web", 1, Decimal("188.00"), 1, Decimal("188.00")),
    ]
    assert [s.recovered_share for s in stats] == [0.0, 1.0]
    the_day_before = given_up - timedelta(days=1)
    before = await cart_recovery.recovery_stats(
        shop.pool, the_day_before, the_day_before, AMSTERDAM
    )
    assert before == []

    for projection in (CartRecovery(), CartContinuity()):
        live = await all_rows(shop, projection.tables)
        await rebuild(shop.database.store, projection)
        assert await all_rows(shop, projection.tables) == live
        await rebuild(shop.database.store, projection, batch_size=3)
        assert await all_rows(shop, projection.tables) == live


async def _abandoned_at(shop: Shop, day: Day):  # type: ignore[no-untyped-def]
    """The Amsterdam day Bob's cart was given up, as the scheduler's clock had it."""
    events = await shop.database.store.read_stream(day.bob_abandoned_cart)
    [abandoned] = [e for e in events if isinstance(e, Cart.Abandoned)]
    assert abandoned.at > datetime.now(UTC) + timedelta(days=29)  # the month went by
    return abandoned.at.astimezone(ZoneInfo(AMSTERDAM)).date()


async def test_a_cart_recovered_into_an_open_cart_counts_as_recovered(shop: Shop) -> None:
    service, clock = shop.service, shop.clock
    await service.receive_stock("AMS-ZUID", "LAVA-LAMP", 5, "delivery-1", STAFF)
    old = (await service.start_cart(LAPTOP, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(old, "LAVA-LAMP", 3, LAPTOP)
    idle_since = (await service.repository.get(old, Cart)).last_active_at
    clock.current = idle_since + timedelta(days=31)
    await service.abandon_cart(old, clock.now(), LAPTOP)
    new = (await service.start_cart(LAPTOP, customer_id="cust-ada")).result.cart_id
    await service.recover_cart(old, LAPTOP)
    await shop.settled()

    day = clock.now().date()
    [stats] = await cart_recovery.recovery_stats(shop.pool, day, day)
    assert (stats.abandoned, stats.recovered, stats.value_recovered) == (1, 1, Decimal("117.00"))
    assert await cart_recovery.recoverable_carts(shop.pool, "cust-ada") == []
    joined = await cart_continuity.current_cart(shop.pool, "cust-ada")
    assert joined is not None and joined.cart_id == new and joined.item_count == 3
