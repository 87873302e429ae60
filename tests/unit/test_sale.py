"""Sale: given past events, when a command, then new events or a refusal; receipts."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

import pytest

from domain.sale.model import (
    EmptySale,
    InvalidReceipt,
    InvalidSaleLine,
    Receipt,
    Sale,
    SaleLine,
    parse_receipt,
    sale_id_of_receipt,
)
from domain.stock.model import InvalidPosSale
from domain.values import Money
from tests.gwt import event, given

SOLD_AT = datetime(2026, 11, 2, 14, 5, tzinfo=UTC)
RECEIPT = Receipt("AMS-CENTRAAL", "till-1", "000123")
LAMP = SaleLine("LAVA-LAMP", 2, Money.of("39.00"))
MARKED_DOWN_LAMP = SaleLine("LAVA-LAMP", 1, Money.of("29.00"))
CLOCK = SaleLine("RETRO-CLOCK", 1, Money.of("24.95"))
RETURN_ID = UUID("0e0e0e0e-0000-4000-8000-000000000001")

RECORDED = event(
    Sale.Recorded,
    store_id="AMS-CENTRAAL",
    till_id="till-1",
    sale_number="000123",
    lines=[LAMP, CLOCK],
    total=Money.of("102.95"),
    payment_reference="card-7731",
    customer_id="cust-ada",
    sold_at=SOLD_AT,
)


def record(lines: list[SaleLine], customer_id: str | None = "cust-ada", receipt=RECEIPT):  # type: ignore[no-untyped-def]
    return lambda _: Sale.record(receipt, lines, "card-7731", customer_id, SOLD_AT)


class TestRecording:
    def test_a_till_sale_is_recorded_with_its_total_and_customer(self) -> None:
        sale = given().when(record([LAMP, CLOCK])).then(RECORDED)
        assert sale.id == RECEIPT.sale_id
        assert sale.sold_quantities() == {"LAVA-LAMP": 2, "RETRO-CLOCK": 1}

    def test_an_anonymous_sale_has_no_customer(self) -> None:
        sale = given().when(record([CLOCK], customer_id=None)).aggregate
        assert sale.customer_id is None and sale.total == Money.of("24.95")

    def test_a_sale_without_lines_is_refused(self) -> None:
        given().when(record([])).then_raises(EmptySale, receipt="AMS-CENTRAAL/till-1/000123")

    @pytest.mark.parametrize("quantity", [0, -1])
    def test_a_line_without_units_is_refused(self, quantity: int) -> None:
        line = SaleLine("LAVA-LAMP", quantity, Money.of("39.00"))
        given().when(record([line])).then_raises(InvalidSaleLine, sku="LAVA-LAMP")

    def test_a_negative_price_is_refused(self) -> None:
        line = SaleLine("LAVA-LAMP", 1, Money.of("-1.00"))
        given().when(record([line])).then_raises(InvalidSaleLine, sku="LAVA-LAMP")

    def test_lines_in_two_currencies_are_refused(self) -> None:
        pounds = SaleLine("RETRO-CLOCK", 1, Money.of("20.00", "GBP"))
        given().when(record([LAMP, pounds])).then_raises(InvalidSaleLine, sku="RETRO-CLOCK")

    def test_a_sale_without_a_sale_number_is_refused(self) -> None:
        unnumbered = Receipt("AMS-CENTRAAL", "till-1", "")
        given().when(record([LAMP], receipt=unnumbered)).then_raises(InvalidPosSale)


class TestReturnsOfASale:
    def test_units_coming_back_are_counted(self) -> None:
        sale = (
            given(RECORDED, stream_id=RECEIPT.sale_id)
            .when(lambda s: s.open_return(RETURN_ID, {"LAVA-LAMP": 1}))
            .then(event(Sale.ReturnOpened, return_id=RETURN_ID, quantities={"LAVA-LAMP": 1}))
        )
        assert sale.returned_quantities == {"LAVA-LAMP": 1}
        assert sale.fulfilled_at == SOLD_AT

    def test_a_unit_is_refunded_at_the_lowest_price_paid_for_it(self) -> None:
        sale = given().when(record([LAMP, MARKED_DOWN_LAMP, CLOCK])).aggregate
        assert sale.refund_prices() == {
            "LAVA-LAMP": Money.of("29.00"),
            "RETRO-CLOCK": Money.of("24.95"),
        }
        assert sale.purchased_quantities() == {"LAVA-LAMP": 3, "RETRO-CLOCK": 1}


class TestReceipts:
    def test_a_receipt_number_finds_its_sale_again(self) -> None:
        assert RECEIPT.number == "AMS-CENTRAAL/till-1/000123"
        assert parse_receipt(RECEIPT.number) == RECEIPT
        assert sale_id_of_receipt(RECEIPT.number) == RECEIPT.sale_id

    def test_sales_of_two_tills_have_two_ids(self) -> None:
        other_till = Receipt("AMS-CENTRAAL", "till-2", "000123")
        assert other_till.sale_id != RECEIPT.sale_id

    def test_a_slash_inside_a_part_survives_the_round_trip(self) -> None:
        odd = Receipt("AMS/ZUID", "till%1", "2026/11/000001")
        assert parse_receipt(odd.number) == odd
        assert odd.sale_id != Receipt("AMS", "ZUID/till%1", "2026/11/000001").sale_id

    @pytest.mark.parametrize("number", ["", "AMS-CENTRAAL/till-1", "a/b/c/d", "AMS//000123"])
    def test_anything_else_is_not_a_receipt(self, number: str) -> None:
        with pytest.raises(InvalidReceipt):
            parse_receipt(number)
