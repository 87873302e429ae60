"""Queries of the customer timeline: given a customer's business, then the header (bought per
channel, refunded, still open), the customers with business at a store, and pages."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import asyncpg
import pytest

from domain.cart.model import Cart
from domain.order.model import Order
from projections import customer_timeline
from projections.customer_timeline import ChannelPurchases, CustomerTimeline
from tests.projection_spec import ProjectionSpec, answer
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import LAPTOP, cart_started, order_placed, pickup_requested, stream, t
from tests.read_models.timeline_facts import LINES, WEB, collected_order, returned_a_clock, sale
from tests.shop import STAFF


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(CustomerTimeline())


async def test_the_header_counts_what_was_bought_refunded_and_is_still_open(
    spec: ProjectionSpec,
) -> None:
    bobs_cart, bobs_order, bobs_pickup = stream(11), stream(12), stream(13, STAFF)
    await spec.given(
        *collected_order(),
        *returned_a_clock(at=3000),
        sale(1, "cust-ada", at=60),
        cart_started(stream(7), t(4000), "cust-ada"),  # her next cart, still open
        cart_started(bobs_cart, t(0), "cust-bob"),
        bobs_cart.recorded(Cart.CheckedOut, order_id=bobs_order.id, at=t(5)),
        order_placed(bobs_order, bobs_cart.id, LINES, t(5), customer_id="cust-bob"),
        pickup_requested(bobs_pickup, bobs_order.id, LINES, t(5), customer_id="cust-bob"),
    ).then(
        answer(customer_timeline.timeline_header, "cust-ada").equals(
            customer_timeline.TimelineHeader(
                "cust-ada",
                [
                    ChannelPurchases("pos", 1, Decimal("63.95"), "EUR"),
                    ChannelPurchases("web", 1, Decimal("88.90"), "EUR"),
                ],
                {"EUR": Decimal("24.95")},
                open_carts=1,
                open_pickups=0,
                open_returns=0,
            )
        ),
        answer(customer_timeline.timeline_header, "cust-bob").equals(
            customer_timeline.TimelineHeader(
                "cust-bob",
                [ChannelPurchases("web", 1, Decimal("88.90"), "EUR")],
                {},
                open_carts=0,
                open_pickups=1,
                open_returns=0,
            )
        ),
    )


async def test_staff_see_the_customers_with_business_at_their_store(spec: ProjectionSpec) -> None:
    bobs_cart, bobs_order = stream(11), stream(12)
    await spec.given(
        *collected_order(),  # picked up at Centraal
        *returned_a_clock(at=3000),  # brought back to Zuid
        cart_started(bobs_cart, t(0), "cust-bob"),  # a cart: no store yet
        order_placed(bobs_order, bobs_cart.id, LINES, t(5), customer_id="cust-bob"),
        cart_started(stream(21), t(0), "cust-cy"),
        sale(1, "cust-cy", at=60),  # at the Zuid till
    ).then(
        answer(customer_timeline.customers_of_store, "AMS-ZUID").equals(["cust-ada", "cust-cy"]),
        answer(customer_timeline.customers_of_store, "AMS-CENTRAAL").equals(
            ["cust-ada", "cust-bob"]
        ),
        answer(customer_timeline.customers_of_store, "AMS-ZUID", after="cust-ada").equals(
            ["cust-cy"]
        ),
        answer(customer_timeline.customers_of_store, "AMS-ZUID", first=1).equals(["cust-ada"]),
        answer(customer_timeline.customers_of_store, "UTR-CENTRUM").equals([]),
        answer(customer_timeline.has_business_with, "cust-cy", "AMS-ZUID").equals(True),
        answer(customer_timeline.has_business_with, "cust-cy", "AMS-CENTRAAL").equals(False),
        answer(
            customer_timeline.has_business_at, "cust-bob", ["UTR-CENTRUM", "AMS-CENTRAAL"]
        ).equals(True),
        answer(customer_timeline.has_business_at, "cust-bob", ["AMS-ZUID"]).equals(False),
        answer(customer_timeline.is_known, "cust-bob").equals(True),
        answer(customer_timeline.is_known, "cust-nobody").equals(False),
    )


async def test_a_timeline_reads_the_same_a_page_at_a_time(spec: ProjectionSpec) -> None:
    async def in_pages(pool: asyncpg.Pool, size: int) -> list[list[UUID | None]]:
        pages, after = [], None
        while True:
            page = await customer_timeline.timeline(pool, "cust-ada", first=size, after=after)
            pages.append([t.order_id for t in page.touchpoints])
            after = page.end_cursor
            if not page.has_more:
                return pages

    orders = [stream(30 + n, LAPTOP) for n in range(3)]
    await spec.given(
        *(order_placed(order, WEB.id, LINES, t(10)) for order in orders),  # the same instant
        orders[0].recorded(Order.Completed, at=t(11)),
    ).then(
        answer(in_pages, 2).equals([[orders[0].id, orders[2].id], [orders[1].id, orders[0].id]]),
        answer(in_pages, 4).equals([[orders[0].id, orders[2].id, orders[1].id, orders[0].id]]),
    )
