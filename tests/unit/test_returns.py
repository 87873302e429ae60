"""Return: given past events, when a command, then new events or a refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.returns.model import (
    ExceedsReturnable,
    Inspection,
    InvalidReturn,
    NotPurchased,
    NotYetFulfilled,
    Return,
    ReturnChannel,
    ReturnLine,
    ReturnStateError,
    ReturnStatus,
    ReturnWindowClosed,
)
from domain.values import Money
from tests.gwt import STREAM_ID, event, given

ORDER = UUID("0f0f0f0f-0000-4000-8000-000000000002")
COLLECTED_AT = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
ASKED_AT = COLLECTED_AT + timedelta(days=3)
LAMP = ReturnLine("LAVA-LAMP", 2, Money.of("39.00"))
BOUGHT = {"LAVA-LAMP": 2, "RETRO-CLOCK": 1}

REQUESTED = event(
    Return.Requested,
    order_id=ORDER,
    customer_id="cust-ada",
    lines=[LAMP],
    reason="wrong colour",
    channel=ReturnChannel.STORE,
    requested_at=ASKED_AT,
)
RECEIVED = event(Return.Received, location_id="AMS-ZUID", at=ASKED_AT)
INSPECTED = event(Return.Inspected, results=[Inspection("LAVA-LAMP", 1, 1)], at=ASKED_AT)
REFUNDED = event(Return.Refunded, amount=Money.of("78.00"), reference="refund-1", at=ASKED_AT)


def ask(
    lines: list[ReturnLine],
    returned: dict[str, int] | None = None,
    fulfilled_at: datetime | None = COLLECTED_AT,
    at: datetime = ASKED_AT,
):  # type: ignore[no-untyped-def]
    return lambda _: Return.request(
        STREAM_ID,
        ORDER,
        "cust-ada",
        lines,
        "wrong colour",
        ReturnChannel.STORE,
        at,
        purchased=BOUGHT,
        already_returned=returned or {},
        fulfilled_at=fulfilled_at,
        window_days=30,
    )


class TestRequesting:
    def test_a_return_of_bought_units_is_requested(self) -> None:
        given().when(ask([LAMP])).then(REQUESTED)

    def test_never_more_than_bought_minus_already_returned(self) -> None:
        given().when(ask([LAMP], returned={"LAVA-LAMP": 1})).then_raises(
            ExceedsReturnable, sku="LAVA-LAMP", requested=2, returnable=1
        )

    def test_never_a_product_that_was_not_bought(self) -> None:
        given().when(ask([ReturnLine("VINYL-PLAYER", 1, Money.of("149.00"))])).then_raises(
            NotPurchased, sku="VINYL-PLAYER"
        )

    def test_never_an_empty_or_negative_return(self) -> None:
        given().when(ask([])).then_raises(InvalidReturn)
        given().when(ask([ReturnLine("LAVA-LAMP", 0, Money.of("39.00"))])).then_raises(
            InvalidReturn, quantity=0
        )

    def test_only_within_the_return_window(self) -> None:
        given().when(ask([LAMP], at=COLLECTED_AT + timedelta(days=31))).then_raises(
            ReturnWindowClosed, window_days=30
        )

    def test_only_once_the_order_was_handed_over(self) -> None:
        given().when(ask([LAMP], fulfilled_at=None)).then_raises(NotYetFulfilled)


class TestLifecycle:
    def test_received_at_any_store(self) -> None:
        item = given(REQUESTED).when(lambda r: r.receive("AMS-ZUID", ASKED_AT)).then(RECEIVED)
        assert item.received_at_location == "AMS-ZUID"

    def test_received_only_once(self) -> None:
        given(REQUESTED, RECEIVED).when(lambda r: r.receive("AMS-ZUID", ASKED_AT)).then_raises(
            ReturnStateError, status="received"
        )

    def test_inspection_judges_every_returned_unit(self) -> None:
        given(REQUESTED, RECEIVED).when(
            lambda r: r.inspect([Inspection("LAVA-LAMP", 1, 1)], ASKED_AT)
        ).then(INSPECTED)

    def test_an_inspection_that_does_not_add_up_is_refused(self) -> None:
        given(REQUESTED, RECEIVED).when(
            lambda r: r.inspect([Inspection("LAVA-LAMP", 1, 0)], ASKED_AT)
        ).then_raises(InvalidReturn)

    def test_refunds_every_returned_unit_at_the_price_paid_once(self) -> None:
        given(REQUESTED, RECEIVED, INSPECTED).when(lambda r: r.refund("refund-1", ASKED_AT)).then(
            REFUNDED
        )
        given(REQUESTED, RECEIVED, INSPECTED, REFUNDED).when(
            lambda r: r.refund("refund-2", ASKED_AT)
        ).then_raises(ReturnStateError)

    def test_no_refund_before_inspection(self) -> None:
        given(REQUESTED, RECEIVED).when(lambda r: r.refund("refund-1", ASKED_AT)).then_raises(
            ReturnStateError, status="received"
        )

    def test_restocks_only_resellable_units_where_received_and_then_closes(self) -> None:
        item = (
            given(REQUESTED, RECEIVED, INSPECTED, REFUNDED)
            .when(lambda r: r.restock(ASKED_AT))
            .then(
                event(
                    Return.Restocked,
                    location_id="AMS-ZUID",
                    quantities={"LAVA-LAMP": 1},
                    at=ASKED_AT,
                )
            )
        )
        assert item.status is ReturnStatus.CLOSED

    def test_restocks_only_once(self) -> None:
        restocked = event(
            Return.Restocked, location_id="AMS-ZUID", quantities={"LAVA-LAMP": 1}, at=ASKED_AT
        )
        given(REQUESTED, RECEIVED, INSPECTED, restocked).when(
            lambda r: r.restock(ASKED_AT)
        ).then_raises(ReturnStateError, status="restocked")
