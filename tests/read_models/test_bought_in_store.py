"""A web cart a till rang up (`Cart.BoughtInStore`), as each read model takes it: the cart
closed and nobody's current cart; on the timeline with the sale; in the journeys a web ->
store journey, checked out, paid and handed over at the till, never counted as a pickup."""

from __future__ import annotations

from datetime import date

import pytest

from domain.cart.model import Cart, CounterChange
from domain.customer.model import CurrentCartClosedBecause, CustomerCarts
from projections import cart_continuity, customer_timeline, journey_queries
from projections.cart_continuity import CartContinuity
from projections.customer_timeline import CustomerTimeline
from projections.journey_queries import FunnelStep, JourneyStats
from projections.journeys import Journeys
from tests.projection_spec import Fact, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    ADAS_CARTS,
    LAPTOP,
    TILL,
    adas_first_cart,
    line_added,
    stream,
    t,
)
from tests.read_models.journey_facts import MONDAY, Journey
from tests.read_models.timeline_facts import sale

WEB = stream(1, LAPTOP)
SALE = stream(101, TILL)  # the till sale of timeline_facts.sale(1, ...)
LAMP_ADDED = [CounterChange("LAVA-LAMP", in_cart=0, bought=1)]


def rung_up(at: float = 20, changes: list[CounterChange] = LAMP_ADDED) -> Fact:
    """The till at AMS-ZUID rang Ada's web cart up: with her clock, a lamp added at the counter."""
    return WEB.recorded(
        Cart.BoughtInStore,
        sale_id=SALE.id,
        store_id="AMS-ZUID",
        changes=changes,
        at=t(at),
        context=TILL,
    )


def adas_web_cart() -> list[Fact]:
    return [*adas_first_cart(WEB, 0), line_added(WEB, "RETRO-CLOCK", 1, t(1))]


def current_cart_closed(at: float = 20) -> Fact:
    return ADAS_CARTS.recorded(
        CustomerCarts.CurrentCartClosed,
        cart_id=WEB.id,
        because=CurrentCartClosedBecause.BOUGHT_IN_STORE,
        at=t(at),
        context=TILL,
    )


async def test_the_cart_is_closed_and_nobodys_current_cart(spec_of: SpecOf) -> None:
    await (
        spec_of(CartContinuity())
        .given(*adas_web_cart())
        .when(rung_up(), current_cart_closed())
        .then(
            answer(cart_continuity.current_cart_id, "cust-ada").equals(None),
            rows(
                "cart_view",
                "cart_id status order_id version",
                [(WEB.id, "bought_in_store", None, 3)],
            ),
        )
    )


async def test_the_timeline_shows_the_cart_rung_up_and_the_sale(spec_of: SpecOf) -> None:
    await (
        spec_of(CustomerTimeline())
        .given(*adas_web_cart())
        .when(rung_up(), sale(1, "cust-ada", 20))
        .then(
            answer(summaries, "cust-ada").equals(
                [
                    ("in_store_sale", "pos", "AMS-ZUID", "Bought 2 items for 63.95 EUR"),
                    (
                        "cart_bought_in_store",
                        "pos",
                        "AMS-ZUID",
                        "Cart rung up at the till in AMS-ZUID: 1 line added at the counter",
                    ),
                    ("line_added", "web", None, "Added 1 x RETRO-CLOCK"),
                    ("cart_started", "web", None, "Started a cart"),
                ]
            ),
            rows("timeline_subject", "subject_id kind state store_id", [
                (WEB.id, "cart", "closed", "AMS-ZUID"),
                (SALE.id, "sale", "closed", "AMS-ZUID"),
            ]),
        )
    )  # fmt: skip


async def summaries(pool, customer_id: str) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    page = await customer_timeline.timeline(pool, customer_id, first=100)
    return [(p.kind, p.channel, p.store_id, p.summary) for p in page.touchpoints]


@pytest.mark.parametrize(
    ("changes", "told"),
    [
        ([], "Cart rung up at the till in AMS-ZUID, as it was"),
        (
            [
                CounterChange("LAVA-LAMP", 2, 0),
                CounterChange("RETRO-CLOCK", 1, 3),
                CounterChange("VINYL-PLAYER", 1, 2),
            ],
            "Cart rung up at the till in AMS-ZUID: 1 line left out, 2 quantities changed",
        ),
    ],
)
async def test_the_touchpoint_says_how_the_counter_differed(
    spec_of: SpecOf, changes: list[CounterChange], told: str
) -> None:
    await (
        spec_of(CustomerTimeline())
        .given(*adas_web_cart())
        .when(rung_up(changes=changes))
        .then(answer(latest_summary, "cust-ada").equals(told))
    )


async def latest_summary(pool, customer_id: str) -> str:  # type: ignore[no-untyped-def]
    page = await customer_timeline.timeline(pool, customer_id, first=1)
    return page.touchpoints[0].summary


JOURNEY = (
    "cart_id channel store_id checkout_at checkout_channel checkout_device order_id pickup_id "
    "paid_at ready_at collected_at sale_id"
)


async def test_the_journey_ends_at_the_till(spec_of: SpecOf) -> None:
    await (
        spec_of(Journeys())
        .given(*adas_web_cart())
        .when(rung_up(at=45))
        .then(
            rows("journey", JOURNEY, [
                (WEB.id, "web", "AMS-ZUID", t(45), "pos", "till-1", None, None, t(45), None,
                 t(45), SALE.id),
            ])
        )
    )  # fmt: skip


def funnel(*reached: int) -> list[FunnelStep]:
    steps = [step.value for step in journey_queries.JourneyStep]
    return [
        FunnelStep(
            step,
            count,
            count - (reached[i + 1] if i + 1 < len(reached) else count),
            _share(count - (reached[i + 1] if i + 1 < len(reached) else count), count),
        )
        for i, (step, count) in enumerate(zip(steps, reached, strict=True))
    ]


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def test_a_web_to_store_journey_is_counted_and_never_as_a_pickup(spec_of: SpecOf) -> None:
    """The same day: Ada's web cart rung up at a till, and Bob's pickup, ready, never collected."""
    bobs = Journey(2, LAPTOP)
    expected = JourneyStats(
        day=MONDAY,
        store_id=None,
        channel="web",
        funnel=funnel(2, 2, 2, 2, 2, 1),
        cross_channel=1,  # Ada's: started on the web, bought at a till
        cross_channel_share=0.5,
        no_shows=1,
        no_show_rate=1.0,  # of the one pickup: the cart rung up was none
        notified=0,
        notified_share=0.0,
        bought_in_store=1,
    )
    await (
        spec_of(Journeys())
        .given(
            *adas_web_cart(),
            *bobs.with_a_line(),
            *bobs.checkout(at=10),
            bobs.paid(at=11),
            bobs.ready(at=30),
            bobs.not_collected(),
        )
        .when(rung_up(at=45))
        .then(answer(chain_day, MONDAY).equals([expected]))
    )


async def chain_day(pool, day: date) -> list[JourneyStats]:  # type: ignore[no-untyped-def]
    return await journey_queries.journey_stats(pool, day, day, "Europe/Amsterdam", chain_wide=True)
