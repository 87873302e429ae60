"""A shipped order dispatched from the warehouse (`Order.Shipped`, then captured and completed
in the same append), as each read model that follows orders takes it: completed in the orders
view; "Shipped via <carrier>" on the timeline; in the journeys, a shipped order stays at "paid"
in the funnel and counts in `shipped`, while a pickup's figures are what they were."""

from __future__ import annotations

from datetime import date

import asyncpg

from domain.order.model import Order
from domain.values import Money
from projections import journey_queries
from projections.customer_timeline import CustomerTimeline
from projections.journey_queries import FunnelStep, JourneyStats
from projections.journeys import Journeys
from projections.orders import Orders
from tests.projection_spec import Fact, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import LAPTOP, WAREHOUSE_SHIPPING, t
from tests.read_models.journey_facts import MONDAY, Journey
from tests.read_models.test_customer_timeline import touchpoints
from tests.shop import STAFF

ADAS, BOBS = Journey(1, LAPTOP), Journey(2, LAPTOP)
PACKED = Stream(ADAS.order.id, STAFF)  # the warehouse's staff dispatch it


def shipped(at: float = 40) -> list[Fact]:
    """The parcel leaves with PostNL: shipped, captured and completed, as `shipOrder` writes."""
    amount = Money.of("24.95")
    return [
        PACKED.recorded(
            Order.Shipped, carrier="PostNL", tracking_number="3SABC1", staff_id="wh-1", at=t(at)
        ),
        PACKED.recorded(Order.PaymentCaptured, reference="c", amount=amount, at=t(at)),
        PACKED.recorded(Order.Completed, at=t(at)),
    ]


def adas_shipped_order() -> list[Fact]:
    return [*ADAS.with_a_line(), *ADAS.checkout(fulfillment=WAREHOUSE_SHIPPING), ADAS.paid()]


async def test_the_order_is_completed_when_its_parcel_left(spec_of: SpecOf) -> None:
    await (
        spec_of(Orders())
        .given(*adas_shipped_order()[-2:])
        .when(*shipped(at=40))
        .then(
            rows(
                "order_view",
                "order_id status fulfillment location_id completed_at",
                [(ADAS.order.id, "completed", "ship", "WH-NL", t(40))],
            )
        )
    )


async def test_the_timeline_says_which_carrier_took_it(spec_of: SpecOf) -> None:
    await (
        spec_of(CustomerTimeline())
        .given(*adas_shipped_order())
        .when(*shipped())
        .then(
            answer(latest, "cust-ada").equals(
                [
                    ("order_completed", "staff", "Order completed"),
                    ("payment_captured", "staff", "Paid 24.95 EUR"),
                    ("order_shipped", "staff", "Shipped via PostNL (tracking number 3SABC1)"),
                    ("payment_authorized", "web", "Payment of 24.95 EUR authorized"),
                ]
            ),
            rows(
                "timeline_subject",
                "subject_id state store_id",
                [(ADAS.cart.id, "closed", None), (ADAS.order.id, "closed", "WH-NL")],
            ),
        )
    )


async def latest(pool: asyncpg.Pool, customer_id: str) -> list[tuple[str, str, str]]:
    return (await touchpoints(pool, customer_id))[:4]


async def test_a_shipped_order_stays_at_paid_and_counts_as_shipped(spec_of: SpecOf) -> None:
    """Ada's order shipped from WH-NL; Bob's collected at Centraal, figures as before."""
    await (
        spec_of(Journeys())
        .given(
            *adas_shipped_order(),
            *BOBS.with_a_line(),
            *BOBS.checkout(),
            BOBS.paid(),
            BOBS.ready(),
        )
        .when(*shipped(), BOBS.collected())
        .then(
            answer(by_store, MONDAY).equals(
                {
                    "WH-NL": stats("WH-NL", [1, 1, 1, 1, 0, 0], shipped=1),
                    "AMS-CENTRAAL": stats("AMS-CENTRAAL", [1, 1, 1, 1, 1, 1], shipped=0),
                }
            )
        )
    )


def stats(store_id: str, reached: list[int], shipped: int) -> JourneyStats:
    ready = reached[4]
    return JourneyStats(
        day=MONDAY,
        store_id=store_id,
        channel="web",
        funnel=funnel(reached),
        cross_channel=0,
        cross_channel_share=0.0,
        no_shows=0,
        no_show_rate=0.0 if ready else None,
        notified=0,
        notified_share=0.0 if ready else None,
        shipped=shipped,
    )


def funnel(reached: list[int]) -> list[FunnelStep]:
    steps = [step.value for step in journey_queries.JourneyStep]
    out = []
    for i, (step, count) in enumerate(zip(steps, reached, strict=True)):
        dropped = count - (reached[i + 1] if i + 1 < len(reached) else count)
        out.append(FunnelStep(step, count, dropped, round(dropped / count, 4) if count else None))
    return out


async def by_store(pool: asyncpg.Pool, day: date) -> dict[str | None, JourneyStats]:
    found = await journey_queries.journey_stats(pool, day, day, "Europe/Amsterdam")
    return {row.store_id: row for row in found}
