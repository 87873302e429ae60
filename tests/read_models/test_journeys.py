"""Journey analytics: given carts, orders, pickups and returns, then each journey's steps (the
first time each was reached), the returns with how they crossed channels, and the funnel,
no-show and return-time figures per day, store and channel."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import asyncpg
import pytest

from domain.cart.model import Cart, CartLine
from domain.order.model import Fulfillment, Order
from domain.pickup.model import Pickup
from domain.returns.model import Return, ReturnChannel, ReturnLine
from domain.usecases.checkout_rules import pickup_id_for
from domain.values import Context, Money
from projections import journey_queries
from projections.journey_queries import FunnelStep, JourneyStats, ReturnStats
from projections.journeys import Journeys
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    CENTRAAL_PICKUP,
    LAPTOP,
    PHONE,
    PRICES,
    SCHEDULER,
    T0,
    TILL,
    WAREHOUSE_SHIPPING,
    cart_started,
    days,
    line_added,
    order_lines,
    order_placed,
    stream,
    t,
)
from tests.shop import STAFF

MONDAY = T0.date()
LINES = order_lines(RETRO_CLOCK=1)
JOURNEY = (
    "cart_id started_at channel device_id store_id first_line_at checkout_at checkout_channel "
    "checkout_device order_id pickup_id paid_at ready_at collected_at no_show_at merged_into "
    "returned_in_store"
)


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(Journeys())


class Journey:
    """One cart's way to an order to collect at Centraal: its streams and its facts."""

    def __init__(self, number: int, device: Context) -> None:
        self.cart = stream(number, device)
        self.order = stream(number + 100, device)
        self.pickup = Stream(pickup_id_for(self.order.id), STAFF)

    def started(self, at: float = 0, customer_id: str = "cust-ada") -> list[Fact]:
        return [cart_started(self.cart, t(at), customer_id)]

    def with_a_line(self, at: float = 1) -> list[Fact]:
        return [*self.started(), line_added(self.cart, "RETRO-CLOCK", 1, t(at))]

    def checkout(
        self,
        at: float = 10,
        on: Context | None = None,
        fulfillment: Fulfillment = CENTRAAL_PICKUP,
    ) -> list[Fact]:
        """Checked out on the device `on` names (by default the one the cart started on)."""
        order = Stream(self.order.id, on or self.order.context)
        return [
            self.cart.recorded(Cart.CheckedOut, order_id=self.order.id, at=t(at)),
            order_placed(order, self.cart.id, LINES, t(at), fulfillment=fulfillment),
        ]

    def paid(self, at: float = 11) -> Fact:
        amount = Money.of("24.95")
        return self.order.recorded(Order.PaymentAuthorized, reference="a", amount=amount, at=t(at))

    def ready(self, at: float = 30) -> Fact:
        return self.pickup.recorded(
            Pickup.ReadyForPickup,
            shelf_spot="A1",
            pickup_code="C",
            at=t(at),
            collect_by=t(at) + days(7),
        )

    def collected(self, at: float = 90) -> Fact:
        return self.pickup.recorded(
            Pickup.Collected, staff_id="staff-bo", at=t(at), verified_code=True, proof=None
        )

    def not_collected(self) -> Fact:
        return self.pickup.recorded(
            Pickup.NotCollected, at=t(30) + days(7), staff_id=None, context=SCHEDULER
        )


ADAS = Journey(1, LAPTOP)


async def test_a_journey_records_the_first_time_it_reached_each_step(spec: ProjectionSpec) -> None:
    await spec.given(
        *ADAS.with_a_line(at=1),
        line_added(ADAS.cart, "LAVA-LAMP", 1, t(2)),  # not a first line
    ).when(
        *ADAS.checkout(at=10, on=PHONE),  # on her phone
        ADAS.paid(at=11),
        ADAS.ready(at=30),
        ADAS.collected(at=90),
    ).then(
        rows(
            "journey",
            JOURNEY,
            [
                (
                    ADAS.cart.id, t(0), "web", "laptop-ada", "AMS-CENTRAAL", t(1), t(10),
                    "mobile", "phone-ada", ADAS.order.id, ADAS.pickup.id, t(11), t(30), t(90),
                    None, None, False,
                )
            ],
        )
    )  # fmt: skip


async def test_a_recovered_cart_keeps_its_first_line_and_a_second_payment_is_not_a_step(
    spec: ProjectionSpec,
) -> None:
    lamp = CartLine("LAVA-LAMP", 1, PRICES["LAVA-LAMP"])
    await (
        spec.given(
            *ADAS.with_a_line(at=1),
            ADAS.cart.recorded(Cart.Abandoned, at=t(1) + days(31), context=SCHEDULER),
            ADAS.cart.recorded(Cart.Recovered, lines=[lamp], changes=[], at=t(2) + days(31)),
        )
        .when(
            *ADAS.checkout(),
            ADAS.paid(at=11),
            ADAS.order.recorded(Order.PaymentFailed, reason="expired", at=t(20)),
            ADAS.paid(at=21),
        )
        .then(rows("journey", "first_line_at paid_at", [(t(1), t(11))]))
    )


async def test_a_guest_cart_merged_at_sign_in_continues_in_the_customers_journey(
    spec: ProjectionSpec,
) -> None:
    guest = stream(2, PHONE)
    await (
        spec.given(
            *ADAS.with_a_line(at=1),
            cart_started(guest, t(3)),
            line_added(guest, "LAVA-LAMP", 1, t(4)),
        )
        .when(
            ADAS.cart.recorded(
                Cart.LinesMerged,
                source_cart_id=guest.id,
                lines=[CartLine("LAVA-LAMP", 1, PRICES["LAVA-LAMP"])],
                capped_skus=[],
                at=t(5),
                context=PHONE,
            ),
            guest.recorded(Cart.MergedInto, target_cart_id=ADAS.cart.id, at=t(5)),
        )
        .then(
            rows(
                "journey",
                "cart_id channel device_id first_line_at merged_into",
                [
                    (ADAS.cart.id, "web", "laptop-ada", t(1), None),
                    (guest.id, "mobile", "phone-ada", t(4), ADAS.cart.id),
                ],
            ),
            answer(funnels, MONDAY).equals({(None, "web"): [1, 1, 0, 0, 0, 0]}),  # one journey
        )
    )


async def test_a_pickup_never_collected_is_a_no_show(spec: ProjectionSpec) -> None:
    await (
        spec.given(*ADAS.with_a_line(), *ADAS.checkout(), ADAS.paid(), ADAS.ready())
        .when(ADAS.not_collected())
        .then(rows("journey", "ready_at collected_at no_show_at", [(t(30), None, t(30) + days(7))]))
    )


def requested(
    item: Stream,
    channel: ReturnChannel,
    at: float,
    order_id: UUID | None,
    sale_id: UUID | None = None,
) -> Fact:
    return item.recorded(
        Return.Requested,
        order_id=order_id,
        customer_id="cust-ada",
        lines=[ReturnLine("RETRO-CLOCK", 1, PRICES["RETRO-CLOCK"])],
        reason="",
        channel=channel,
        requested_at=t(at),
        sale_id=sale_id,
    )


def received(item: Stream, store_id: str, at: float) -> Fact:
    return item.recorded(Return.Received, location_id=store_id, at=t(at), context=STAFF)


def refunded(item: Stream, at: float) -> Fact:
    amount = Money.of("24.95")
    return item.recorded(Return.Refunded, amount=amount, reference="r", at=t(at), context=STAFF)


async def test_a_return_crosses_channels_when_bought_online_and_brought_to_a_store(
    spec: ProjectionSpec,
) -> None:
    in_store, by_mail = stream(51, TILL), stream(52, LAPTOP)
    at_the_till, from_the_till = Journey(3, TILL), stream(53, LAPTOP)
    till_sale = UUID(int=77)
    await (
        spec.given(
            *ADAS.with_a_line(),
            *ADAS.checkout(),
            *at_the_till.with_a_line(),
            *at_the_till.checkout(),  # an order placed at a till: bought in store
        )
        .when(
            requested(in_store, ReturnChannel.STORE, 3000, ADAS.order.id),
            received(in_store, "AMS-ZUID", 3001),
            refunded(in_store, 3045),
            requested(by_mail, ReturnChannel.MAIL, 3000, ADAS.order.id),
            received(by_mail, "WH-NL", 4000),
            requested(stream(54, TILL), ReturnChannel.STORE, 3000, at_the_till.order.id),
            requested(from_the_till, ReturnChannel.WEB, 3000, None, sale_id=till_sale),
        )
        .then(
            rows(
                "journey_return",
                "return_id purchase channel cross_channel store_id requested_at refunded_at",
                [
                    (in_store.id, "order", "store", True, "AMS-ZUID", t(3000), t(3045)),
                    (by_mail.id, "order", "mail", False, "WH-NL", t(3000), None),
                    (stream(54).id, "order", "store", False, None, t(3000), None),
                    (from_the_till.id, "sale", "web", True, None, t(3000), None),
                ],
            ),
            rows(
                "journey",
                "cart_id returned_in_store",
                [(ADAS.cart.id, True), (at_the_till.cart.id, False)],
            ),
        )
    )


async def test_a_returns_first_store_and_first_refund_stay(spec: ProjectionSpec) -> None:
    item = stream(51, TILL)
    await (
        spec.given(
            requested(item, ReturnChannel.STORE, 3000, ADAS.order.id),
            received(item, "AMS-ZUID", 3001),
            refunded(item, 3045),
        )
        .when(received(item, "AMS-CENTRAAL", 3100), refunded(item, 3200))
        .then(rows("journey_return", "store_id refunded_at", [("AMS-ZUID", t(3045))]))
    )


async def funnels(
    pool: asyncpg.Pool, day: date, **options: object
) -> dict[tuple[str | None, str], list[int]]:
    """Journeys that reached each step, per (store, channel)."""
    stats = await journey_queries.journey_stats(pool, day, day, **options)  # type: ignore[arg-type]
    return {(row.store_id, row.channel): [step.reached for step in row.funnel] for row in stats}


def a_day_of_journeys() -> list[Fact]:
    """Ada's collected journey, Bob's no-show at Centraal, a shipped order started on the phone,
    a cart with a line only and one left empty (no store: they count in the zone asked for)."""
    bobs, shipped = Journey(2, LAPTOP), Journey(3, PHONE)
    return [
        *ADAS.with_a_line(),
        *ADAS.checkout(on=PHONE),
        ADAS.paid(),
        ADAS.ready(),
        ADAS.collected(),
        *bobs.with_a_line(),
        *bobs.checkout(),
        bobs.ready(),  # to be paid at the counter: counts as paid
        bobs.not_collected(),
        *shipped.with_a_line(),
        *shipped.checkout(fulfillment=WAREHOUSE_SHIPPING),
        shipped.paid(),
        *Journey(4, LAPTOP).with_a_line(),
        *Journey(5, LAPTOP).started(),
    ]


async def test_the_funnel_drops_off_step_by_step_per_store_and_channel(
    spec: ProjectionSpec,
) -> None:
    await spec.given(*a_day_of_journeys()).then(
        answer(funnels, MONDAY).equals(
            {
                ("AMS-CENTRAAL", "web"): [2, 2, 2, 2, 2, 1],
                ("WH-NL", "mobile"): [1, 1, 1, 1, 0, 0],
                (None, "web"): [2, 1, 0, 0, 0, 0],
            }
        ),
        answer(funnels, MONDAY, chain_wide=True).equals(
            {(None, "mobile"): [1, 1, 1, 1, 0, 0], (None, "web"): [4, 3, 2, 2, 2, 1]}
        ),
        answer(funnels, MONDAY, store_id="WH-NL").equals({("WH-NL", "mobile"): [1, 1, 1, 1, 0, 0]}),
        answer(funnels, MONDAY + timedelta(days=1)).equals({}),
    )


async def test_drop_off_cross_channel_share_and_no_show_rate(spec: ProjectionSpec) -> None:
    await spec.given(*a_day_of_journeys()).then(
        answer(journey_queries.journey_stats, MONDAY, MONDAY, store_id="AMS-CENTRAAL").equals(
            [
                JourneyStats(
                    day=MONDAY,
                    store_id="AMS-CENTRAAL",
                    channel="web",
                    funnel=[
                        FunnelStep("started", 2, 0, 0.0),
                        FunnelStep("first_line", 2, 0, 0.0),
                        FunnelStep("checked_out", 2, 0, 0.0),
                        FunnelStep("paid", 2, 0, 0.0),
                        FunnelStep("ready", 2, 1, 0.5),
                        FunnelStep("collected", 1, 0, 0.0),
                    ],
                    cross_channel=1,  # Ada started on her laptop and checked out on her phone
                    cross_channel_share=0.5,
                    no_shows=1,
                    no_show_rate=0.5,
                )
            ]
        )
    )


async def test_a_journey_counts_on_its_stores_day_or_in_the_zone_asked_for(
    spec: ProjectionSpec,
) -> None:
    sunday_night = (datetime(2026, 11, 1, 23, 30, tzinfo=UTC) - T0).total_seconds() / 60
    late = Journey(6, LAPTOP)
    await spec.given(
        *late.started(at=sunday_night),  # 00:30 on Monday in Amsterdam
        line_added(late.cart, "RETRO-CLOCK", 1, t(1)),
        *late.checkout(),
        *Journey(7, LAPTOP).started(at=sunday_night),
    ).then(
        answer(funnels, MONDAY).equals({("AMS-CENTRAAL", "web"): [1, 1, 1, 0, 0, 0]}),
        answer(funnels, MONDAY, time_zone="Europe/Amsterdam").equals(
            {("AMS-CENTRAAL", "web"): [1, 1, 1, 0, 0, 0], (None, "web"): [1, 0, 0, 0, 0, 0]}
        ),
        answer(
            journey_queries.journey_stats,
            MONDAY,
            MONDAY,
            "Europe/Amsterdam",
            after=(MONDAY, "AMS-CENTRAAL", "web"),
            limit=5,
        ).equals([JourneyStats(MONDAY, None, "web", [
            FunnelStep("started", 1, 1, 1.0), FunnelStep("first_line", 0, 0, None),
            FunnelStep("checked_out", 0, 0, None), FunnelStep("paid", 0, 0, None),
            FunnelStep("ready", 0, 0, None), FunnelStep("collected", 0, 0, None),
        ], 0, None, 0, None)]),
    )  # fmt: skip


async def test_return_resolution_percentiles_per_store_and_day(spec: ProjectionSpec) -> None:
    facts: list[Fact] = []
    for number, minutes in enumerate((30, 60, 240), start=1):  # requested -> refunded
        item = stream(60 + number, TILL)
        facts += [
            requested(item, ReturnChannel.STORE, 60, None, sale_id=UUID(int=number)),
            received(item, "AMS-ZUID", 61),
            refunded(item, 60 + minutes),
        ]
    # percentile_cont over 30, 60, 240 minutes: p50 = 60, p90 = 60 + 0.8 * (240 - 60) = 204.
    await spec.given(*facts).then(
        answer(journey_queries.return_stats, MONDAY, MONDAY).equals(
            [ReturnStats(MONDAY, "AMS-ZUID", "store", 3, 3, 60 * 60, 204 * 60, 0)]
        ),
        answer(journey_queries.return_stats, MONDAY, MONDAY, chain_wide=True).equals(
            [ReturnStats(MONDAY, None, "store", 3, 3, 60 * 60, 204 * 60, 0)]
        ),
    )
