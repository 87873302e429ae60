"""No double charge with a provider that is NOT idempotent by itself: it charges on every
call unless the call carries a key it has already seen. Checkouts of one cart and collects
of one pickup race each other (and the retry loop is forced); a provider that times out is
not called again by the command, and the client's retry is answered under the same key."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from uuid import UUID

import pytest

from adapters.clock import ManualClock
from adapters.postgres.cart_history import PostgresCartHistory
from adapters.postgres.catalog import PostgresCatalog, upsert_catalog
from adapters.postgres.database import Database
from domain.cart.model import Cart, CartClosed
from domain.errors import DomainError
from domain.order.model import Fulfillment, FulfillmentMethod, Order, OrderStatus
from domain.pickup.model import PickupClosed
from domain.ports import PaymentDeclined, PaymentUnavailable
from domain.service import CommerceService
from domain.usecases.checkout import order_id_for
from domain.usecases.payments import PaymentProviderUnavailable, PaymentRejected
from domain.values import Money
from tests.shop import LOCATIONS, OPENING, PRODUCTS, STAFF, as_uuid, ctx

PICKUP = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")


class ChargingProvider:
    """Charges (holds or takes money) on every call, except a repeated idempotency key."""

    def __init__(self) -> None:
        self.calls = 0
        self.charges: list[tuple[str, Money]] = []
        self.answers: dict[str, str] = {}
        self.during_call: Callable[[], Awaitable[None]] | None = None
        self.times_out = 0  # calls that charge, then lose their answer

    async def authorize(
        self, order_id: UUID, amount: Money, payment_token: str, idempotency_key: str
    ) -> str:
        if payment_token.startswith("decline"):
            raise PaymentDeclined("card declined")
        return await self._charge("authorize", amount, idempotency_key)

    async def capture(self, authorization: str, amount: Money, idempotency_key: str) -> str:
        return await self._charge("capture", amount, idempotency_key)

    async def refund(self, order_id: UUID, amount: Money, idempotency_key: str) -> str:
        return await self._charge("refund", amount, idempotency_key)

    async def _charge(self, kind: str, amount: Money, key: str) -> str:
        self.calls += 1
        if self.during_call is not None:
            await self.during_call()
        if key not in self.answers:
            self.charges.append((kind, amount))
            self.answers[key] = f"{kind}-{len(self.charges)}"
        if self.times_out:
            self.times_out -= 1
            raise PaymentUnavailable("read timeout")
        return self.answers[key]

    def charged(self, kind: str) -> int:
        return sum(1 for charged, _ in self.charges if charged == kind)


def all_arrived(count: int) -> Callable[[], Awaitable[None]]:
    """Holds every call until `count` have arrived: they all race with the same state."""
    arrived, released = 0, asyncio.Event()

    async def wait() -> None:
        nonlocal arrived
        arrived += 1
        if arrived == count:
            released.set()
        await asyncio.wait_for(released.wait(), timeout=10)

    return wait


@pytest.fixture
async def provider() -> ChargingProvider:
    return ChargingProvider()


@pytest.fixture
async def service(database: Database, provider: ChargingProvider) -> CommerceService:
    async with database.pool.acquire() as connection, connection.transaction():
        await upsert_catalog(connection, PRODUCTS, LOCATIONS)
    service = CommerceService(
        store=database.store,
        catalog=PostgresCatalog(database.pool),
        payments=provider,
        clock=ManualClock(OPENING),
        cart_history=PostgresCartHistory(database.pool),
        new_code=lambda: "K7P2QX",
    )
    await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 10, "delivery", STAFF)
    return service


async def cart_with_a_lamp(service: CommerceService) -> UUID:
    cart_id = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 1, ctx())
    return cart_id


async def outcomes(*runs: Awaitable[object]) -> list[object]:
    return list(await asyncio.gather(*runs, return_exceptions=True))


async def test_a_checkout_decided_again_after_a_conflict_authorizes_once(
    service: CommerceService, provider: ChargingProvider
) -> None:
    cart_id = await cart_with_a_lamp(service)

    async def a_delivery_lands_meanwhile() -> None:
        provider.during_call = None
        await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 1, "delivery-2", STAFF)

    provider.during_call = a_delivery_lands_meanwhile  # the stock item moves on: retry
    placed = await service.checkout(cart_id, PICKUP, ctx(), payment_token="tok-visa")

    order = await service.repository.get(placed.result.order_id, Order)
    assert order.status is OrderStatus.PAYMENT_AUTHORIZED and order.authorization == "authorize-1"
    assert (provider.calls, provider.charged("authorize")) == (1, 1)


async def test_concurrent_checkouts_of_one_cart_authorize_once(
    service: CommerceService, provider: ChargingProvider
) -> None:
    cart_id = await cart_with_a_lamp(service)
    provider.during_call = all_arrived(6)

    results = await outcomes(
        *(service.checkout(cart_id, PICKUP, ctx(), payment_token="tok-visa") for _ in range(6))
    )

    placed = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(placed) == 1 and all(isinstance(r, CartClosed) for r in refused), results
    assert (provider.calls, provider.charged("authorize")) == (6, 1)
    order = await service.repository.get(order_id_for(cart_id), Order)
    assert order.authorization == "authorize-1"


async def test_concurrent_collects_of_one_pickup_capture_once(
    service: CommerceService, provider: ChargingProvider
) -> None:
    cart_id = await cart_with_a_lamp(service)
    placed = await service.checkout(cart_id, PICKUP, ctx(), payment_token="tok-visa")
    pickup_id = as_uuid(placed.result.pickup_id)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    await service.mark_ready(pickup_id, "B3", STAFF)
    provider.during_call = all_arrived(4)

    results = await outcomes(
        *(service.collect(pickup_id, "K7P2QX", "staff-bo", STAFF) for _ in range(4))
    )

    collected = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(collected) == 1 and all(isinstance(r, PickupClosed) for r in refused), results
    assert provider.charged("capture") == 1 and provider.calls == 1 + 4
    order = await service.repository.get(placed.result.order_id, Order)
    assert order.status is OrderStatus.COMPLETED


async def test_a_provider_timeout_is_not_retried_blindly_and_a_retry_reuses_the_key(
    service: CommerceService, provider: ChargingProvider
) -> None:
    cart_id = await cart_with_a_lamp(service)
    provider.times_out = 1  # it holds the money, and the answer is lost

    with pytest.raises(PaymentProviderUnavailable) as unavailable:
        await service.checkout(cart_id, PICKUP, ctx(), payment_token="tok-visa")

    assert unavailable.value.code == "PAYMENT_PROVIDER_UNAVAILABLE"
    assert provider.calls == 1  # the command did not try again by itself
    assert (await service.repository.get(cart_id, Cart)).is_open  # and recorded nothing
    assert await service.repository.find(order_id_for(cart_id), Order) is None

    placed = await service.checkout(cart_id, PICKUP, ctx(), payment_token="tok-visa")
    order = await service.repository.get(placed.result.order_id, Order)
    assert order.authorization == "authorize-1"
    assert (provider.calls, provider.charged("authorize")) == (2, 1)


async def test_a_decline_records_nothing_and_another_card_pays(
    service: CommerceService, provider: ChargingProvider
) -> None:
    cart_id = await cart_with_a_lamp(service)
    with pytest.raises(PaymentRejected):
        await service.checkout(cart_id, PICKUP, ctx(), payment_token="decline-card")
    assert (await service.repository.get(cart_id, Cart)).is_open

    placed = await service.checkout(cart_id, PICKUP, ctx(), payment_token="tok-visa")

    assert placed.result.order_id == order_id_for(cart_id)
    assert provider.charged("authorize") == 1


async def test_concurrent_refunds_of_one_return_pay_back_once(
    service: CommerceService, provider: ChargingProvider
) -> None:
    from domain.returns.model import Inspection, ReturnChannel

    cart_id = await cart_with_a_lamp(service)
    placed = await service.checkout(cart_id, PICKUP, ctx(), payment_token="tok-visa")
    pickup_id = as_uuid(placed.result.pickup_id)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    await service.mark_ready(pickup_id, "B3", STAFF)
    await service.collect(pickup_id, "K7P2QX", "staff-bo", STAFF)
    order_id = placed.result.order_id
    returned = await service.request_return(
        order_id, {"LAVA-LAMP": 1}, "too bright", ReturnChannel.STORE, ctx()
    )
    return_id = returned.result.return_id
    await service.receive_return(return_id, "AMS-CENTRAAL", STAFF)
    await service.inspect_return(return_id, [Inspection("LAVA-LAMP", 1, 0)], STAFF)
    provider.during_call = all_arrived(3)

    results = await outcomes(*(service.refund_return(return_id, STAFF) for _ in range(3)))

    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, DomainError) for r in results if isinstance(r, BaseException))
    assert provider.charged("refund") == 1
