"""Dispatching a shipped order through the service (in-memory store): the parcel leaves the
warehouse, its stock leaves the books, the payment held is captured (less what points paid),
the order completes and earns points, all in one append; every refusal writes nothing."""

from __future__ import annotations

from uuid import UUID

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.errors import DomainError, ErrorCode, NotAllowed
from domain.loyalty.model import LoyaltyAccount, loyalty_account_id
from domain.order.model import Fulfillment, FulfillmentMethod, Order, OrderStatus
from domain.ports import Position
from domain.returns.model import ReturnChannel
from domain.service import CommerceService
from domain.stock.model import StockItem
from domain.usecases.sales import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context, Money, stock_item_id
from tests.shop import OPENING, STAFF, make_service

WAREHOUSE, STORE = "WH-NL", "AMS-CENTRAAL"
ADA = Context(channel=Channel.WEB, device_id="laptop", actor=Actor(ActorKind.CUSTOMER, "cust-ada"))
PACKER = Context(
    channel=Channel.STAFF, actor=Actor(ActorKind.STAFF, "staff-wh", stores=(WAREHOUSE,))
)
STORE_STAFF = Context(
    channel=Channel.STAFF, actor=Actor(ActorKind.STAFF, "staff-ams", stores=(STORE,))
)
TILL = Context(channel=Channel.POS, actor=Actor(ActorKind.POS_TERMINAL, "till-1", stores=(STORE,)))
LEDGER = loyalty_account_id("cust-ada")


@pytest.fixture
async def service() -> CommerceService:
    service = make_service(InMemoryEventStore(), ManualClock(OPENING))
    for location in (WAREHOUSE, STORE):
        for sku in ("LAVA-LAMP", "VINYL-PLAYER"):
            await service.receive_stock(location, sku, 10, f"delivery-{sku}", STAFF)
    return service


async def order_for(
    service: CommerceService, method: FulfillmentMethod, at: str, points: int | None = None
) -> UUID:
    """Ada's two lava lamps (78.00), paid by card (and points), to ship or pick up."""
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 2, ADA)
    fulfillment = Fulfillment(method, at)
    placed = await service.checkout(cart_id, fulfillment, ADA, "tok", redeem_points=points)
    return placed.result.order_id


async def stock(service: CommerceService, sku: str = "LAVA-LAMP") -> tuple[int, int]:
    item = await service.repository.get(stock_item_id(WAREHOUSE, sku), StockItem)
    return item.on_hand, item.reserved


async def test_a_shipped_order_captures_completes_and_earns_in_one_append(
    service: CommerceService,
) -> None:
    order_id = await order_for(service, FulfillmentMethod.SHIP, WAREHOUSE)
    assert await stock(service) == (10, 2)

    done = await service.ship_order(order_id, "staff-wh", "PostNL", "3SABC123", PACKER)

    assert (done.result.carrier, done.result.tracking_number) == ("PostNL", "3SABC123")
    order = await service.repository.get(order_id, Order)
    assert order.status is OrderStatus.COMPLETED and order.fulfilled_at == OPENING
    assert await stock(service) == (8, 0)
    assert service.payments.captured == {"auth-1": Money.of("78.00")}  # type: ignore[attr-defined]
    ledger = await service.repository.get(LEDGER, LoyaltyAccount)
    assert ledger.balance == 78
    recorded = await service.store.read_all(Position())
    written = [r for r in recorded if r.position.transaction_id == done.position.transaction_id]
    assert [type(r.event).__qualname__ for r in written] == [
        "Order.Shipped",
        "Order.PaymentCaptured",
        "Order.Completed",
        "StockItem.ReservationConsumed",
        "LoyaltyAccount.Opened",
        "LoyaltyAccount.Earned",
    ]


async def test_points_tendered_are_not_captured_and_earn_nothing(
    service: CommerceService,
) -> None:
    await service.record_pos_sale(
        STORE, "till-1", "1", [PosSaleLine("VINYL-PLAYER", 1)], TILL, customer_id="cust-ada"
    )  # 149 points
    order_id = await order_for(service, FulfillmentMethod.SHIP, WAREHOUSE, points=100)

    await service.ship_order(order_id, "staff-wh", "DHL", "JD014600006", PACKER)

    assert service.payments.captured == {"auth-1": Money.of("77.00")}  # type: ignore[attr-defined]
    ledger = await service.repository.get(LEDGER, LoyaltyAccount)
    assert ledger.balance == 149 - 100 + 77


async def refused(service: CommerceService, call) -> DomainError:  # type: ignore[no-untyped-def]
    """The refusal a call raises, having written nothing."""
    before = await service.store.last_position()
    with pytest.raises(DomainError) as raised:
        await call
    assert await service.store.last_position() == before
    return raised.value


async def test_a_second_dispatch_is_refused_and_changes_nothing(
    service: CommerceService,
) -> None:
    order_id = await order_for(service, FulfillmentMethod.SHIP, WAREHOUSE)
    await service.ship_order(order_id, "staff-wh", "PostNL", "3SABC123", PACKER)

    again = service.ship_order(order_id, "staff-wh", "DHL", "JD0002", PACKER)
    error = await refused(service, again)

    assert error.code is ErrorCode.ORDER_ALREADY_SHIPPED
    assert "PostNL 3SABC123" in str(error)
    ledger = await service.repository.get(LEDGER, LoyaltyAccount)
    assert ledger.balance == 78  # earned once


@pytest.mark.parametrize("who", [STORE_STAFF, TILL, ADA], ids=["other-store", "till", "customer"])
async def test_only_the_warehouse_staff_or_an_admin_ship(
    service: CommerceService, who: Context
) -> None:
    order_id = await order_for(service, FulfillmentMethod.SHIP, WAREHOUSE)

    error = await refused(service, service.ship_order(order_id, "x", "PostNL", "3S1", who))

    assert isinstance(error, NotAllowed)
    assert (await service.repository.get(order_id, Order)).status is OrderStatus.PAYMENT_AUTHORIZED


async def test_a_pickup_order_cannot_be_shipped(service: CommerceService) -> None:
    order_id = await order_for(service, FulfillmentMethod.PICKUP, STORE)

    error = await refused(service, service.ship_order(order_id, "s", "PostNL", "3S1", STAFF))

    assert error.code is ErrorCode.WRONG_FULFILLMENT


async def test_an_unpaid_order_does_not_ship(service: CommerceService) -> None:
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 1, ADA)
    ship = Fulfillment(FulfillmentMethod.SHIP, WAREHOUSE)
    order_id = (await service.checkout(cart_id, ship, ADA)).result.order_id  # no payment token

    error = await refused(service, service.ship_order(order_id, "s", "PostNL", "3S1", PACKER))

    assert error.code is ErrorCode.PAYMENT_REQUIRED


@pytest.mark.parametrize(
    ("carrier", "tracking", "field"),
    [("", "3S1", "carrier"), ("PostNL", "  ", "tracking_number"), ("P" * 201, "3S1", "carrier")],
)
async def test_bad_input_is_refused_naming_the_field(
    service: CommerceService, carrier: str, tracking: str, field: str
) -> None:
    order_id = await order_for(service, FulfillmentMethod.SHIP, WAREHOUSE)

    error = await refused(service, service.ship_order(order_id, "s", carrier, tracking, PACKER))

    assert (error.code, error.subject) == (ErrorCode.INVALID_INPUT, field)


async def test_a_shipped_order_can_be_returned(service: CommerceService) -> None:
    order_id = await order_for(service, FulfillmentMethod.SHIP, WAREHOUSE)
    await service.ship_order(order_id, "staff-wh", "PostNL", "3SABC123", PACKER)

    asked = await service.request_return(
        order_id, {"LAVA-LAMP": 1}, "too bright", ReturnChannel.WEB, ADA
    )

    order = await service.repository.get(order_id, Order)
    assert order.returned_quantities == {"LAVA-LAMP": 1} and asked.result.return_id is not None
