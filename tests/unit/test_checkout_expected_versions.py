"""Checkout with explicit optimistic concurrency: the versions the client saw, or a refusal
that names the stream and both versions, never a silent retry against newer state."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from adapters.memory import InMemoryEventStore
from adapters.payments import SimulatedPaymentGateway
from domain.cart.model import Cart
from domain.order.model import Fulfillment, FulfillmentMethod, Order
from domain.service import CommerceService
from domain.stock.model import StockItem
from domain.usecases.base import Done
from domain.usecases.checkout import NotInCheckout, StaleVersion, order_id_for
from domain.values import Money, stock_item_id
from tests.shop import STAFF, ctx, make_service

ZUID = Fulfillment(FulfillmentMethod.PICKUP, "AMS-ZUID")
LAMPS_AT_ZUID = stock_item_id("AMS-ZUID", "LAVA-LAMP")
CLOCKS_AT_ZUID = stock_item_id("AMS-ZUID", "RETRO-CLOCK")


@pytest.fixture
async def service() -> CommerceService:
    service = make_service(InMemoryEventStore())
    await service.receive_stock("AMS-ZUID", "LAVA-LAMP", 5, "delivery", STAFF)
    await service.receive_stock("WH-NL", "RETRO-CLOCK", 5, "delivery", STAFF)
    return service


async def cart_with(service: CommerceService, *skus: str) -> UUID:
    cart_id = (await service.start_cart(ctx())).result.cart_id
    for sku in skus:
        await service.add_to_cart(cart_id, sku, 1, ctx())
    return cart_id


async def test_a_checkout_at_the_versions_seen_is_placed(service: CommerceService) -> None:
    cart_id = await cart_with(service, "LAVA-LAMP")
    seen = {cart_id: 2, LAMPS_AT_ZUID: 2}
    placed = await service.checkout(cart_id, ZUID, ctx(), expected_versions=seen)
    assert (await service.repository.get(placed.result.order_id, Order)).cart_id == cart_id


async def test_a_cart_changed_since_is_refused_naming_it(service: CommerceService) -> None:
    cart_id = await cart_with(service, "LAVA-LAMP")
    await service.add_to_cart(cart_id, "LAVA-LAMP", 1, ctx(device="phone"))
    head = await service.store.last_position()

    with pytest.raises(StaleVersion) as stale:
        await service.checkout(cart_id, ZUID, ctx(), expected_versions={cart_id: 2})

    assert (stale.value.stream_id, stale.value.expected, stale.value.actual) == (cart_id, 2, 3)
    assert stale.value.code == "STALE_VERSION"
    assert str(stale.value).startswith("The cart changed since you last saw it (version 2, now 3)")
    assert await service.store.last_position() == head


async def test_stock_moved_since_is_refused_naming_it(service: CommerceService) -> None:
    cart_id = await cart_with(service, "LAVA-LAMP")
    await service.receive_stock("AMS-ZUID", "LAVA-LAMP", 1, "delivery-2", STAFF)

    with pytest.raises(StaleVersion) as stale:
        await service.checkout(
            cart_id, ZUID, ctx(), expected_versions={cart_id: 2, LAMPS_AT_ZUID: 2}
        )

    assert (stale.value.stream_id, stale.value.expected, stale.value.actual) == (
        LAMPS_AT_ZUID,
        2,
        3,
    )
    assert "stock of LAVA-LAMP at AMS-ZUID" in str(stale.value)
    assert (await service.repository.get(cart_id, Cart)).is_open


async def test_stock_never_recorded_is_at_version_zero(service: CommerceService) -> None:
    cart_id = await cart_with(service, "RETRO-CLOCK")
    with pytest.raises(StaleVersion) as stale:
        await service.checkout(cart_id, ZUID, ctx(), expected_versions={CLOCKS_AT_ZUID: 1})
    assert (stale.value.expected, stale.value.actual) == (1, 0)


async def test_a_stream_not_in_the_checkout_is_refused(service: CommerceService) -> None:
    cart_id = await cart_with(service, "LAVA-LAMP")
    stranger = uuid4()
    with pytest.raises(NotInCheckout) as refused:
        await service.checkout(cart_id, ZUID, ctx(), expected_versions={stranger: 1})
    assert refused.value.ids["stream_ids"] == [stranger]


class LineAddedDuringPayment(SimulatedPaymentGateway):
    """While the provider answers, the cart changes on another device."""

    def __init__(self, service: CommerceService, cart_id: UUID) -> None:
        super().__init__()
        self.service, self.cart_id, self.calls = service, cart_id, 0

    async def authorize(self, order_id: UUID, amount: Money, token: str, key: str) -> str:
        self.calls += 1
        if self.calls == 1:
            await self.service.add_to_cart(self.cart_id, "LAVA-LAMP", 1, ctx(device="phone"))
        return await super().authorize(order_id, amount, token, key)


async def race(service: CommerceService, expected: bool) -> tuple[object, LineAddedDuringPayment]:
    cart_id = await cart_with(service, "LAVA-LAMP")
    provider = LineAddedDuringPayment(service, cart_id)
    service.payments = provider
    seen = {cart_id: 2} if expected else None
    try:
        return await service.checkout(cart_id, ZUID, ctx(), "tok", expected_versions=seen), provider
    except StaleVersion as stale:
        return stale, provider


async def test_a_change_racing_a_pinned_checkout_refuses_it(service: CommerceService) -> None:
    outcome, _ = await race(service, expected=True)
    assert isinstance(outcome, StaleVersion) and (outcome.expected, outcome.actual) == (2, 3)


async def test_without_versions_a_racing_change_is_decided_again(
    service: CommerceService,
) -> None:
    outcome, provider = await race(service, expected=False)
    assert isinstance(outcome, Done)
    order = await service.repository.get(outcome.result.order_id, Order)
    assert order.id == order_id_for(order.cart_id)
    assert [line.quantity for line in order.lines] == [2]  # the line from the phone is in
    assert provider.calls == 2  # a new amount is a new authorization
    lamps = await service.repository.get(LAMPS_AT_ZUID, StockItem)
    assert lamps.reserved == 2
