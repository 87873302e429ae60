"""Journey analytics: given carts, orders, pickups and returns, then each journey's steps (the
first time each was reached) and the returns with how they crossed channels (the figures per
day, store and channel: test_journey_queries.py)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg
import pytest

from domain.cart.model import Cart, CartLine
from domain.order.model import Order
from domain.pickup.model import Pickup
from domain.returns.model import ReturnChannel
from projections import journey_queries
from projections.journeys import Journeys
from tests.projection_spec import Fact, ProjectionSpec, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    LAPTOP,
    PHONE,
    PRICES,
    SCHEDULER,
    TILL,
    cart_started,
    days,
    line_added,
    stream,
    t,
)
from tests.read_models.journey_facts import (
    ADAS,
    MONDAY,
    Journey,
    funnels,
    received,
    refunded,
    requested,
)

JOURNEY = (
    "cart_id started_at channel device_id store_id first_line_at checkout_at checkout_channel "
    "checkout_device order_id pickup_id paid_at ready_at collected_at no_show_at merged_into "
    "returned_in_store"
)


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(Journeys())


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


async def test_a_journey_knows_when_the_customer_was_told_their_pickup_is_ready(
    spec: ProjectionSpec,
) -> None:
    def told(at: float) -> Fact:
        return ADAS.pickup.recorded(Pickup.CustomerNotified, channel="email", at=t(at))

    bobs = Journey(2, LAPTOP)
    await (
        spec.given(
            *ADAS.with_a_line(),
            *ADAS.checkout(),
            ADAS.ready(at=30),
            *bobs.with_a_line(),
            *bobs.checkout(),
            bobs.ready(at=30),
            ADAS.pickup.recorded(
                Pickup.NotificationFailed, channel="email", reason="refused", attempt=1, at=t(31)
            ),
        )
        .when(told(35), told(36))
        .then(
            rows("journey", "cart_id notified_at", [(ADAS.cart.id, t(35)), (bobs.cart.id, None)]),
            answer(notified_share, MONDAY).equals((1, 0.5)),
        )
    )


async def notified_share(pool: asyncpg.Pool, day: date) -> tuple[int, float | None]:
    [stats] = await journey_queries.journey_stats(pool, day, day)
    return stats.notified, stats.notified_share
