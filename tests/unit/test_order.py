"""Order: given past events, when a command, then new events or a refusal."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from eventsourcing.utils import get_topic

from adapters.codec import EventCodec
from domain.order.model import (
    Fulfillment,
    FulfillmentMethod,
    Order,
    OrderClosed,
    OrderLine,
    OrderStatus,
    PaymentStateError,
    UnknownOrderLine,
)
from domain.values import Channel, Money
from tests.gwt import STREAM_ID, event, given

CART = UUID("0c0c0c0c-0000-4000-8000-000000000001")
RETURN = UUID("0e0e0e0e-0000-4000-8000-000000000001")
AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
LINES = [
    OrderLine("L1", "RETRO-CLOCK", 2, Money.of("24.95")),
    OrderLine("L2", "LAVA-LAMP", 1, Money.of("39.00")),
]
PICKUP = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
PLACED = event(
    Order.Placed,
    cart_id=CART,
    customer_id="cust-ada",
    channel=Channel.WEB,
    lines=LINES,
    currency="EUR",
    total=Money.of("88.90"),
    fulfillment=PICKUP,
    placed_at=AT,
)
AUTHORIZED = event(Order.PaymentAuthorized, reference="auth-1", amount=Money.of("88.90"), at=AT)
CAPTURED = event(Order.PaymentCaptured, reference="cap-1", amount=Money.of("88.90"), at=AT)
COMPLETED = event(Order.Completed, at=AT)
CANCELLED = event(Order.Cancelled, reason="changed my mind", at=AT)


def test_placing_an_order_totals_its_lines() -> None:
    order = (
        given()
        .when(lambda _: Order.place(STREAM_ID, CART, "cust-ada", Channel.WEB, LINES, PICKUP, AT))
        .then(PLACED)
    )
    assert order.status is OrderStatus.PLACED
    assert order.purchased_quantities() == {"RETRO-CLOCK": 2, "LAVA-LAMP": 1}


class TestPayment:
    def test_authorizes_the_total(self) -> None:
        order = given(PLACED).when(lambda o: o.authorize_payment("auth-1", AT)).then(AUTHORIZED)
        assert order.status is OrderStatus.PAYMENT_AUTHORIZED

    def test_cannot_authorize_twice(self) -> None:
        given(PLACED, AUTHORIZED).when(lambda o: o.authorize_payment("auth-2", AT)).then_raises(
            PaymentStateError, status="payment_authorized"
        )

    def test_a_declined_payment_is_recorded_and_may_be_retried(self) -> None:
        failed = event(Order.PaymentFailed, reason="card declined", at=AT)
        given(PLACED).when(lambda o: o.fail_payment("card declined", AT)).then(failed)
        given(PLACED, failed).when(lambda o: o.authorize_payment("auth-2", AT)).then(
            event(Order.PaymentAuthorized, reference="auth-2", amount=Money.of("88.90"), at=AT)
        )

    def test_captures_the_total_less_cancelled_lines(self) -> None:
        short = event(
            Order.LineCancelled,
            line_id="L1",
            sku="RETRO-CLOCK",
            quantity=1,
            amount_due_back=Money.of("24.95"),
            reason="shelf short",
            at=AT,
        )
        given(PLACED, AUTHORIZED, short).when(lambda o: o.capture_payment("cap-1", AT)).then(
            event(Order.PaymentCaptured, reference="cap-1", amount=Money.of("63.95"), at=AT)
        )

    def test_cannot_capture_before_authorizing(self) -> None:
        given(PLACED).when(lambda o: o.capture_payment("cap-1", AT)).then_raises(PaymentStateError)


class TestLinesAndClosing:
    def test_a_short_line_is_cancelled_and_its_amount_owed_back(self) -> None:
        order = (
            given(PLACED, AUTHORIZED)
            .when(lambda o: o.cancel_line("L1", 2, "shelf short", AT))
            .then(
                event(
                    Order.LineCancelled,
                    line_id="L1",
                    sku="RETRO-CLOCK",
                    quantity=2,
                    amount_due_back=Money.of("49.90"),
                    reason="shelf short",
                    at=AT,
                )
            )
        )
        assert order.purchased_quantities() == {"RETRO-CLOCK": 0, "LAVA-LAMP": 1}

    def test_an_unknown_line_cannot_be_cancelled(self) -> None:
        given(PLACED).when(lambda o: o.cancel_line("L9", 1, "shelf short", AT)).then_raises(
            UnknownOrderLine, line_id="L9"
        )

    def test_cannot_cancel_more_units_than_the_line_has(self) -> None:
        given(PLACED).when(lambda o: o.cancel_line("L2", 2, "shelf short", AT)).then_raises(
            UnknownOrderLine, quantity=2
        )

    def test_cancels_an_open_order(self) -> None:
        order = given(PLACED).when(lambda o: o.cancel("changed my mind", AT)).then(CANCELLED)
        assert order.status is OrderStatus.CANCELLED

    def test_a_cancelled_order_accepts_nothing_more(self) -> None:
        given(PLACED, CANCELLED).when(lambda o: o.authorize_payment("auth-1", AT)).then_raises(
            OrderClosed, status="cancelled"
        )

    def test_completes_a_paid_order(self) -> None:
        order = given(PLACED, AUTHORIZED, CAPTURED).when(lambda o: o.complete(AT)).then(COMPLETED)
        assert order.fulfilled_at == AT

    def test_cannot_complete_an_unpaid_order(self) -> None:
        given(PLACED, AUTHORIZED).when(lambda o: o.complete(AT)).then_raises(PaymentStateError)

    def test_cannot_cancel_a_completed_order(self) -> None:
        given(PLACED, AUTHORIZED, CAPTURED, COMPLETED).when(
            lambda o: o.cancel("too late", AT)
        ).then_raises(OrderClosed, status="completed")

    def test_an_opened_return_counts_units_as_coming_back(self) -> None:
        order = (
            given(PLACED, AUTHORIZED, CAPTURED, COMPLETED)
            .when(lambda o: o.open_return(RETURN, {"LAVA-LAMP": 1}))
            .then(event(Order.ReturnOpened, return_id=RETURN, quantities={"LAVA-LAMP": 1}))
        )
        assert order.returned_quantities == {"LAVA-LAMP": 1}


class TestVersionOneEvents:
    def test_a_payment_recorded_before_business_times_took_its_timestamp(self) -> None:
        stored = (
            b'{"timestamp":"2026-11-02T09:30:00Z","reference":"auth-1",'
            b'"amount":{"amount":"88.90","currency":"EUR"}}'
        )
        topic = get_topic(Order.PaymentAuthorized)
        authorized = EventCodec().decode(STREAM_ID, 2, topic, 1, stored)
        assert isinstance(authorized, Order.PaymentAuthorized)
        assert authorized.at == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

    def test_a_line_cancelled_before_business_times_took_its_timestamp(self) -> None:
        stored = (
            b'{"timestamp":"2026-11-02T10:00:00Z","line_id":"L1","sku":"RETRO-CLOCK",'
            b'"quantity":1,"amount_due_back":{"amount":"24.95","currency":"EUR"},'
            b'"reason":"shelf short"}'
        )
        topic = get_topic(Order.LineCancelled)
        short = EventCodec().decode(STREAM_ID, 3, topic, 1, stored)
        assert isinstance(short, Order.LineCancelled)
        assert short.at == datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
