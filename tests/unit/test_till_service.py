"""The till continues the online cart, through the service on the in-memory store: the
shopper identified by loyalty card or cart code; the basket at the counter sold, the cart
closed as bought in store and the customer's current cart cleared, in one append."""

from __future__ import annotations

from uuid import UUID

import pytest

from adapters.clock import ManualClock
from adapters.memory import InMemoryEventStore
from domain.cart.code import InvalidCartCode, cart_code
from domain.cart.model import Cart, CartClosed, CartStatus, CounterChange
from domain.customer.model import CustomerCarts
from domain.errors import NotAllowed, NotFound
from domain.idempotency import IdempotencyKeyReused
from domain.sale.model import EmptySale, Sale
from domain.service import CommerceService
from domain.stock.model import StockItem
from domain.usecases.checkout_rules import StaleVersion
from domain.usecases.sales import PosSaleLine, UnknownLoyaltyId
from domain.usecases.till import ShopperKey
from domain.values import (
    Actor,
    ActorKind,
    Channel,
    Context,
    Money,
    customer_carts_id,
    stock_item_id,
)
from tests.shop import OPENING, STAFF, ctx, make_service

STORE = "AMS-ZUID"
TILL = Context(
    channel=Channel.POS, device_id="till-1", actor=Actor(ActorKind.POS_TERMINAL, "till-1", (STORE,))
)
ADA = Context(channel=Channel.WEB, device_id="laptop", actor=Actor(ActorKind.CUSTOMER, "cust-ada"))
BASKET = [PosSaleLine("LAVA-LAMP", 1), PosSaleLine("VINYL-PLAYER", 1)]


async def shop() -> tuple[CommerceService, InMemoryEventStore]:
    store = InMemoryEventStore()
    service = make_service(store, ManualClock(OPENING))
    for sku in ("LAVA-LAMP", "RETRO-CLOCK"):
        await service.receive_stock(STORE, sku, 5, "delivery-1", STAFF)
    return service, store


async def adas_web_cart(service: CommerceService) -> Cart:
    """Ada's cart on the web: two lamps and a clock."""
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 2, ADA)
    await service.add_to_cart(cart_id, "RETRO-CLOCK", 1, ADA)
    return await service.repository.get(cart_id, Cart)


async def on_hand(service: CommerceService, sku: str) -> int:
    found = await service.repository.find(stock_item_id(STORE, sku), StockItem)
    return found.on_hand if found is not None else 0


async def ring_up(service: CommerceService, cart: Cart, number: str = "000200", **more):  # type: ignore[no-untyped-def]
    lines = more.pop("lines", BASKET)
    version = more.pop("version", cart.version)
    return await service.ring_up_cart(
        STORE, "till-1", number, cart.id, version, lines, TILL, **more
    )


class TestTheTillFindsTheShopper:
    async def test_by_loyalty_card_with_their_open_online_cart(self) -> None:
        service, _ = await shop()
        cart = await adas_web_cart(service)
        found = await service.shopper_at_till(ShopperKey.LOYALTY_ID, "LOYAL-ADA", TILL)
        assert (found.customer_id, found.first_name, found.cart_id) == ("cust-ada", "Ada", cart.id)

    async def test_by_the_code_of_a_guests_cart(self) -> None:
        service, _ = await shop()
        guest_cart = (await service.start_cart(ctx(Channel.MOBILE, "phone"))).result.cart_id
        code = cart_code(guest_cart)
        found = await service.shopper_at_till(ShopperKey.CART_CODE, code, TILL)
        assert (found.customer_id, found.first_name, found.cart_id) == (None, None, guest_cart)

    async def test_a_card_holder_without_an_open_cart_has_none(self) -> None:
        service, _ = await shop()
        found = await service.shopper_at_till(ShopperKey.LOYALTY_ID, "LOYAL-BOB", TILL)
        assert (found.customer_id, found.cart_id) == ("cust-bob", None)

    @pytest.mark.parametrize(
        ("by", "value", "refusal"),
        [
            (ShopperKey.LOYALTY_ID, "LOYAL-NOBODY", UnknownLoyaltyId),
            (ShopperKey.CART_CODE, "LOYAL-ADA", InvalidCartCode),
            (ShopperKey.CART_CODE, cart_code(UUID(int=7)), NotFound),
        ],
    )
    async def test_what_names_nobody_is_refused(
        self, by: ShopperKey, value: str, refusal: type
    ) -> None:
        service, _ = await shop()
        with pytest.raises(refusal):
            await service.shopper_at_till(by, value, TILL)

    async def test_the_code_of_a_cart_already_bought_is_refused(self) -> None:
        service, _ = await shop()
        cart = await adas_web_cart(service)
        await ring_up(service, cart)
        with pytest.raises(CartClosed):
            await service.shopper_at_till(ShopperKey.CART_CODE, cart_code(cart.id), TILL)

    @pytest.mark.parametrize("who", [ADA, STAFF])
    async def test_only_a_till_identifies_a_shopper(self, who: Context) -> None:
        service, _ = await shop()
        with pytest.raises(NotAllowed):
            await service.shopper_at_till(ShopperKey.LOYALTY_ID, "LOYAL-ADA", who)


class TestTheTillRingsUpTheCart:
    async def test_sale_stock_cart_and_current_cart_in_one_append(self) -> None:
        service, store = await shop()
        cart = await adas_web_cart(service)
        head = await store.last_position()

        done = await ring_up(service, cart, payment_reference="card-9")

        rung = done.result
        assert (rung.receipt, rung.customer_id, rung.cart_id) == (
            f"{STORE}/till-1/000200",
            "cust-ada",
            cart.id,
        )
        assert rung.total == Money.of("188.00")  # 39.00 + 149.00, the catalog's prices
        assert rung.changes == [
            CounterChange("LAVA-LAMP", in_cart=2, bought=1),
            CounterChange("RETRO-CLOCK", in_cart=1, bought=0),
            CounterChange("VINYL-PLAYER", in_cart=0, bought=1),
        ]
        written = await store.read_all(head)
        assert rung.points_earned == 188  # Ada's ledger earns on the money paid
        assert sorted(type(r.event).__qualname__ for r in written) == [
            "Cart.BoughtInStore",
            "CustomerCarts.CurrentCartClosed",
            "LoyaltyAccount.Earned",
            "LoyaltyAccount.Opened",
            "Sale.Recorded",
            "StockItem.Created",  # no vinyl player was ever received at this store
            "StockItem.SoldAtPos",
            "StockItem.SoldAtPos",
        ]
        assert len({r.position.transaction_id for r in written}) == 1
        sale = await service.repository.get(rung.sale_id, Sale)
        assert (sale.customer_id, sale.payment_reference) == ("cust-ada", "card-9")
        assert (await service.repository.get(cart.id, Cart)).status is CartStatus.BOUGHT_IN_STORE
        carts = await service.repository.get(customer_carts_id("cust-ada"), CustomerCarts)
        assert carts.current_cart_id is None
        assert (await on_hand(service, "LAVA-LAMP"), await on_hand(service, "RETRO-CLOCK")) == (
            4,
            5,
        )

    async def test_the_customer_starts_a_new_cart_afterwards(self) -> None:
        service, _ = await shop()
        cart = await adas_web_cart(service)
        await ring_up(service, cart)
        started = await service.start_cart(ADA, customer_id="cust-ada")
        assert started.result.cart_id != cart.id and not started.result.resumed

    async def test_a_sale_is_a_fact_even_where_the_system_saw_no_stock(self) -> None:
        service, _ = await shop()
        cart = await adas_web_cart(service)
        await ring_up(service, cart)  # no vinyl player was ever received here
        item = await service.repository.get(stock_item_id(STORE, "VINYL-PLAYER"), StockItem)
        assert (item.on_hand, item.discrepancy) == (0, 1)  # one unit sold nobody knew of

    async def test_a_cart_changed_since_the_till_read_it_is_refused_and_nothing_written(
        self,
    ) -> None:
        service, store = await shop()
        cart = await adas_web_cart(service)
        await service.add_to_cart(cart.id, "VINYL-PLAYER", 1, ADA)  # on the phone, meanwhile
        head = await store.last_position()
        with pytest.raises(StaleVersion) as refused:
            await ring_up(service, cart)
        assert (refused.value.expected, refused.value.actual) == (cart.version, cart.version + 1)
        assert await store.last_position() == head
        assert (await service.repository.get(cart.id, Cart)).is_open

    async def test_sent_again_it_is_recorded_once(self) -> None:
        service, store = await shop()
        cart = await adas_web_cart(service)
        first = await ring_up(service, cart)
        head = await store.last_position()
        again = await ring_up(service, cart)
        assert again.replayed and again.result == first.result
        assert await store.last_position() == head
        assert await on_hand(service, "LAVA-LAMP") == 4

    async def test_a_sale_number_used_for_another_sale_is_refused(self) -> None:
        service, store = await shop()
        cart = await adas_web_cart(service)
        await ring_up(service, cart)
        other = await adas_web_cart(service)
        await service.record_pos_sale(STORE, "till-1", "000300", BASKET, TILL)
        head = await store.last_position()
        for number, lines in (("000200", BASKET[:1]), ("000300", BASKET)):
            with pytest.raises(IdempotencyKeyReused):
                await ring_up(service, other, number, lines=lines)
        assert await store.last_position() == head

    async def test_an_empty_basket_is_no_sale(self) -> None:
        service, store = await shop()
        cart = await adas_web_cart(service)
        head = await store.last_position()
        with pytest.raises(EmptySale):
            await ring_up(service, cart, lines=[])
        assert await store.last_position() == head

    @pytest.mark.parametrize(
        "who",
        [
            ADA,
            STAFF,
            Context(
                channel=Channel.POS,
                actor=Actor(ActorKind.POS_TERMINAL, "till-9", ("AMS-CENTRAAL",)),
            ),
        ],
        ids=["customer", "staff", "till of another store"],
    )
    async def test_only_a_till_of_the_store_rings_up(self, who: Context) -> None:
        service, store = await shop()
        cart = await adas_web_cart(service)
        head = await store.last_position()
        with pytest.raises(NotAllowed):
            await service.ring_up_cart(
                STORE, "till-1", "000201", cart.id, cart.version, BASKET, who
            )
        assert await store.last_position() == head
