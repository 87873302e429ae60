"""StockItem: given past movements, when a command, then new movements or a refusal."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest
from eventsourcing.domain import Snapshot
from eventsourcing.utils import get_topic

from adapters.codec import EventCodec
from domain.stock.model import (
    RECENT_SALES_KEPT,
    InsufficientStock,
    InvalidPosSale,
    InvalidStockQuantity,
    ReservationNotFound,
    StockItem,
)
from domain.values import stock_item_id
from tests.gwt import STREAM_ID, EventSpec, event, given

ORDER = UUID("0a0a0a0a-0000-4000-8000-000000000001")
OTHER_ORDER = UUID("0a0a0a0a-0000-4000-8000-000000000002")
RETURN = UUID("0b0b0b0b-0000-4000-8000-000000000001")
WHERE = {"location_id": "AMS-ZUID", "sku": "LAVA-LAMP"}
OPENED = event(StockItem.Created, **WHERE)


def with_on_hand(quantity: int) -> list[EventSpec]:
    return [OPENED, event(StockItem.Received, quantity=quantity, reference="delivery-7")]


def with_reserved(on_hand: int, reserved: int, order_id: UUID = ORDER) -> list[EventSpec]:
    held = event(StockItem.Reserved, order_id=order_id, quantity=reserved)
    return [*with_on_hand(on_hand), held]


def sold(sale_id: str, quantity: int, believed: int, shortfall: int = 0) -> EventSpec:
    return event(
        StockItem.SoldAtPos,
        sale_id=sale_id,
        terminal_id="till-3",
        quantity=quantity,
        believed_on_hand=believed,
        shortfall=shortfall,
    )


def item_after(*history: EventSpec) -> StockItem:
    item = given(*history).aggregate
    assert isinstance(item, StockItem)
    return item


def oversold(uncovered: int, reserved: int, on_hand: int) -> EventSpec:
    return event(StockItem.Oversold, uncovered=uncovered, reserved=reserved, on_hand=on_hand)


def counted(number: int, previous: int, reason: str = "cycle count") -> EventSpec:
    return event(
        StockItem.Adjusted,
        counted=number,
        previous_on_hand=previous,
        delta=number - previous,
        reason=reason,
    )


class TestOpening:
    def test_the_stock_item_of_a_location_and_sku_always_has_the_same_id(self) -> None:
        item = given().when(lambda _: StockItem.create("AMS-ZUID", "LAVA-LAMP")).then(OPENED)
        assert item.id == stock_item_id("AMS-ZUID", "LAVA-LAMP")
        assert StockItem.create("AMS-ZUID", "RETRO-CLOCK").id != item.id

    def test_constructing_directly_derives_the_same_id(self) -> None:
        assert StockItem(**WHERE).id == stock_item_id("AMS-ZUID", "LAVA-LAMP")

    def test_a_new_item_holds_nothing(self) -> None:
        item = item_after(OPENED)
        assert (item.on_hand, item.reserved, item.available, item.discrepancy) == (0, 0, 0, 0)


class TestReceiving:
    def test_goods_in_raise_on_hand(self) -> None:
        item = (
            given(OPENED)
            .when(lambda s: s.receive(4, "delivery-7"))
            .then(event(StockItem.Received, quantity=4, reference="delivery-7"))
        )
        assert (item.on_hand, item.available) == (4, 4)

    @pytest.mark.parametrize("quantity", [0, -2])
    def test_nothing_or_less_cannot_be_received(self, quantity: int) -> None:
        given(OPENED).when(lambda s: s.receive(quantity, "delivery-7")).then_raises(
            InvalidStockQuantity, quantity=quantity, **WHERE
        )


class TestReserving:
    def test_reserves_out_of_what_is_available(self) -> None:
        item = (
            given(*with_on_hand(3))
            .when(lambda s: s.reserve(ORDER, 2))
            .then(event(StockItem.Reserved, order_id=ORDER, quantity=2))
        )
        assert (item.reserved, item.available, item.reserved_for(ORDER)) == (2, 1, 2)

    def test_a_reservation_never_makes_available_negative(self) -> None:
        given(*with_reserved(3, 2)).when(lambda s: s.reserve(OTHER_ORDER, 2)).then_raises(
            InsufficientStock, requested=2, available=1, **WHERE
        )

    def test_the_last_unit_goes_to_the_first_checkout_only(self) -> None:
        last_unit_taken = [
            *with_reserved(3, 2),
            event(StockItem.Reserved, order_id=ORDER, quantity=1),
        ]
        given(*last_unit_taken).when(lambda s: s.reserve(OTHER_ORDER, 1)).then_raises(
            InsufficientStock, requested=1, available=0
        )

    def test_the_last_unit_can_be_reserved(self) -> None:
        item = (
            given(*with_reserved(3, 2))
            .when(lambda s: s.reserve(OTHER_ORDER, 1))
            .then(event(StockItem.Reserved, order_id=OTHER_ORDER, quantity=1))
        )
        assert item.available == 0

    def test_a_second_reservation_for_the_same_order_adds_up(self) -> None:
        item = (
            given(*with_reserved(5, 2))
            .when(lambda s: s.reserve(ORDER, 1))
            .then(event(StockItem.Reserved, order_id=ORDER, quantity=1))
        )
        assert (item.reserved_for(ORDER), item.reserved) == (3, 3)

    def test_nothing_is_reserved_out_of_a_shortfall(self) -> None:
        # A count below the reservations leaves available negative; it reports 0 to reserve.
        short = [*with_reserved(5, 4), counted(2, previous=5)]
        given(*short).when(lambda s: s.reserve(OTHER_ORDER, 1)).then_raises(
            InsufficientStock, requested=1, available=0
        )

    @pytest.mark.parametrize("quantity", [0, -1])
    def test_reserving_nothing_or_less_is_refused(self, quantity: int) -> None:
        given(*with_on_hand(3)).when(lambda s: s.reserve(ORDER, quantity)).then_raises(
            InvalidStockQuantity, quantity=quantity
        )


class TestReleasing:
    def test_releases_all_an_order_holds_by_default(self) -> None:
        item = (
            given(*with_reserved(3, 2))
            .when(lambda s: s.release(ORDER, "expired"))
            .then(
                event(StockItem.ReservationReleased, order_id=ORDER, quantity=2, reason="expired")
            )
        )
        assert (item.reserved, item.available, item.reservations) == (0, 3, {})

    def test_releases_part_of_a_reservation(self) -> None:
        item = (
            given(*with_reserved(3, 2))
            .when(lambda s: s.release(ORDER, "shelf short", 1))
            .then(
                event(
                    StockItem.ReservationReleased, order_id=ORDER, quantity=1, reason="shelf short"
                )
            )
        )
        assert (item.reserved_for(ORDER), item.available) == (1, 2)

    def test_leaves_other_orders_reservations_alone(self) -> None:
        both = [*with_reserved(5, 2), event(StockItem.Reserved, order_id=OTHER_ORDER, quantity=3)]
        item = (
            given(*both)
            .when(lambda s: s.release(ORDER, "cancelled"))
            .then(
                event(StockItem.ReservationReleased, order_id=ORDER, quantity=2, reason="cancelled")
            )
        )
        assert (item.reserved_for(ORDER), item.reserved_for(OTHER_ORDER)) == (0, 3)

    @pytest.mark.parametrize("quantity", [3, 0, -1])
    def test_cannot_release_more_than_held_or_nothing(self, quantity: int) -> None:
        given(*with_reserved(3, 2)).when(lambda s: s.release(ORDER, "short", quantity)).then_raises(
            InvalidStockQuantity, order_id=ORDER, quantity=quantity, reserved=2
        )

    def test_cannot_release_what_an_order_never_held(self) -> None:
        given(*with_on_hand(3)).when(lambda s: s.release(ORDER, "expired")).then_raises(
            ReservationNotFound, order_id=ORDER, **WHERE
        )

    def test_cannot_release_twice(self) -> None:
        released = event(StockItem.ReservationReleased, order_id=ORDER, quantity=2, reason="x")
        given(*with_reserved(3, 2), released).when(
            lambda s: s.release(ORDER, "expired")
        ).then_raises(ReservationNotFound, order_id=ORDER)


class TestConsuming:
    def test_handing_over_takes_units_off_the_shelf(self) -> None:
        item = (
            given(*with_reserved(3, 2))
            .when(lambda s: s.consume(ORDER))
            .then(event(StockItem.ReservationConsumed, order_id=ORDER, quantity=2, shortfall=0))
        )
        assert (item.on_hand, item.reserved, item.available) == (1, 0, 1)

    def test_part_of_a_reservation_can_be_shipped(self) -> None:
        item = (
            given(*with_reserved(3, 2))
            .when(lambda s: s.consume(ORDER, 1))
            .then(event(StockItem.ReservationConsumed, order_id=ORDER, quantity=1, shortfall=0))
        )
        assert (item.on_hand, item.reserved_for(ORDER), item.available) == (2, 1, 1)

    def test_handing_over_units_the_books_lost_is_recorded_as_a_discrepancy(self) -> None:
        # A till sold one of the two set-aside lamps, yet staff still handed over two.
        history = [*with_reserved(2, 2), sold("S-1", 1, believed=2)]
        item = (
            given(*history)
            .when(lambda s: s.consume(ORDER))
            .then(event(StockItem.ReservationConsumed, order_id=ORDER, quantity=2, shortfall=1))
        )
        assert (item.on_hand, item.reserved, item.discrepancy) == (0, 0, 1)

    def test_cannot_consume_without_a_reservation(self) -> None:
        given(*with_on_hand(3)).when(lambda s: s.consume(ORDER)).then_raises(
            ReservationNotFound, order_id=ORDER, **WHERE
        )

    @pytest.mark.parametrize("quantity", [3, 0])
    def test_cannot_consume_more_than_held_or_nothing(self, quantity: int) -> None:
        given(*with_reserved(3, 2)).when(lambda s: s.consume(ORDER, quantity)).then_raises(
            InvalidStockQuantity, order_id=ORDER, quantity=quantity, reserved=2
        )


class TestCounting:
    def test_a_count_sets_on_hand_and_records_the_difference(self) -> None:
        item = (
            given(*with_on_hand(5))
            .when(lambda s: s.adjust(3, "cycle count"))
            .then(counted(3, previous=5))
        )
        assert item.on_hand == 3

    def test_a_count_below_reservations_is_still_recorded(self) -> None:
        item = (
            given(*with_reserved(5, 4))
            .when(lambda s: s.adjust(2, "broken"))
            .then(counted(2, previous=5, reason="broken"), oversold(2, reserved=4, on_hand=2))
        )
        # Reality wins over reservations: they stay, and available shows the missing units.
        assert (item.on_hand, item.reserved, item.available, item.oversold) == (2, 4, -2, 2)

    def test_a_count_that_covers_the_reservations_flags_nothing(self) -> None:
        given(*with_reserved(5, 4)).when(lambda s: s.adjust(4, "count")).then(
            counted(4, previous=5, reason="count")
        )

    def test_an_oversold_item_counted_lower_again_is_flagged_again(self) -> None:
        history = [*with_reserved(5, 4), counted(3, previous=5), oversold(1, reserved=4, on_hand=3)]
        given(*history).when(lambda s: s.adjust(1, "count")).then(
            counted(1, previous=3, reason="count"), oversold(3, reserved=4, on_hand=1)
        )

    def test_an_oversold_item_counted_no_lower_is_not_flagged_again(self) -> None:
        history = [*with_reserved(5, 4), counted(3, previous=5), oversold(1, reserved=4, on_hand=3)]
        item = (
            given(*history)
            .when(lambda s: s.adjust(3, "recount"))
            .then(counted(3, previous=3, reason="recount"))
        )
        assert item.oversold == 1

    def test_a_count_that_matches_is_recorded_as_a_confirmation(self) -> None:
        given(*with_on_hand(5)).when(lambda s: s.adjust(5, "cycle count")).then(
            counted(5, previous=5)
        )

    def test_a_count_does_not_erase_the_discrepancy_history(self) -> None:
        history = [OPENED, sold("S-1", 2, believed=0, shortfall=2)]
        item = (
            given(*history)
            .when(lambda s: s.adjust(4, "count"))
            .then(counted(4, previous=0, reason="count"))
        )
        assert (item.on_hand, item.discrepancy) == (4, 2)

    def test_a_negative_count_is_refused(self) -> None:
        given(*with_on_hand(5)).when(lambda s: s.adjust(-1, "typo")).then_raises(
            InvalidStockQuantity, quantity=-1, **WHERE
        )


class TestPosSales:
    def test_a_sale_lowers_on_hand(self) -> None:
        item = (
            given(*with_on_hand(5))
            .when(lambda s: s.sell_at_pos("S-1", "till-3", 2))
            .then(sold("S-1", 2, believed=5))
        )
        assert (item.on_hand, item.discrepancy) == (3, 0)

    def test_a_sale_is_recorded_even_when_stock_was_believed_zero(self) -> None:
        item = (
            given(OPENED)
            .when(lambda s: s.sell_at_pos("S-2", "till-3", 2))
            .then(sold("S-2", 2, believed=0, shortfall=2))
        )
        assert (item.on_hand, item.discrepancy) == (0, 2)

    def test_a_sale_beyond_on_hand_records_only_the_missing_units(self) -> None:
        item = (
            given(*with_on_hand(1))
            .when(lambda s: s.sell_at_pos("S-2", "till-3", 3))
            .then(sold("S-2", 3, believed=1, shortfall=2))
        )
        assert (item.on_hand, item.discrepancy) == (0, 2)

    def test_a_sale_of_reserved_units_is_recorded_and_shows_the_shortfall(self) -> None:
        item = (
            given(*with_reserved(2, 2))
            .when(lambda s: s.sell_at_pos("S-4", "till-3", 1))
            .then(sold("S-4", 1, believed=2), oversold(1, reserved=2, on_hand=1))
        )
        # The sale stands; the reservation it ate is flagged, as a discrepancy staff can see.
        assert (item.on_hand, item.reserved, item.available, item.oversold) == (1, 2, -1, 1)

    def test_a_sale_of_unreserved_units_flags_nothing(self) -> None:
        item = (
            given(*with_reserved(3, 2))
            .when(lambda s: s.sell_at_pos("S-5", "till-3", 1))
            .then(sold("S-5", 1, believed=3))
        )
        assert item.oversold == 0

    def test_a_retried_upload_of_the_same_sale_records_nothing(self) -> None:
        given(*with_on_hand(5), sold("S-1", 2, believed=5)).when(
            lambda s: s.sell_at_pos("S-1", "till-3", 2)
        ).then_nothing()

    def test_the_same_sale_id_from_another_till_is_another_sale(self) -> None:
        # Tills number their sales independently; the use case's key also names the till.
        item = (
            given(*with_on_hand(5), sold("S-1", 2, believed=5))
            .when(lambda s: s.sell_at_pos("S-1", "till-4", 1))
            .then(
                event(
                    StockItem.SoldAtPos,
                    sale_id="S-1",
                    terminal_id="till-4",
                    quantity=1,
                    believed_on_hand=3,
                    shortfall=0,
                )
            )
        )
        assert item.on_hand == 2

    def test_only_the_most_recent_sales_are_remembered(self) -> None:
        sales = [sold(f"S-{n}", 1, believed=0, shortfall=1) for n in range(RECENT_SALES_KEPT + 1)]
        item = item_after(OPENED, *sales)
        assert len(item.recent_sales) == RECENT_SALES_KEPT
        given(OPENED, *sales).when(lambda s: s.sell_at_pos("S-1", "till-3", 1)).then_nothing()
        # The oldest is forgotten: only the use case's idempotency key still guards it.
        given(OPENED, *sales).when(lambda s: s.sell_at_pos("S-0", "till-3", 1)).then(
            sold("S-0", 1, believed=0, shortfall=1)
        )

    @pytest.mark.parametrize("quantity", [0, -1])
    def test_a_sale_of_nothing_or_less_is_refused(self, quantity: int) -> None:
        given(*with_on_hand(5)).when(
            lambda s: s.sell_at_pos("S-3", "till-3", quantity)
        ).then_raises(InvalidStockQuantity, quantity=quantity)

    def test_a_sale_without_an_id_is_refused(self) -> None:
        given(*with_on_hand(5)).when(lambda s: s.sell_at_pos("", "till-3", 1)).then_raises(
            InvalidPosSale, location_id="AMS-ZUID", terminal_id="till-3"
        )


class TestRestocking:
    def test_returned_units_go_back_on_hand(self) -> None:
        item = (
            given(*with_on_hand(1))
            .when(lambda s: s.restock(RETURN, 2))
            .then(event(StockItem.Restocked, return_id=RETURN, quantity=2))
        )
        assert (item.on_hand, item.available) == (3, 3)

    @pytest.mark.parametrize("quantity", [0, -1])
    def test_restocking_nothing_or_less_is_refused(self, quantity: int) -> None:
        given(*with_on_hand(1)).when(lambda s: s.restock(RETURN, quantity)).then_raises(
            InvalidStockQuantity, quantity=quantity
        )


class TestStoredForm:
    def decode_v1(self, event_class: type, payload: bytes) -> object:
        stored = b'{"timestamp":"2026-11-02T09:30:00Z",' + payload + b"}"
        return EventCodec().decode(STREAM_ID, 3, get_topic(event_class), 1, stored)

    def test_a_version_1_count_reads_with_the_previous_on_hand(self) -> None:
        adjusted = self.decode_v1(StockItem.Adjusted, b'"counted":3,"delta":-2,"reason":"count"')
        assert isinstance(adjusted, StockItem.Adjusted)
        assert (adjusted.counted, adjusted.previous_on_hand, adjusted.delta) == (3, 5, -2)

    def test_a_version_1_sale_reads_with_what_it_implies_was_believed(self) -> None:
        payload = b'"sale_id":"S-1","terminal_id":"till-3","quantity":3,"shortfall":2'
        sale = self.decode_v1(StockItem.SoldAtPos, payload)
        assert isinstance(sale, StockItem.SoldAtPos)
        assert (sale.believed_on_hand, sale.shortfall) == (1, 2)

    def test_a_version_1_hand_over_reads_without_a_shortfall(self) -> None:
        payload = f'"order_id":"{ORDER}","quantity":2'.encode()
        consumed = self.decode_v1(StockItem.ReservationConsumed, payload)
        assert isinstance(consumed, StockItem.ReservationConsumed)
        assert (consumed.order_id, consumed.quantity, consumed.shortfall) == (ORDER, 2, 0)

    def test_every_state_attribute_survives_a_snapshot(self) -> None:
        history = [*with_reserved(5, 2), sold("S-1", 4, believed=5), counted(6, previous=1)]
        item = item_after(*history)
        codec, snapshot = EventCodec(), Snapshot.take(item)
        taken_at = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
        restored = codec.decode_snapshot(
            STREAM_ID, item.version, snapshot.topic, codec.encode_snapshot(snapshot), taken_at
        ).mutate(None)
        assert vars(restored) == vars(item)
