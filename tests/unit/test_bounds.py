"""The bounds in the domain (domain/bounds.py), without a database: the stock aggregate keeps
on hand within what the read models hold, a sale refuses a price past its bound, and every
use case refuses a value past its bound before it reads or writes anything, whichever entry
point called it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import msgspec
import pytest

from adapters.catalog_files import CatalogFileError, parse_locations, parse_staff
from adapters.memory import InMemoryEventStore
from domain import bounds
from domain.bounds import MAX_ID_LENGTH, MAX_SKU_LENGTH, MAX_STOCK, MAX_TEXT_LENGTH, OutOfBounds
from domain.errors import DomainError, ErrorCode
from domain.ports import Position
from domain.sale.model import Receipt, Sale, SaleLine
from domain.stock.model import StockItem
from domain.usecases.sales import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context, Money
from tests.gwt import event, given
from tests.shop import STAFF, ctx, make_service

OPENED = event(StockItem.Created, location_id="AMS-ZUID", sku="LAVA-LAMP")
SOLD_AT = datetime(2026, 11, 2, 14, 5, tzinfo=UTC)
LONG_ID = "é" * (MAX_ID_LENGTH + 1)


def on_hand(units: int) -> list:
    return [OPENED, event(StockItem.Received, quantity=units, reference="delivery-7")]


class TestStockStaysWithinWhatAnIntegerHolds:
    def test_a_receipt_up_to_the_bound_is_recorded_one_unit_more_is_refused(self) -> None:
        given(*on_hand(10)).when(lambda item: item.receive(MAX_STOCK - 10, "big")).then(
            event(StockItem.Received, quantity=MAX_STOCK - 10, reference="big")
        )
        outcome = given(*on_hand(10)).when(lambda item: item.receive(MAX_STOCK - 9, "big"))
        refusal = outcome.then_raises(OutOfBounds)
        assert (refusal.code, refusal.subject) == (ErrorCode.INVALID_QUANTITY, "quantity")

    def test_a_count_past_the_bound_is_refused_naming_the_count(self) -> None:
        refusal = given(OPENED).when(lambda item: item.adjust(MAX_STOCK + 1, "recount"))
        assert refusal.then_raises(OutOfBounds).subject == "counted"
        counted = event(
            StockItem.Adjusted,
            counted=MAX_STOCK,
            previous_on_hand=0,
            delta=MAX_STOCK,
            reason="recount",
        )
        given(OPENED).when(lambda item: item.adjust(MAX_STOCK, "recount")).then(counted)

    def test_a_restock_past_the_bound_is_refused(self) -> None:
        given(*on_hand(MAX_STOCK)).when(lambda item: item.restock(uuid4(), 1)).then_raises(
            OutOfBounds
        )


class TestASalePrice:
    @pytest.mark.parametrize("amount", ["10000000000.00", "NaN", "Infinity"])
    def test_past_its_bound_or_not_a_number_is_refused(self, amount: str) -> None:
        line = SaleLine("LAVA-LAMP", 1, Money(Decimal(amount), "EUR"))
        receipt = Receipt("AMS-ZUID", "till-1", "000123")
        refusal = given().when(lambda _: Sale.record(receipt, [line], None, None, SOLD_AT))
        assert refusal.then_raises(OutOfBounds).subject == "lines"

    def test_a_client_price_is_checked_before_it_is_rounded(self) -> None:
        # Money.of(1e400) raises InvalidOperation: an internal error, not a refusal.
        with pytest.raises(OutOfBounds):
            bounds.price(Decimal("1e400"))
        line = SaleLine("LAVA-LAMP", 1, bounds.price(bounds.MAX_UNIT_PRICE))
        receipt = Receipt("AMS-ZUID", "till-1", "000123")
        sale = Sale.record(receipt, [line], None, None, SOLD_AT)
        assert sale.total == Money.of(bounds.MAX_UNIT_PRICE)


async def test_every_use_case_refuses_a_value_past_its_bound_and_records_nothing() -> None:
    store = InMemoryEventStore()
    service = make_service(store)
    till = Context(
        channel=Channel.POS,
        device_id="till-1",
        actor=Actor(ActorKind.POS_TERMINAL, "till-1", stores=("AMS-ZUID",)),
    )
    sku, text = "S" * (MAX_SKU_LENGTH + 1), "€" * (MAX_TEXT_LENGTH + 1)
    calls = {
        "device_id": service.start_cart(ctx(device=LONG_ID)),
        "sku": service.receive_stock("AMS-ZUID", sku, 1, "note", STAFF),
        "reference": service.receive_stock("AMS-ZUID", "LAVA-LAMP", 1, LONG_ID, STAFF),
        "reason": service.count_stock("AMS-ZUID", "LAVA-LAMP", 1, text, STAFF),
        "location_id": service.receive_stock(LONG_ID, "LAVA-LAMP", 1, "note", ctx()),
        "sale_id": service.record_pos_sale(
            "AMS-ZUID", "till-1", "9" * 101, [PosSaleLine("LAVA-LAMP", 1)], till
        ),
        "lines": service.record_pos_sale(
            "AMS-ZUID", "till-1", "9", [PosSaleLine("LAVA-LAMP", 10_001)], till
        ),
        "caller_id": service.start_cart(ctx(actor=Actor(ActorKind.GUEST, LONG_ID))),
    }
    for subject, call in calls.items():
        with pytest.raises(DomainError) as refused:
            await call
        assert refused.value.subject == subject, (subject, refused.value)
    assert await store.read_all(Position()) == []  # not one event, of any stream


def test_an_import_refuses_an_id_past_its_bound_naming_the_row_and_field() -> None:
    store = {"id": LONG_ID, "name": "Long", "kind": "store", "time_zone": "Europe/Amsterdam"}
    store |= {"latitude": 52.0, "longitude": 4.0, "pickup_service_minutes": 60}
    store |= {"pickup_window_days": 7}
    staff = f"staff_id,stores,staff_role,pin_hash\n{LONG_ID},AMS-ZUID,picker,scrypt$x\n"
    with pytest.raises(CatalogFileError) as location:
        parse_locations(msgspec.json.encode([store]).decode(), "locations.json", json=True)
    with pytest.raises(CatalogFileError) as member:
        parse_staff(staff, "staff.csv", json=False)
    assert (location.value.row, location.value.field) == (1, "id")
    assert (member.value.row, member.value.field) == (1, "staff_id")
