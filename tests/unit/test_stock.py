"""StockItem: given past movements, when a command, then new movements or a refusal."""

from __future__ import annotations

from uuid import UUID

from domain.stock.model import (
    InsufficientStock,
    InvalidStockQuantity,
    ReservationNotFound,
    StockItem,
)
from tests.gwt import event, given

ORDER = UUID("0a0a0a0a-0000-4000-8000-000000000001")
OTHER_ORDER = UUID("0a0a0a0a-0000-4000-8000-000000000002")
RETURN = UUID("0b0b0b0b-0000-4000-8000-000000000001")
OPENED = event(StockItem.Created, location_id="AMS-ZUID", sku="LAVA-LAMP")


def with_on_hand(quantity: int) -> list:
    return [OPENED, event(StockItem.Received, quantity=quantity, reference="delivery-7")]


def with_reserved(on_hand: int, reserved: int) -> list:
    return [*with_on_hand(on_hand), event(StockItem.Reserved, order_id=ORDER, quantity=reserved)]


class TestReceiving:
    def test_goods_in_raise_on_hand(self) -> None:
        item = (
            given(OPENED)
            .when(lambda s: s.receive(4, "delivery-7"))
            .then(event(StockItem.Received, quantity=4, reference="delivery-7"))
        )
        assert (item.on_hand, item.available) == (4, 4)

    def test_nothing_or_less_cannot_be_received(self) -> None:
        given(OPENED).when(lambda s: s.receive(0, "delivery-7")).then_raises(
            InvalidStockQuantity, quantity=0
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
            InsufficientStock, requested=2, available=1, sku="LAVA-LAMP"
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
        assert item.reserved_for(ORDER) == 3

    def test_reserving_nothing_is_refused(self) -> None:
        given(*with_on_hand(3)).when(lambda s: s.reserve(ORDER, 0)).then_raises(
            InvalidStockQuantity
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
        assert (item.reserved, item.available) == (0, 3)

    def test_releases_part_of_a_reservation(self) -> None:
        item = (
            given(*with_reserved(3, 2))
            .when(lambda s: s.release(ORDER, "short", 1))
            .then(event(StockItem.ReservationReleased, order_id=ORDER, quantity=1, reason="short"))
        )
        assert item.reserved_for(ORDER) == 1

    def test_cannot_release_more_than_held(self) -> None:
        given(*with_reserved(3, 2)).when(lambda s: s.release(ORDER, "short", 3)).then_raises(
            InvalidStockQuantity, quantity=3
        )

    def test_cannot_release_what_an_order_never_held(self) -> None:
        given(*with_on_hand(3)).when(lambda s: s.release(ORDER, "expired")).then_raises(
            ReservationNotFound, order_id=ORDER
        )


class TestConsuming:
    def test_handing_over_takes_units_off_the_shelf(self) -> None:
        item = (
            given(*with_reserved(3, 2))
            .when(lambda s: s.consume(ORDER))
            .then(event(StockItem.ReservationConsumed, order_id=ORDER, quantity=2))
        )
        assert (item.on_hand, item.reserved, item.available) == (1, 0, 1)

    def test_cannot_consume_without_a_reservation(self) -> None:
        given(*with_on_hand(3)).when(lambda s: s.consume(ORDER)).then_raises(ReservationNotFound)


class TestCounting:
    def test_a_count_sets_on_hand_and_records_the_difference(self) -> None:
        item = (
            given(*with_on_hand(5))
            .when(lambda s: s.adjust(3, "cycle count"))
            .then(event(StockItem.Adjusted, counted=3, delta=-2, reason="cycle count"))
        )
        assert item.on_hand == 3

    def test_a_count_below_reservations_is_still_recorded(self) -> None:
        item = (
            given(*with_reserved(5, 4))
            .when(lambda s: s.adjust(2, "broken"))
            .then(event(StockItem.Adjusted, counted=2, delta=-3, reason="broken"))
        )
        assert item.available == -2  # visible shortfall: reality wins over reservations

    def test_a_count_that_matches_records_nothing(self) -> None:
        given(*with_on_hand(5)).when(lambda s: s.adjust(5, "cycle count")).then_nothing()

    def test_a_negative_count_is_refused(self) -> None:
        given(*with_on_hand(5)).when(lambda s: s.adjust(-1, "typo")).then_raises(
            InvalidStockQuantity, quantity=-1
        )


class TestPosSales:
    def test_a_sale_lowers_on_hand(self) -> None:
        item = (
            given(*with_on_hand(5))
            .when(lambda s: s.sell_at_pos("S-1", "till-3", 2))
            .then(
                event(
                    StockItem.SoldAtPos,
                    sale_id="S-1",
                    terminal_id="till-3",
                    quantity=2,
                    shortfall=0,
                )
            )
        )
        assert (item.on_hand, item.discrepancy) == (3, 0)

    def test_a_sale_is_recorded_even_when_stock_was_believed_zero(self) -> None:
        item = (
            given(OPENED)
            .when(lambda s: s.sell_at_pos("S-2", "till-3", 2))
            .then(
                event(
                    StockItem.SoldAtPos,
                    sale_id="S-2",
                    terminal_id="till-3",
                    quantity=2,
                    shortfall=2,
                )
            )
        )
        assert (item.on_hand, item.discrepancy) == (0, 2)

    def test_a_retried_upload_of_the_same_sale_records_nothing(self) -> None:
        sold = event(
            StockItem.SoldAtPos, sale_id="S-1", terminal_id="till-3", quantity=2, shortfall=0
        )
        given(*with_on_hand(5), sold).when(
            lambda s: s.sell_at_pos("S-1", "till-3", 2)
        ).then_nothing()

    def test_a_sale_of_nothing_is_refused(self) -> None:
        given(*with_on_hand(5)).when(lambda s: s.sell_at_pos("S-3", "till-3", 0)).then_raises(
            InvalidStockQuantity
        )


class TestRestocking:
    def test_returned_units_go_back_on_hand(self) -> None:
        item = (
            given(*with_on_hand(1))
            .when(lambda s: s.restock(RETURN, 2))
            .then(event(StockItem.Restocked, return_id=RETURN, quantity=2))
        )
        assert item.on_hand == 3

    def test_restocking_nothing_is_refused(self) -> None:
        given(*with_on_hand(1)).when(lambda s: s.restock(RETURN, 0)).then_raises(
            InvalidStockQuantity
        )


def test_the_stock_item_of_a_location_and_sku_always_has_the_same_id() -> None:
    assert (
        StockItem.create("AMS-ZUID", "LAVA-LAMP").id
        == StockItem.create("AMS-ZUID", "LAVA-LAMP").id
        != StockItem.create("AMS-ZUID", "RETRO-CLOCK").id
    )
