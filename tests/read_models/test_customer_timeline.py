"""The customer timeline: given facts of carts, orders, pickups, returns and till sales, then
each customer's touchpoints newest first; a guest cart's become the customer's at sign-in,
earlier ones too (the header and the store scope: test_timeline_queries.py)."""

from __future__ import annotations

import itertools

import asyncpg
import pytest

from domain.cart.model import Cart, CartLine
from domain.order.model import Order
from domain.pickup.model import Pickup
from domain.values import Money
from projections import customer_timeline
from projections.customer_timeline import CustomerTimeline, Touchpoint
from tests.projection_spec import Fact, ProjectionSpec, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    PHONE,
    SCHEDULER,
    cart_started,
    line_added,
    order_placed,
    pickup_requested,
    stream,
    t,
)
from tests.read_models.timeline_facts import (
    LAMP,
    LINES,
    ORDER,
    PICKUP,
    RETURN,
    WEB,
    collected_order,
    returned_a_clock,
    sale,
)
from tests.shop import STAFF

GUEST = stream(2, PHONE)


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


async def test_a_ready_pickup_nobody_could_tell_them_of_is_in_the_header(
    spec: ProjectionSpec,
) -> None:
    facts = collected_order()
    ready_but_not_told = list(
        itertools.takewhile(lambda fact: fact.event.cls is not Pickup.CustomerNotified, facts)
    )
    failed = PICKUP.recorded(
        Pickup.NotificationFailed, channel="email", reason="mailbox full", attempt=1, at=t(31)
    )
    await spec.given(*ready_but_not_told, failed).then(
        answer(touchpoints, "cust-ada").equals(
            [
                (
                    "pickup_notification_failed",
                    "staff",
                    "Not told it is ready: email failed (mailbox full), attempt 1",
                ),
                ("pickup_ready", "staff", "Ready for pickup at AMS-CENTRAAL"),
                ("payment_authorized", "web", "Payment of 88.90 EUR authorized"),
                ("checkout", "web", "Ordered 3 items for 88.90 EUR, pick up at AMS-CENTRAAL"),
                ("cart_started", "web", "Started a cart"),
            ]
        ),
        answer(not_notified, "cust-ada").equals(1),
    )
    await spec.given(*facts).then(answer(not_notified, "cust-ada").equals(0))


async def not_notified(pool: asyncpg.Pool, customer_id: str) -> int:
    return (await customer_timeline.timeline_header(pool, customer_id)).not_notified
