"""The customer timeline: given facts of carts, orders, pickups, returns and till sales, then
each customer's touchpoints newest first (a guest cart's become the customer's at sign-in,
earlier ones too), the header, and which customers have business with a store."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import asyncpg
import pytest

from domain.cart.model import Cart, CartLine
from domain.order.model import Order
from domain.pickup.model import Pickup
from domain.returns.model import Return, ReturnChannel, ReturnLine
from domain.sale.model import Sale, SaleLine
from domain.values import Money
from projections import customer_timeline
from projections.customer_timeline import ChannelPurchases, CustomerTimeline, Touchpoint
from tests.projection_spec import Fact, ProjectionSpec, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    LAPTOP,
    PHONE,
    PRICES,
    SCHEDULER,
    TILL,
    cart_started,
    line_added,
    order_lines,
    order_placed,
    pickup_requested,
    stream,
    t,
)
from tests.shop import STAFF

WEB, GUEST = stream(1, LAPTOP), stream(2, PHONE)
ORDER, PICKUP, RETURN = stream(3, LAPTOP), stream(4, STAFF), stream(5, STAFF)
CLOCK, LAMP = PRICES["RETRO-CLOCK"], PRICES["LAVA-LAMP"]
LINES = order_lines(RETRO_CLOCK=2, LAVA_LAMP=1)  # 88.90 EUR


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(CustomerTimeline())


async def touchpoints(pool: asyncpg.Pool, customer_id: str) -> list[tuple[str, str, str]]:
    """(kind, channel, summary) of each touchpoint, newest first."""
    page = await customer_timeline.timeline(pool, customer_id, first=100)
    return [(t.kind, t.channel, t.summary) for t in page.touchpoints]


async def test_a_cart_touched_on_two_devices_newest_first(spec: ProjectionSpec) -> None:
    await (
        spec.given(
            cart_started(WEB, t(0), "cust-ada"),
            line_added(WEB, "RETRO-CLOCK", 1, t(1)),
            line_added(WEB, "LAVA-LAMP", 2, t(2), context=PHONE),
        )
        .when(
            WEB.recorded(Cart.QuantityChanged, sku="LAVA-LAMP", quantity=1, at=t(3), context=PHONE),
            WEB.recorded(Cart.LineRemoved, sku="RETRO-CLOCK", at=t(4)),
        )
        .then(
            answer(customer_timeline.timeline, "cust-ada", first=1).equals(
                customer_timeline.TimelinePage(
                    [
                        Touchpoint(
                            position=5,
                            at=t(4),
                            kind="line_removed",
                            channel="web",
                            device_id="laptop-ada",
                            store_id=None,
                            cart_id=WEB.id,
                            order_id=None,
                            pickup_id=None,
                            return_id=None,
                            sale_id=None,
                            summary="Removed RETRO-CLOCK",
                        )
                    ],
                    has_more=True,
                )
            ),
            answer(touchpoints, "cust-ada").equals(
                [
                    ("line_removed", "web", "Removed RETRO-CLOCK"),
                    ("quantity_changed", "mobile", "Changed LAVA-LAMP to 1"),
                    ("line_added", "mobile", "Added 2 x LAVA-LAMP"),
                    ("line_added", "web", "Added 1 x RETRO-CLOCK"),
                    ("cart_started", "web", "Started a cart"),
                ]
            ),
        )
    )


def guest_cart() -> list[Fact]:
    return [cart_started(GUEST, t(5)), line_added(GUEST, "LAVA-LAMP", 1, t(6))]


async def test_a_guest_cart_assigned_at_sign_in_brings_its_past_along(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(*guest_cart())
        .when(
            GUEST.recorded(Cart.AssignedToCustomer, customer_id="cust-ada", at=t(7)),
        )
        .then(
            answer(touchpoints, "cust-ada").equals(
                [
                    ("cart_assigned", "mobile", "Signed in: the guest cart became theirs"),
                    ("line_added", "mobile", "Added 1 x LAVA-LAMP"),
                    ("cart_started", "mobile", "Started a cart"),
                ]
            ),
            rows("timeline", "customer_id", ["cust-ada"] * 3),
            rows(
                "timeline_subject",
                "subject_id kind customer_id state",
                [
                    (GUEST.id, "cart", "cust-ada", "open"),
                ],
            ),
        )
    )


async def test_a_guest_cart_merged_at_sign_in_is_claimed_and_closed(spec: ProjectionSpec) -> None:
    strangers = stream(6, PHONE)
    await (
        spec.given(
            cart_started(WEB, t(0), "cust-ada"),
            line_added(WEB, "RETRO-CLOCK", 1, t(1)),
            *guest_cart(),
            cart_started(strangers, t(5)),  # a guest who never signs in
        )
        .when(
            WEB.recorded(
                Cart.LinesMerged,
                source_cart_id=GUEST.id,
                lines=[CartLine("LAVA-LAMP", 1, LAMP)],
                capped_skus=[],
                at=t(8),
                context=PHONE,
            ),
            GUEST.recorded(Cart.MergedInto, target_cart_id=WEB.id, at=t(8)),
        )
        .then(
            answer(touchpoints, "cust-ada").equals(
                [
                    ("cart_merged", "mobile", "Signed in: 1 line of a guest cart merged in"),
                    ("line_added", "mobile", "Added 1 x LAVA-LAMP"),
                    ("cart_started", "mobile", "Started a cart"),
                    ("line_added", "web", "Added 1 x RETRO-CLOCK"),
                    ("cart_started", "web", "Started a cart"),
                ]
            ),
            rows(
                "timeline",
                "cart_id customer_id",
                [*[(WEB.id, "cust-ada")] * 3, *[(GUEST.id, "cust-ada")] * 2, (strangers.id, None)],
            ),
            rows(
                "timeline_subject",
                "subject_id customer_id state",
                [
                    (WEB.id, "cust-ada", "open"),
                    (GUEST.id, "cust-ada", "closed"),
                    (strangers.id, None, "open"),
                ],
            ),
            answer(customer_timeline.timeline_header, "cust-ada").equals(
                customer_timeline.TimelineHeader("cust-ada", [], {}, 1, 0, 0)
            ),
        )
    )


def collected_order() -> list[Fact]:
    """Ada's order to collect at Centraal, paid and handed over; then she brings a clock back."""
    ready = PICKUP.recorded(
        Pickup.ReadyForPickup, shelf_spot="A1", pickup_code="CODE01", at=t(30), collect_by=t(9000)
    )
    return [
        cart_started(WEB, t(0), "cust-ada"),
        WEB.recorded(Cart.CheckedOut, order_id=ORDER.id, at=t(10)),
        order_placed(ORDER, WEB.id, LINES, t(10)),
        ORDER.recorded(
            Order.PaymentAuthorized, reference="auth-1", amount=Money.of("88.90"), at=t(10)
        ),
        pickup_requested(PICKUP, ORDER.id, LINES, t(10)),
        PICKUP.recorded(Pickup.PickingStarted, staff_id="staff-bo", at=t(20)),
        ready,
        PICKUP.recorded(Pickup.CustomerNotified, channel="email", at=t(31), context=SCHEDULER),
        PICKUP.recorded(
            Pickup.Collected, staff_id="staff-bo", at=t(90), verified_code=True, proof=None
        ),
        ORDER.recorded(
            Order.PaymentCaptured,
            reference="capture-1",
            amount=Money.of("88.90"),
            at=t(90),
            context=STAFF,
        ),
        ORDER.recorded(Order.Completed, at=t(90), context=STAFF),
    ]


def returned_a_clock(at: float) -> list[Fact]:
    return [
        RETURN.recorded(
            Return.Requested,
            order_id=ORDER.id,
            customer_id="cust-ada",
            lines=[ReturnLine("RETRO-CLOCK", 1, CLOCK)],
            reason="too loud",
            channel=ReturnChannel.STORE,
            requested_at=t(at),
            sale_id=None,
            context=TILL,
        ),
        RETURN.recorded(Return.Received, location_id="AMS-ZUID", at=t(at + 1)),
        RETURN.recorded(
            Return.Refunded, amount=Money.of("24.95"), reference="refund-1", at=t(at + 2)
        ),
    ]


async def test_an_order_its_pickup_and_its_return_each_step_a_touchpoint(
    spec: ProjectionSpec,
) -> None:
    await (
        spec.given(*collected_order())
        .when(*returned_a_clock(at=3000))
        .then(
            answer(touchpoints, "cust-ada").equals(
                [
                    ("return_refunded", "staff", "Refunded 24.95 EUR"),
                    ("return_received", "staff", "Return received at AMS-ZUID"),
                    ("return_requested", "pos", "Return of 1 item requested (store)"),
                    ("order_completed", "staff", "Order completed"),
                    ("payment_captured", "staff", "Paid 88.90 EUR"),
                    ("pickup_collected", "staff", "Collected at AMS-CENTRAAL"),
                    ("pickup_notified", "system", "Told it is ready (email)"),
                    ("pickup_ready", "staff", "Ready for pickup at AMS-CENTRAAL"),
                    ("payment_authorized", "web", "Payment of 88.90 EUR authorized"),
                    ("checkout", "web", "Ordered 3 items for 88.90 EUR, pick up at AMS-CENTRAAL"),
                    ("cart_started", "web", "Started a cart"),
                ]
            ),
            rows(
                "timeline",
                "kind store_id cart_id order_id pickup_id return_id",
                [
                    ("cart_started", None, WEB.id, None, None, None),
                    ("checkout", "AMS-CENTRAAL", WEB.id, ORDER.id, None, None),
                    ("payment_authorized", "AMS-CENTRAAL", WEB.id, ORDER.id, None, None),
                    ("pickup_ready", "AMS-CENTRAAL", None, ORDER.id, PICKUP.id, None),
                    ("pickup_notified", "AMS-CENTRAAL", None, ORDER.id, PICKUP.id, None),
                    ("pickup_collected", "AMS-CENTRAAL", None, ORDER.id, PICKUP.id, None),
                    ("payment_captured", "AMS-CENTRAAL", WEB.id, ORDER.id, None, None),
                    ("order_completed", "AMS-CENTRAAL", WEB.id, ORDER.id, None, None),
                    ("return_requested", None, None, ORDER.id, None, RETURN.id),
                    ("return_received", "AMS-ZUID", None, ORDER.id, None, RETURN.id),
                    ("return_refunded", "AMS-ZUID", None, ORDER.id, None, RETURN.id),
                ],
            ),
        )
    )


async def test_what_goes_wrong_with_an_order_is_on_the_timeline(spec: ProjectionSpec) -> None:
    await spec.given(
        cart_started(WEB, t(0), "cust-ada"),
        WEB.recorded(Cart.CheckedOut, order_id=ORDER.id, at=t(10)),
        order_placed(ORDER, WEB.id, LINES, t(10)),
        ORDER.recorded(Order.PaymentFailed, reason="card declined", at=t(10)),
        pickup_requested(PICKUP, ORDER.id, LINES, t(10)),
        PICKUP.recorded(
            Pickup.LineShort, line_id="L1", sku="RETRO-CLOCK", quantity_short=2, at=t(20)
        ),
        ORDER.recorded(
            Order.LineCancelled,
            line_id="L1",
            sku="RETRO-CLOCK",
            quantity=2,
            amount_due_back=Money.of("49.90"),
            reason="short",
            at=t(20),
            context=STAFF,
        ),
        PICKUP.recorded(Pickup.NotCollected, at=t(9000), staff_id=None, context=SCHEDULER),
        ORDER.recorded(Order.Cancelled, reason="not collected", at=t(9000), context=SCHEDULER),
    ).then(
        answer(touchpoints, "cust-ada").equals(
            [
                ("order_cancelled", "system", "Order cancelled: not collected"),
                ("pickup_no_show", "system", "Not collected in time; order cancelled"),
                (
                    "order_line_cancelled",
                    "staff",
                    "2 x RETRO-CLOCK cancelled (short), 49.90 EUR owed back",
                ),
                ("pickup_line_short", "staff", "2 x RETRO-CLOCK short at the store"),
                ("payment_failed", "web", "Payment failed: card declined"),
                ("checkout", "web", "Ordered 3 items for 88.90 EUR, pick up at AMS-CENTRAAL"),
                ("cart_started", "web", "Started a cart"),
            ]
        ),
        answer(customer_timeline.timeline_header, "cust-ada").equals(
            customer_timeline.TimelineHeader("cust-ada", [], {}, 0, 0, 0)  # nothing bought
        ),
    )


def sale(number: int, customer_id: str | None, at: float) -> Fact:
    till_sale = stream(100 + number, TILL)
    lines = [SaleLine("LAVA-LAMP", 1, LAMP), SaleLine("RETRO-CLOCK", 1, CLOCK)]
    return till_sale.recorded(
        Sale.Recorded,
        store_id="AMS-ZUID",
        till_id="till-1",
        sale_number=f"{number:06d}",
        lines=lines,
        total=Money.of("63.95"),
        payment_reference="card-4411",
        customer_id=customer_id,
        sold_at=t(at),
    )


async def test_a_till_sale_with_a_loyalty_card_is_the_customers(spec: ProjectionSpec) -> None:
    await spec.given(sale(1, "cust-ada", at=60), sale(2, None, at=61)).then(
        rows(
            "timeline",
            "customer_id at kind channel device_id store_id sale_id summary",
            [
                (
                    "cust-ada",
                    t(60),
                    "in_store_sale",
                    "pos",
                    "till-1",
                    "AMS-ZUID",
                    stream(101).id,
                    "Bought 2 items for 63.95 EUR",
                ),
                (
                    None,
                    t(61),
                    "in_store_sale",
                    "pos",
                    "till-1",
                    "AMS-ZUID",
                    stream(102).id,
                    "Bought 2 items for 63.95 EUR",
                ),
            ],
        )
    )


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
