"""Orders and returns: given order and return facts, then each one's status, amounts and lines
as customers and staff see them, the aggregates' own statuses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import asyncpg
import pytest

from domain.customer.profile import CustomerProfile
from domain.order.model import Order
from domain.returns.model import InspectionResult, RestockLine, Return, ReturnChannel, ReturnLine
from domain.values import Money, customer_profile_id
from projections import orders
from projections.orders import Orders, OrderView
from tests.projection_spec import Fact, ProjectionSpec, Stream, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import (
    LAPTOP,
    PRICES,
    SCHEDULER,
    TILL,
    WAREHOUSE_SHIPPING,
    order_lines,
    order_placed,
    stream,
    t,
)
from tests.shop import STAFF

ORDER, RETURN = stream(1, LAPTOP), stream(2, STAFF)
CART = UUID(int=11)
LINES = order_lines(RETRO_CLOCK=2, LAVA_LAMP=1)  # 88.90
CLOCK = PRICES["RETRO-CLOCK"]


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(Orders())


def placed(order: Stream = ORDER, at: float = 0, customer_id: str | None = "cust-ada") -> Fact:
    return order_placed(order, CART, LINES, t(at), customer_id=customer_id)


def authorized(at: float) -> Fact:
    return ORDER.recorded(
        Order.PaymentAuthorized, reference="auth-1", amount=Money.of("88.90"), at=t(at)
    )


def captured(at: float) -> Fact:
    return ORDER.recorded(
        Order.PaymentCaptured, reference="capture-1", amount=Money.of("88.90"), at=t(at)
    )


PAYMENT_PATHS = {
    "placed": ([], "placed"),
    "authorized": ([authorized(1)], "payment_authorized"),
    "paid": ([authorized(1), captured(90)], "paid"),
    "declined": (
        [ORDER.recorded(Order.PaymentFailed, reason="declined", at=t(1))],
        "payment_failed",
    ),
    "cancelled": (
        [authorized(1), ORDER.recorded(Order.Cancelled, reason="not collected", at=t(9000))],
        "cancelled",
    ),
}


@pytest.mark.parametrize("path", list(PAYMENT_PATHS))
async def test_an_orders_status_is_its_payments_last_word(spec: ProjectionSpec, path: str) -> None:
    facts, status = PAYMENT_PATHS[path]
    await (
        spec.given(placed())
        .when(*facts)
        .then(rows("order_view", "order_id status completed_at", [(ORDER.id, status, None)]))
    )


async def test_a_placed_order_as_its_customer_sees_it(spec: ProjectionSpec) -> None:
    placed_at = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    await spec.given(
        ORDER.recorded(
            Order.Placed,
            cart_id=CART,
            customer_id="cust-ada",
            channel=LAPTOP.channel,
            lines=LINES,
            currency="EUR",
            total=Money.of("88.90"),
            fulfillment=WAREHOUSE_SHIPPING,
            placed_at=t(0),
            recorded_at=placed_at,
        )
    ).then(
        answer(orders.orders_of_customer, "cust-ada", limit=10).equals(
            [
                OrderView(
                    order_id=ORDER.id,
                    customer_id="cust-ada",
                    cart_id=CART,
                    channel="web",
                    status="placed",
                    fulfillment="ship",
                    location_id="WH-NL",
                    lines=LINES,
                    currency="EUR",
                    total=Decimal("88.90"),
                    amount_due_back=Decimal("0.00"),
                    placed_at=t(0),
                    completed_at=None,
                    updated_at=placed_at,  # the commit's time, not a business time
                )
            ]
        )
    )


async def test_a_completed_order_keeps_when_it_was_completed(spec: ProjectionSpec) -> None:
    await (
        spec.given(placed(), authorized(1), captured(90))
        .when(ORDER.recorded(Order.Completed, at=t(91), context=STAFF))
        .then(rows("order_view", "status completed_at", [("completed", t(91))]))
    )


async def test_cancelled_lines_add_up_to_what_is_owed_back(spec: ProjectionSpec) -> None:
    def cancelled(line_id: str, sku: str, amount: str, at: float) -> Fact:
        return ORDER.recorded(
            Order.LineCancelled,
            line_id=line_id,
            sku=sku,
            quantity=1,
            amount_due_back=Money.of(amount),
            reason="short at the store",
            at=t(at),
        )

    await (
        spec.given(placed(), authorized(1))
        .when(
            cancelled("L1", "RETRO-CLOCK", "24.95", 30),
            cancelled("L2", "LAVA-LAMP", "39.00", 31),
        )
        .then(
            rows(
                "order_view",
                "status total amount_due_back",
                [("payment_authorized", Decimal("88.90"), Decimal("63.95"))],
            )
        )
    )


async def test_a_customers_orders_newest_first_a_page_at_a_time(spec: ProjectionSpec) -> None:
    first, second, third, bobs = (stream(n, LAPTOP) for n in (21, 22, 23, 24))
    await spec.given(
        placed(first, at=0),
        placed(second, at=30),
        placed(third, at=30),  # the same instant: the larger id first
        placed(bobs, at=40, customer_id="cust-bob"),
    ).then(
        answer(order_ids, "cust-ada", 10).equals([third.id, second.id, first.id]),
        answer(order_ids, "cust-ada", 1, after=(t(30), third.id)).equals([second.id]),
        answer(order_ids, "cust-ada", 10, after=(t(30), second.id)).equals([first.id]),
        answer(order_ids, "cust-bob", 10).equals([bobs.id]),
        answer(ids_of_orders, [first.id, bobs.id, UUID(int=404)]).equals({first.id, bobs.id}),
    )


async def order_ids(
    pool: asyncpg.Pool, customer_id: str, limit: int, after: tuple[datetime, UUID] | None = None
) -> list[UUID]:
    found = await orders.orders_of_customer(pool, customer_id, limit, after)
    return [order.order_id for order in found]


async def ids_of_orders(pool: asyncpg.Pool, order_ids: list[UUID]) -> set[UUID]:
    found = await orders.orders_by_id(pool, order_ids)
    assert all(key == view.order_id for key, view in found.items())
    return set(found)


def requested(
    order_id: UUID | None = ORDER.id, sale_id: UUID | None = None, customer_id: str = "cust-ada"
) -> Fact:
    return RETURN.recorded(
        Return.Requested,
        order_id=order_id,
        customer_id=customer_id,
        lines=[ReturnLine("RETRO-CLOCK", 2, CLOCK)],
        reason="too loud",
        channel=ReturnChannel.STORE,
        requested_at=t(3000),
        sale_id=sale_id,
        context=TILL,
    )


def inspected(resellable: int, at: float = 3100) -> list[Fact]:
    """Received at Zuid, then judged: `resellable` of the two clocks can be sold again."""
    judged = [InspectionResult("RETRO-CLOCK", resellable, 2 - resellable)]
    return [
        RETURN.recorded(Return.Received, location_id="AMS-ZUID", at=t(at)),
        RETURN.recorded(Return.Inspected, results=judged, at=t(at + 10)),
    ]


def refunded(at: float = 3200) -> Fact:
    return RETURN.recorded(
        Return.Refunded, amount=Money.of("49.90"), reference="refund-1", at=t(at)
    )


def restocked(units: int, at: float = 3300) -> Fact:
    return RETURN.recorded(
        Return.Restocked,
        location_id="AMS-ZUID",
        lines=[RestockLine("RETRO-CLOCK", units)],
        at=t(at),
    )


RETURN_COLUMNS = "return_id order_id sale_id status location_id refunded resellable restocked"


async def test_a_requested_return_of_an_order(spec: ProjectionSpec) -> None:
    await (
        spec.given(placed())
        .when(requested())
        .then(
            rows(
                "return_view",
                RETURN_COLUMNS + " customer_id channel reason requested_at",
                [
                    (
                        RETURN.id,
                        ORDER.id,
                        None,
                        "requested",
                        None,
                        None,
                        None,
                        False,
                        "cust-ada",
                        "store",
                        "too loud",
                        t(3000),
                    )
                ],
            )
        )
    )


async def test_a_return_of_a_till_sale_names_the_sale(spec: ProjectionSpec) -> None:
    sale = UUID(int=31)
    await spec.given(requested(order_id=None, sale_id=sale)).then(
        rows("return_view", "order_id sale_id status", [(None, sale, "requested")])
    )


RETURN_PATHS = {
    "received, inspected": ([], "inspected", None, False),
    "refunded, still to restock": ([refunded()], "inspected", Decimal("49.90"), False),
    "restocked, still to refund": ([restocked(1)], "inspected", None, True),
    "refunded then restocked": ([refunded(), restocked(1)], "closed", Decimal("49.90"), True),
    "restocked then refunded": ([restocked(1), refunded()], "closed", Decimal("49.90"), True),
}


@pytest.mark.parametrize("path", list(RETURN_PATHS))
async def test_a_return_closes_once_refunded_and_restocked(spec: ProjectionSpec, path: str) -> None:
    facts, status, refund, restock = RETURN_PATHS[path]
    await (
        spec.given(placed(), requested(), *inspected(resellable=1))
        .when(*facts)
        .then(
            rows(
                "return_view",
                RETURN_COLUMNS,
                [(RETURN.id, ORDER.id, None, status, "AMS-ZUID", refund, 1, restock)],
            )
        )
    )


async def test_a_return_with_nothing_to_resell_closes_when_refunded(spec: ProjectionSpec) -> None:
    await (
        spec.given(placed(), requested(), *inspected(resellable=0))
        .when(refunded())
        .then(rows("return_view", "status resellable restocked", [("closed", 0, False)]))
    )


async def test_a_withdrawn_return_is_cancelled(spec: ProjectionSpec) -> None:
    await (
        spec.given(placed(), requested())
        .when(
            RETURN.recorded(
                Return.Cancelled, reason="changed my mind", at=t(3010), context=SCHEDULER
            )
        )
        .then(answer(return_status, RETURN.id).equals(("cancelled", None)))
    )


async def test_a_collected_order_and_its_return_as_the_customer_sees_them(
    spec: ProjectionSpec,
) -> None:
    await spec.given(
        placed(),
        authorized(1),
        captured(90),
        ORDER.recorded(Order.Completed, at=t(91), context=STAFF),
        requested(),
        RETURN.recorded(Return.Received, location_id="AMS-ZUID", at=t(3100)),
    ).then(
        answer(order_summaries, "cust-ada").equals([(ORDER.id, "completed", Decimal("88.90"))]),
        answer(return_status, RETURN.id).equals(("received", "AMS-ZUID")),
        answer(return_status, UUID(int=404)).equals(None),
    )


async def order_summaries(pool: asyncpg.Pool, customer_id: str) -> list[tuple[UUID, str, Decimal]]:
    found = await orders.orders_of_customer(pool, customer_id, limit=10)
    return [(order.order_id, order.status, order.total) for order in found]


async def return_status(pool: asyncpg.Pool, return_id: UUID) -> tuple[str, str | None] | None:
    view = await orders.return_by_id(pool, return_id)
    return (view.status, view.location_id) if view is not None else None


async def test_a_merged_profiles_orders_and_returns_are_the_survivors(
    spec: ProjectionSpec,
) -> None:
    others = stream(3, LAPTOP)
    await (
        spec.given(
            placed(customer_id="cust-ada-old"),
            requested(customer_id="cust-ada-old"),
            placed(others, at=5),
        )
        .when(
            Stream(customer_profile_id("cust-ada-old")).recorded(
                CustomerProfile.MergedInto,
                customer_id="cust-ada-old",
                survivor_id="cust-ada",
                at=t(4000),
            )
        )
        .then(
            rows(
                "order_view",
                "order_id customer_id",
                [(ORDER.id, "cust-ada"), (others.id, "cust-ada")],
            ),
            rows("return_view", "return_id customer_id", [(RETURN.id, "cust-ada")]),
            answer(orders.orders_of_customer, "cust-ada-old", limit=10).equals([]),
        )
    )
