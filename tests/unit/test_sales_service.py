"""In-store sales through the service: a fact tied to the shopper, stock moved in the same
append, found again by its receipt, and returned through any channel."""

from __future__ import annotations

import asyncio

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.errors import NotFound
from domain.returns.model import ExceedsReturnable, Inspection, ReturnChannel, ReturnWindowClosed
from domain.sale.model import InvalidReceipt, Receipt, Sale
from domain.service import CommerceService
from domain.stock.model import StockItem
from domain.usecases.sales import CustomerMismatch, PosSaleLine, UnknownLoyaltyId
from domain.values import Channel, Money, stock_item_id
from tests.shop import OPENING, STAFF, as_uuid, ctx, make_service

TILL = ctx(Channel.POS, "till-1")
LAMPS = [PosSaleLine("LAVA-LAMP", 2), PosSaleLine("RETRO-CLOCK", 1)]


async def shop_with_stock() -> tuple[CommerceService, InMemoryEventStore, ManualClock]:
    store, clock = InMemoryEventStore(), ManualClock(OPENING)
    service = make_service(store, clock)
    for sku in ("LAVA-LAMP", "RETRO-CLOCK"):
        await service.receive_stock("AMS-ZUID", sku, 5, "delivery-1", STAFF)
    return service, store, clock


async def on_hand(service: CommerceService, sku: str) -> int:
    item = await service.repository.get(stock_item_id("AMS-ZUID", sku), StockItem)
    return item.on_hand


async def test_a_sale_to_a_loyalty_card_holder_is_recorded_with_its_stock_in_one_append() -> None:
    service, store, _ = await shop_with_stock()
    before = await store.last_position()
    done = await service.record_pos_sale(
        "AMS-ZUID",
        "till-1",
        "000123",
        LAMPS,
        TILL,
        payment_reference="card-77",
        loyalty_id="LOYAL-ADA",
    )

    assert done.result.receipt == "AMS-ZUID/till-1/000123"
    assert done.result.customer_id == "cust-ada"
    assert done.result.total == Money.of("102.95")  # 2 x 39.00 + 24.95, the catalog's prices
    sale = await service.repository.get(Receipt("AMS-ZUID", "till-1", "000123").sale_id, Sale)
    assert (sale.payment_reference, sale.sold_at) == ("card-77", OPENING)
    assert (await on_hand(service, "LAVA-LAMP"), await on_hand(service, "RETRO-CLOCK")) == (3, 4)
    written = await store.read_all(before)
    assert {type(r.event).__qualname__ for r in written} == {
        "Sale.Recorded",
        "StockItem.SoldAtPos",
        "LoyaltyAccount.Opened",  # the card holder's ledger, opened to earn
        "LoyaltyAccount.Earned",
    }
    assert done.result.points_earned == 102  # a point per whole euro paid
    assert len({r.position.transaction_id for r in written}) == 1


async def test_the_price_the_till_charged_is_the_price_recorded() -> None:
    service, _, _ = await shop_with_stock()
    marked_down = [PosSaleLine("LAVA-LAMP", 1, Money.of("29.00"))]
    done = await service.record_pos_sale("AMS-ZUID", "till-1", "000124", marked_down, TILL)
    assert done.result.total == Money.of("29.00") and done.result.customer_id is None


async def test_a_sale_uploaded_again_is_recorded_once() -> None:
    service, store, _ = await shop_with_stock()
    first = await service.record_pos_sale("AMS-ZUID", "till-1", "000125", LAMPS, TILL)
    head = await store.last_position()
    again = await service.record_pos_sale("AMS-ZUID", "till-1", "000125", LAMPS, TILL)
    assert again.replayed and again.result == first.result
    assert await store.last_position() == head
    assert await on_hand(service, "LAVA-LAMP") == 3


@pytest.mark.parametrize(
    ("shopper", "refusal"),
    [
        ({"loyalty_id": "LOYAL-NOBODY"}, UnknownLoyaltyId),
        ({"loyalty_id": ""}, UnknownLoyaltyId),
        ({"loyalty_id": "LOYAL-ADA", "customer_id": "cust-bob"}, CustomerMismatch),
    ],
)
async def test_a_shopper_nobody_knows_records_nothing(shopper: dict, refusal: type) -> None:  # type: ignore[type-arg]
    service, store, _ = await shop_with_stock()
    head = await store.last_position()
    with pytest.raises(refusal):
        await service.record_pos_sale("AMS-ZUID", "till-1", "000126", LAMPS, TILL, **shopper)
    assert await store.last_position() == head
    assert await on_hand(service, "LAVA-LAMP") == 5


async def test_a_signed_in_customer_the_directory_never_heard_of_is_the_sales_customer() -> None:
    service, _, _ = await shop_with_stock()
    assert await service.customers.customer("cust-online-only") is None  # type: ignore[union-attr]
    done = await service.record_pos_sale(
        "AMS-ZUID", "till-1", "000130", LAMPS, TILL, customer_id="cust-online-only"
    )
    assert done.result.customer_id == "cust-online-only"
    sale = await service.repository.get(done.result.sale_id, Sale)  # type: ignore[arg-type]
    assert sale.customer_id == "cust-online-only"


async def test_a_receipt_finds_its_sale_and_a_wrong_one_is_refused() -> None:
    service, _, _ = await shop_with_stock()
    done = await service.record_pos_sale("AMS-ZUID", "till-1", "000127", LAMPS, TILL)
    assert (await service.sale_of_receipt(done.result.receipt)).id == done.result.sale_id
    with pytest.raises(NotFound):
        await service.sale_of_receipt("AMS-ZUID/till-1/999999")
    with pytest.raises(InvalidReceipt):
        await service.sale_of_receipt("not a receipt")


async def test_an_in_store_purchase_returned_online_is_refunded_and_restocked() -> None:
    service, _, clock = await shop_with_stock()
    sold = await service.record_pos_sale(
        "AMS-ZUID", "till-1", "000128", LAMPS, TILL, loyalty_id="LOYAL-ADA"
    )
    clock.advance(days=3)
    asked = await service.request_return_of_receipt(
        sold.result.receipt, {"LAVA-LAMP": 1}, "too big", ReturnChannel.WEB, ctx()
    )
    return_id = asked.result.return_id
    await service.receive_return(return_id, "AMS-CENTRAAL", STAFF)
    await service.inspect_return(return_id, [Inspection("LAVA-LAMP", 1, 0)], STAFF)
    await service.refund_return(return_id, STAFF)
    await service.restock_return(return_id, STAFF)

    sale = await service.repository.get(as_uuid(sold.result.sale_id), Sale)
    assert sale.returned_quantities == {"LAVA-LAMP": 1}
    assert service.payments.refunded == {sale.id: Money.of("39.00")}  # type: ignore[attr-defined]
    centraal = await service.repository.get(stock_item_id("AMS-CENTRAAL", "LAVA-LAMP"), StockItem)
    assert centraal.on_hand == 1


async def test_a_sale_never_takes_back_more_than_was_sold() -> None:
    service, store, _ = await shop_with_stock()
    sold = await service.record_pos_sale("AMS-ZUID", "till-1", "000129", LAMPS, TILL)
    sale_id = sold.result.sale_id
    assert sale_id is not None
    await service.request_return(sale_id, {"LAVA-LAMP": 1}, "", ReturnChannel.STORE, TILL)
    head = await store.last_position()
    with pytest.raises(ExceedsReturnable):
        await service.request_return(sale_id, {"LAVA-LAMP": 2}, "", ReturnChannel.STORE, TILL)
    assert await store.last_position() == head


async def test_concurrent_returns_of_a_sale_never_exceed_it() -> None:
    service, _, _ = await shop_with_stock()
    sold = await service.record_pos_sale("AMS-ZUID", "till-1", "000130", LAMPS, TILL)
    sale_id = sold.result.sale_id
    assert sale_id is not None
    attempts = await asyncio.gather(
        *(
            service.request_return(sale_id, {"LAVA-LAMP": 1}, "", ReturnChannel.STORE, TILL)
            for _ in range(4)
        ),
        return_exceptions=True,
    )
    assert sum(not isinstance(a, Exception) for a in attempts) == 2
    assert all(isinstance(a, ExceedsReturnable) for a in attempts if isinstance(a, Exception))
    sale = await service.repository.get(sale_id, Sale)
    assert sale.returned_quantities == {"LAVA-LAMP": 2}


async def test_a_sale_is_returned_within_thirty_days() -> None:
    service, _, clock = await shop_with_stock()
    sold = await service.record_pos_sale("AMS-ZUID", "till-1", "000131", LAMPS, TILL)
    clock.advance(days=30, seconds=1)
    with pytest.raises(ReturnWindowClosed):
        await service.request_return_of_receipt(
            sold.result.receipt, {"LAVA-LAMP": 1}, "", ReturnChannel.STORE, TILL
        )


async def test_a_return_needs_an_order_or_a_sale() -> None:
    service, store, _ = await shop_with_stock()
    cart_id = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    head = await store.last_position()
    with pytest.raises(NotFound):
        await service.request_return(cart_id, {"LAVA-LAMP": 1}, "", ReturnChannel.WEB, ctx())
    assert await store.last_position() == head


async def test_a_return_by_a_receipt_that_is_none_records_nothing() -> None:
    service, store, _ = await shop_with_stock()
    head = await store.last_position()
    with pytest.raises(InvalidReceipt):
        await service.request_return_of_receipt(
            "AMS-ZUID|till-1|000123", {"LAVA-LAMP": 1}, "", ReturnChannel.WEB, ctx()
        )
    with pytest.raises(NotFound):
        await service.request_return_of_receipt(
            "AMS-ZUID/till-1/000999", {"LAVA-LAMP": 1}, "", ReturnChannel.WEB, ctx()
        )
    assert await store.last_position() == head
