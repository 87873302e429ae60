"""Return: given past events, when a command, then new events or a refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic

from adapters.codec import EventCodec
from domain.returns.model import (
    AlreadyRefunded,
    AlreadyRestocked,
    EmptyReturn,
    ExceedsReturnable,
    InspectionMismatch,
    InspectionResult,
    InvalidQuantity,
    NothingToRestock,
    NotInspected,
    NotPurchased,
    NotYetFulfilled,
    RestockLine,
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
ARRIVED_AT = ASKED_AT + timedelta(hours=2)
JUDGED_AT = ARRIVED_AT + timedelta(hours=1)
LAMPS = ReturnLine("LAVA-LAMP", 2, Money.of("39.00"))
BOUGHT = {"LAVA-LAMP": 2, "RETRO-CLOCK": 1}
ONE_GOOD_ONE_BROKEN = [InspectionResult("LAVA-LAMP", 1, 1)]

REQUESTED = event(
    Return.Requested,
    order_id=ORDER,
    customer_id="cust-ada",
    lines=[LAMPS],
    reason="wrong colour",
    channel=ReturnChannel.STORE,
    requested_at=ASKED_AT,
    sale_id=None,
)
RECEIVED = event(Return.Received, location_id="AMS-ZUID", at=ARRIVED_AT)
INSPECTED = event(Return.Inspected, results=ONE_GOOD_ONE_BROKEN, at=JUDGED_AT)
ALL_BROKEN = event(Return.Inspected, results=[InspectionResult("LAVA-LAMP", 0, 2)], at=JUDGED_AT)
REFUNDED = event(
    Return.Refunded, amount=Money.of("78.00"), reference="refund-1", at=JUDGED_AT, points=0
)
RESTOCKED = event(
    Return.Restocked,
    location_id="AMS-ZUID",
    lines=[RestockLine("LAVA-LAMP", 1)],
    at=JUDGED_AT,
)


def ask(
    lines: list[ReturnLine],
    returned: dict[str, int] | None = None,
    fulfilled_at: datetime | None = COLLECTED_AT,
    at: datetime = ASKED_AT,
    bought: dict[str, int] = BOUGHT,
):  # type: ignore[no-untyped-def]
    return lambda _: Return.request(
        STREAM_ID,
        ORDER,
        "cust-ada",
        lines,
        "wrong colour",
        ReturnChannel.STORE,
        at,
        purchased=bought,
        already_returned=returned or {},
        fulfilled_at=fulfilled_at,
        window_days=30,
    )


class TestRequesting:
    def test_a_return_of_bought_units_is_requested(self) -> None:
        item = given().when(ask([LAMPS])).then(REQUESTED)
        assert item.status is ReturnStatus.REQUESTED
        assert item.returned_quantities == {"LAVA-LAMP": 2}

    def test_return_never_exceeds_bought_minus_already_returned(self) -> None:
        given().when(ask([LAMPS], returned={"LAVA-LAMP": 1})).then_raises(
            ExceedsReturnable, order_id=ORDER, sku="LAVA-LAMP", requested=2, returnable=1
        )

    def test_what_is_left_to_return_may_still_be_returned(self) -> None:
        one_lamp = ReturnLine("LAVA-LAMP", 1, Money.of("39.00"))
        item = (
            given()
            .when(ask([one_lamp], returned={"LAVA-LAMP": 1}))
            .then(
                event(
                    Return.Requested,
                    order_id=ORDER,
                    customer_id="cust-ada",
                    lines=[one_lamp],
                    reason="wrong colour",
                    channel=ReturnChannel.STORE,
                    requested_at=ASKED_AT,
                    sale_id=None,
                )
            )
        )
        assert item.returned_quantities == {"LAVA-LAMP": 1}

    def test_lines_of_the_same_product_count_together(self) -> None:
        one_lamp = ReturnLine("LAVA-LAMP", 1, Money.of("39.00"))
        given().when(ask([one_lamp, LAMPS])).then_raises(
            ExceedsReturnable, sku="LAVA-LAMP", requested=3, returnable=2
        )

    def test_cancelled_units_were_never_bought(self) -> None:
        given().when(ask([LAMPS], bought={"LAVA-LAMP": 0})).then_raises(
            ExceedsReturnable, sku="LAVA-LAMP", requested=2, returnable=0
        )

    def test_never_a_product_that_was_not_bought(self) -> None:
        given().when(ask([ReturnLine("VINYL-PLAYER", 1, Money.of("149.00"))])).then_raises(
            NotPurchased, order_id=ORDER, sku="VINYL-PLAYER"
        )

    def test_never_an_empty_return(self) -> None:
        given().when(ask([])).then_raises(EmptyReturn, order_id=ORDER)

    @pytest.mark.parametrize("quantity", [0, -1])
    def test_every_line_returns_at_least_one_unit(self, quantity: int) -> None:
        given().when(ask([ReturnLine("LAVA-LAMP", quantity, Money.of("39.00"))])).then_raises(
            InvalidQuantity, sku="LAVA-LAMP", quantity=quantity
        )

    def test_the_last_day_of_the_window_still_counts(self) -> None:
        last_moment = COLLECTED_AT + timedelta(days=30)
        item = given().when(ask([LAMPS], at=last_moment)).aggregate
        assert item is not None and item.requested_at == last_moment

    def test_only_within_the_return_window(self) -> None:
        given().when(ask([LAMPS], at=COLLECTED_AT + timedelta(days=30, seconds=1))).then_raises(
            ReturnWindowClosed, window_days=30, closed_at=COLLECTED_AT + timedelta(days=30)
        )

    def test_only_once_the_order_was_delivered_or_collected(self) -> None:
        given().when(ask([LAMPS], fulfilled_at=None)).then_raises(NotYetFulfilled, order_id=ORDER)


class TestReceiving:
    def test_received_at_any_store_which_is_where_it_will_be_restocked(self) -> None:
        item = given(REQUESTED).when(lambda r: r.receive("AMS-ZUID", ARRIVED_AT)).then(RECEIVED)
        assert (item.received_at_location, item.received_at) == ("AMS-ZUID", ARRIVED_AT)

    def test_received_only_once(self) -> None:
        given(REQUESTED, RECEIVED).when(lambda r: r.receive("AMS-ZUID", ARRIVED_AT)).then_raises(
            ReturnStateError, return_id=STREAM_ID, status="received"
        )


class TestInspecting:
    def test_inspection_judges_every_returned_unit(self) -> None:
        item = (
            given(REQUESTED, RECEIVED)
            .when(lambda r: r.inspect(ONE_GOOD_ONE_BROKEN, JUDGED_AT))
            .then(INSPECTED)
        )
        assert item.resellable_quantities == {"LAVA-LAMP": 1}

    def test_judgements_of_one_product_may_come_in_parts(self) -> None:
        parts = [InspectionResult("LAVA-LAMP", 1, 0), InspectionResult("LAVA-LAMP", 0, 1)]
        item = (
            given(REQUESTED, RECEIVED)
            .when(lambda r: r.inspect(parts, JUDGED_AT))
            .then(event(Return.Inspected, results=parts, at=JUDGED_AT))
        )
        assert item.resellable_quantities == {"LAVA-LAMP": 1}

    @pytest.mark.parametrize(
        "results",
        [
            [InspectionResult("LAVA-LAMP", 1, 0)],
            [InspectionResult("LAVA-LAMP", 2, 1)],
            [InspectionResult("LAVA-LAMP", 2, 0), InspectionResult("RETRO-CLOCK", 1, 0)],
        ],
    )
    def test_an_inspection_that_does_not_add_up_is_refused(
        self, results: list[InspectionResult]
    ) -> None:
        given(REQUESTED, RECEIVED).when(lambda r: r.inspect(results, JUDGED_AT)).then_raises(
            InspectionMismatch, return_id=STREAM_ID, expected={"LAVA-LAMP": 2}
        )

    def test_a_negative_judgement_is_refused(self) -> None:
        given(REQUESTED, RECEIVED).when(
            lambda r: r.inspect([InspectionResult("LAVA-LAMP", 3, -1)], JUDGED_AT)
        ).then_raises(InvalidQuantity, sku="LAVA-LAMP", quantity=-1)

    def test_nothing_is_inspected_before_it_arrives(self) -> None:
        given(REQUESTED).when(lambda r: r.inspect(ONE_GOOD_ONE_BROKEN, JUDGED_AT)).then_raises(
            ReturnStateError, status="requested"
        )


class TestRefunding:
    def test_every_returned_unit_is_refunded_at_the_price_paid_even_if_damaged(self) -> None:
        item = (
            given(REQUESTED, RECEIVED, INSPECTED)
            .when(lambda r: r.refund("refund-1", JUDGED_AT))
            .then(REFUNDED)
        )
        assert item.refunded == Money.of("78.00")
        assert item.status is ReturnStatus.INSPECTED  # the good lamp is not back on a shelf yet

    def test_refunded_only_once(self) -> None:
        given(REQUESTED, RECEIVED, INSPECTED, REFUNDED).when(
            lambda r: r.refund("refund-2", JUDGED_AT)
        ).then_raises(AlreadyRefunded, return_id=STREAM_ID)

    def test_no_refund_before_inspection(self) -> None:
        given(REQUESTED, RECEIVED).when(lambda r: r.refund("refund-1", JUDGED_AT)).then_raises(
            NotInspected, status="received"
        )

    def test_a_return_with_nothing_resellable_closes_once_refunded(self) -> None:
        item = (
            given(REQUESTED, RECEIVED, ALL_BROKEN)
            .when(lambda r: r.refund("refund-1", JUDGED_AT))
            .then(REFUNDED)
        )
        assert item.status is ReturnStatus.CLOSED


class TestRestocking:
    def test_restocks_only_resellable_units_where_received_and_then_closes(self) -> None:
        item = (
            given(REQUESTED, RECEIVED, INSPECTED, REFUNDED)
            .when(lambda r: r.restock(JUDGED_AT))
            .then(RESTOCKED)
        )
        assert item.status is ReturnStatus.CLOSED

    def test_restocking_first_waits_for_the_refund_to_close(self) -> None:
        item = (
            given(REQUESTED, RECEIVED, INSPECTED)
            .when(lambda r: r.restock(JUDGED_AT))
            .then(RESTOCKED)
        )
        assert item.status is ReturnStatus.INSPECTED

    def test_restock_reports_what_goes_back_on_the_shelves(self) -> None:
        item = given(REQUESTED, RECEIVED, INSPECTED).aggregate
        assert isinstance(item, Return) and item.restock(JUDGED_AT) == {"LAVA-LAMP": 1}

    def test_restocks_only_once(self) -> None:
        given(REQUESTED, RECEIVED, INSPECTED, RESTOCKED).when(
            lambda r: r.restock(JUDGED_AT)
        ).then_raises(AlreadyRestocked, return_id=STREAM_ID)

    def test_no_restock_before_inspection(self) -> None:
        given(REQUESTED, RECEIVED).when(lambda r: r.restock(JUDGED_AT)).then_raises(
            NotInspected, status="received"
        )

    def test_damaged_units_are_never_restocked(self) -> None:
        given(REQUESTED, RECEIVED, ALL_BROKEN).when(lambda r: r.restock(JUDGED_AT)).then_raises(
            NothingToRestock, return_id=STREAM_ID
        )


class TestCancelling:
    def test_a_return_is_withdrawn_before_the_goods_arrive(self) -> None:
        item = (
            given(REQUESTED)
            .when(lambda r: r.cancel("kept it", ASKED_AT))
            .then(event(Return.Cancelled, reason="kept it", at=ASKED_AT))
        )
        assert item.status is ReturnStatus.CANCELLED

    def test_not_once_the_goods_have_arrived(self) -> None:
        given(REQUESTED, RECEIVED).when(lambda r: r.cancel("kept it", ARRIVED_AT)).then_raises(
            ReturnStateError, status="received"
        )

    def test_a_withdrawn_return_is_never_received(self) -> None:
        cancelled = event(Return.Cancelled, reason="kept it", at=ASKED_AT)
        given(REQUESTED, cancelled).when(lambda r: r.receive("AMS-ZUID", ARRIVED_AT)).then_raises(
            ReturnStateError, status="cancelled"
        )


SALE = UUID("0f0f0f0f-0000-4000-8000-0000000000a1")


def ask_for_sale(lines: list[ReturnLine], returned: dict[str, int] | None = None):  # type: ignore[no-untyped-def]
    return lambda _: Return.request(
        STREAM_ID,
        None,
        None,
        lines,
        "too big",
        ReturnChannel.WEB,
        ASKED_AT,
        purchased=BOUGHT,
        already_returned=returned or {},
        fulfilled_at=COLLECTED_AT,
        window_days=30,
        sale_id=SALE,
    )


class TestReturningATillSale:
    def test_units_bought_at_a_till_are_requested_back_online(self) -> None:
        item = (
            given()
            .when(ask_for_sale([LAMPS]))
            .then(
                event(
                    Return.Requested,
                    order_id=None,
                    customer_id=None,
                    lines=[LAMPS],
                    reason="too big",
                    channel=ReturnChannel.WEB,
                    requested_at=ASKED_AT,
                    sale_id=SALE,
                )
            )
        )
        assert item.purchase_id == SALE and item.order_id is None

    def test_never_more_than_sold_minus_already_returned(self) -> None:
        given().when(ask_for_sale([LAMPS], returned={"LAVA-LAMP": 1})).then_raises(
            ExceedsReturnable, sale_id=SALE, sku="LAVA-LAMP", requested=2, returnable=1
        )

    def test_a_return_names_exactly_one_purchase(self) -> None:
        with pytest.raises(ValueError, match="exactly one"):
            Return.request(
                STREAM_ID,
                ORDER,
                None,
                [LAMPS],
                "too big",
                ReturnChannel.WEB,
                ASKED_AT,
                purchased=BOUGHT,
                already_returned={},
                fulfilled_at=COLLECTED_AT,
                window_days=30,
                sale_id=SALE,
            )


class TestStoredForm:
    def decode(self, event_class: type, stored: bytes) -> object:
        return EventCodec().decode(STREAM_ID, 4, get_topic(event_class), 1, stored)

    def test_a_version_1_inspection_reads_with_named_quantities(self) -> None:
        stored = (
            b'{"timestamp":"2026-11-05T18:00:00Z","at":"2026-11-05T18:00:00Z",'
            b'"results":[{"sku":"LAVA-LAMP","resellable":1,"damaged":1}]}'
        )
        inspected = self.decode(Return.Inspected, stored)
        assert isinstance(inspected, Return.Inspected)
        assert inspected.results == ONE_GOOD_ONE_BROKEN and inspected.at == JUDGED_AT

    def test_a_version_1_request_reads_as_a_return_of_an_order(self) -> None:
        stored = (
            b'{"timestamp":"2026-11-05T18:00:00Z","originator_topic":"domain.returns.model:Return",'
            b'"order_id":"0f0f0f0f-0000-4000-8000-000000000002","customer_id":"cust-ada",'
            b'"lines":[{"sku":"LAVA-LAMP","quantity":2,"unit_price":{"amount":"39.00",'
            b'"currency":"EUR"}}],"reason":"wrong colour","channel":"store",'
            b'"requested_at":"2026-11-05T15:00:00Z"}'
        )
        requested = self.decode(Return.Requested, stored)
        assert isinstance(requested, Return.Requested)
        assert (requested.order_id, requested.sale_id) == (ORDER, None)
        assert requested.lines == [LAMPS]

    def test_a_version_1_restock_reads_as_lines(self) -> None:
        stored = (
            b'{"timestamp":"2026-11-05T18:00:00Z","at":"2026-11-05T18:00:00Z",'
            b'"location_id":"AMS-ZUID","quantities":{"LAVA-LAMP":1}}'
        )
        restocked = self.decode(Return.Restocked, stored)
        assert isinstance(restocked, Return.Restocked)
        assert restocked.lines == [RestockLine("LAVA-LAMP", 1)]

    def test_every_state_attribute_survives_a_snapshot(self) -> None:
        item = given(REQUESTED, RECEIVED, INSPECTED, REFUNDED).aggregate
        assert isinstance(item, Return)
        codec, snapshot = EventCodec(), Snapshot.take(item)
        restored = codec.decode_snapshot(
            STREAM_ID, item.version, snapshot.topic, codec.encode_snapshot(snapshot), JUDGED_AT
        ).mutate(None)
        assert vars(restored) == vars(item)
