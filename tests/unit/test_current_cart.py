"""The customer's current cart through the service: start, sign in, check out, abandon, and
carts written before the customer's stream existed."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.cart.model import Cart, CartBelongsToAnotherCustomer, CartClosed, CartStatus
from domain.customer.model import CustomerCarts
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.service import CommerceService
from domain.values import Channel, customer_carts_id
from tests.shop import OPENING, STAFF, ctx, make_service

PHONE = ctx(Channel.MOBILE, "phone")
SHIP = Fulfillment(FulfillmentMethod.SHIP, "WH-NL")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(OPENING)


@pytest.fixture
async def service(clock: ManualClock) -> CommerceService:
    service = make_service(InMemoryEventStore(), clock)
    await service.receive_stock("WH-NL", "RETRO-CLOCK", 50, "delivery", STAFF)
    return service


async def current_of(service: CommerceService, customer_id: str) -> UUID | None:
    stream = await service.repository.find(customer_carts_id(customer_id), CustomerCarts)
    return stream.current_cart_id if stream is not None else None


async def guest_cart(service: CommerceService, *skus: str) -> UUID:
    cart_id = (await service.start_cart(PHONE)).result.cart_id
    for sku in skus:
        await service.add_to_cart(cart_id, sku, 1, PHONE)
    return cart_id


async def lines_of(service: CommerceService, cart_id: UUID) -> dict[str, int]:
    cart = await service.repository.get(cart_id, Cart)
    return {sku: line.quantity for sku, line in cart.lines.items()}


class TestStartingACart:
    async def test_a_customer_with_an_open_cart_gets_it_back(
        self, service: CommerceService
    ) -> None:
        first = await service.start_cart(ctx(), customer_id="cust-ada")
        again = await service.start_cart(PHONE, customer_id="cust-ada")

        assert (again.result.cart_id, again.result.resumed) == (first.result.cart_id, True)
        assert await current_of(service, "cust-ada") == first.result.cart_id

    async def test_a_guest_always_gets_a_new_cart(self, service: CommerceService) -> None:
        first, second = await guest_cart(service), await guest_cart(service)
        assert first != second

    async def test_after_a_checkout_the_next_cart_is_new(self, service: CommerceService) -> None:
        first = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
        await service.add_to_cart(first, "RETRO-CLOCK", 1, ctx())
        await service.checkout(first, SHIP, ctx())
        assert await current_of(service, "cust-ada") is None

        second = (await service.start_cart(ctx(), customer_id="cust-ada")).result
        assert second.cart_id != first and not second.resumed
        assert await current_of(service, "cust-ada") == second.cart_id


class TestSigningIn:
    async def test_without_a_cart_the_guest_cart_becomes_the_customers(
        self, service: CommerceService
    ) -> None:
        guest = await guest_cart(service, "RETRO-CLOCK")
        signed = (await service.sign_in(guest, "cust-ada", PHONE)).result

        assert (signed.cart_id, signed.merged_from) == (guest, None)
        assert (await service.repository.get(guest, Cart)).customer_id == "cust-ada"
        assert await current_of(service, "cust-ada") == guest

    async def test_the_guest_cart_merges_into_the_current_one(
        self, service: CommerceService
    ) -> None:
        laptop = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
        await service.add_to_cart(laptop, "LAVA-LAMP", 1, ctx())
        guest = await guest_cart(service, "RETRO-CLOCK", "LAVA-LAMP")

        signed = (await service.sign_in(guest, "cust-ada", PHONE)).result

        assert (signed.cart_id, signed.merged_from) == (laptop, guest)
        assert await lines_of(service, laptop) == {"LAVA-LAMP": 2, "RETRO-CLOCK": 1}
        assert (await service.repository.get(guest, Cart)).status is CartStatus.MERGED

    async def test_an_empty_guest_cart_is_closed_into_the_current_one(
        self, service: CommerceService
    ) -> None:
        laptop = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
        guest = await guest_cart(service)

        signed = (await service.sign_in(guest, "cust-ada", PHONE)).result

        assert signed.cart_id == laptop
        closed = await service.repository.get(guest, Cart)
        assert (closed.status, closed.merged_into) == (CartStatus.MERGED, laptop)

    async def test_signing_in_again_with_a_merged_cart_answers_the_same(
        self, service: CommerceService
    ) -> None:
        laptop = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
        guest = await guest_cart(service, "RETRO-CLOCK")
        await service.sign_in(guest, "cust-ada", PHONE)
        head = await service.store.last_position()

        again = (await service.sign_in(guest, "cust-ada", PHONE)).result

        assert again.cart_id == laptop and await service.store.last_position() == head

    async def test_another_customers_cart_is_refused_and_nothing_changes(
        self, service: CommerceService
    ) -> None:
        bobs = (await service.start_cart(ctx(), customer_id="cust-bob")).result.cart_id
        head = await service.store.last_position()

        with pytest.raises(CartBelongsToAnotherCustomer):
            await service.sign_in(bobs, "cust-ada", PHONE)

        assert await service.store.last_position() == head

    async def test_a_checked_out_guest_cart_cannot_sign_in(self, service: CommerceService) -> None:
        guest = await guest_cart(service, "RETRO-CLOCK")
        await service.checkout(guest, SHIP, PHONE)
        with pytest.raises(CartClosed):
            await service.sign_in(guest, "cust-ada", PHONE)
        assert await current_of(service, "cust-ada") is None


class TestAbandoning:
    async def test_an_abandoned_current_cart_leaves_none_current(
        self, service: CommerceService, clock: ManualClock
    ) -> None:
        cart_id = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
        clock.advance(days=31)
        await service.abandon_cart(cart_id, clock.now(), STAFF)
        assert await current_of(service, "cust-ada") is None


class TestCartsFromBeforeTheStream:
    """Carts written before CustomerCarts existed: their events, but no customer stream."""

    async def legacy_cart(self, service: CommerceService, at_minutes: int) -> UUID:
        at = OPENING + timedelta(minutes=at_minutes)
        cart = Cart.create(uuid4(), Channel.WEB, "laptop", "cust-ada", at=at)
        cart.add_line(
            "RETRO-CLOCK",
            1,
            (await service.catalog.products(["RETRO-CLOCK"]))["RETRO-CLOCK"].price,
            at,
        )
        await service.repository.save(cart, context=ctx())
        return cart.id

    async def test_the_most_recently_active_open_cart_is_adopted_at_sign_in(
        self, service: CommerceService
    ) -> None:
        older = await self.legacy_cart(service, 0)
        newer = await self.legacy_cart(service, 30)
        guest = await guest_cart(service, "LAVA-LAMP")

        signed = (await service.sign_in(guest, "cust-ada", PHONE)).result

        assert (signed.cart_id, signed.merged_from) == (newer, guest)
        assert await current_of(service, "cust-ada") == newer
        assert (await service.repository.get(older, Cart)).is_open  # left to the idle rule

    async def test_a_customer_with_an_old_open_cart_starting_again_gets_it(
        self, service: CommerceService
    ) -> None:
        legacy = await self.legacy_cart(service, 0)
        again = (await service.start_cart(PHONE, customer_id="cust-ada")).result
        assert (again.cart_id, again.resumed) == (legacy, True)

    async def test_a_current_cart_found_closed_is_let_go(self, service: CommerceService) -> None:
        cart_id = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
        cart = await service.repository.get(cart_id, Cart)
        cart.add_line(
            "RETRO-CLOCK",
            1,
            (await service.catalog.products(["RETRO-CLOCK"]))["RETRO-CLOCK"].price,
            OPENING,
        )
        cart.check_out(uuid4(), OPENING)  # closed by code that did not know the stream
        await service.repository.save(cart, context=ctx())

        started = (await service.start_cart(ctx(), customer_id="cust-ada")).result

        assert started.cart_id != cart_id and not started.resumed
        assert await current_of(service, "cust-ada") == started.cart_id
