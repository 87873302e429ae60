"""One idempotency key, one request, on PostgreSQL, for every use case that takes a key
(checkout, goods in, a till's sale): other arguments under a used key are refused and write
nothing, and a refused attempt binds nothing, so its retry runs as new
(docs/decisions/2026-12-06-idempotency-refusals.md)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from adapters.memory_catalog import InMemoryCatalog, InMemoryCustomers
from adapters.postgres.database import Database
from domain.cart.model import Cart, CartStatus
from domain.errors import DomainError, ErrorCode
from domain.idempotency import IdempotencyKeyReused
from domain.order.model import Fulfillment, FulfillmentMethod, Order
from domain.service import CommerceService, Done
from domain.usecases.checkout import order_id_for
from domain.usecases.sales import PosSaleLine
from domain.values import Channel
from tests.shop import LOCATIONS, PRODUCTS, STAFF, ctx, make_service

TILL = ctx(Channel.POS, "till-1")
AT_CENTRAAL = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
AT_ZUID = Fulfillment(FulfillmentMethod.PICKUP, "AMS-ZUID")


async def vinyl_cart(service: CommerceService) -> Any:
    cart_id = (await service.start_cart(ctx())).result.cart_id
    await service.add_to_cart(cart_id, "VINYL-PLAYER", 1, ctx())
    return cart_id


async def test_the_same_key_for_another_cart_is_refused_and_the_cart_stays_open(
    database: Database,
) -> None:
    service, store = make_service(database.store), database.store
    await service.receive_stock("AMS-CENTRAAL", "VINYL-PLAYER", 2, "delivery", STAFF)
    first_cart, second_cart = await vinyl_cart(service), await vinyl_cart(service)
    placed = await service.checkout(
        first_cart, AT_CENTRAAL, ctx(), payment_token="tok-visa", idempotency_key="ada-co-1"
    )
    head = await store.committed_head()

    with pytest.raises(IdempotencyKeyReused) as refused:
        await service.checkout(
            second_cart, AT_CENTRAAL, ctx(), payment_token="tok-visa", idempotency_key="ada-co-1"
        )

    assert refused.value.code is ErrorCode.IDEMPOTENCY_KEY_REUSED
    assert refused.value.subject == "idempotency_key"
    assert await store.committed_head() == head
    assert (await service.repository.get(second_cart, Cart)).status is CartStatus.OPEN
    assert await service.repository.find(order_id_for(second_cart), Order) is None
    again = await service.checkout(
        first_cart, AT_CENTRAAL, ctx(), payment_token="tok-visa", idempotency_key="ada-co-1"
    )
    assert again.replayed and again.result == placed.result


@dataclasses.dataclass(frozen=True)
class KeyedCalls:
    """Two requests under one key: the first refused (`refusal`), the second accepted."""

    refused: Callable[[], Awaitable[Done[Any]]]
    refusal: ErrorCode
    accepted: Callable[[], Awaitable[Done[Any]]]
    key: str


async def checkout_at_two_stores(service: CommerceService) -> KeyedCalls:
    await service.receive_stock("AMS-CENTRAAL", "VINYL-PLAYER", 1, "delivery", STAFF)
    cart_id = await vinyl_cart(service)

    def at(fulfillment: Fulfillment) -> Callable[[], Awaitable[Done[Any]]]:
        return lambda: service.checkout(
            cart_id, fulfillment, ctx(), payment_token="tok-visa", idempotency_key="co-vinyl-1"
        )

    return KeyedCalls(at(AT_ZUID), ErrorCode.OUT_OF_STOCK, at(AT_CENTRAAL), "co-vinyl-1")


async def goods_in_twice(service: CommerceService) -> KeyedCalls:
    def receive(quantity: int) -> Callable[[], Awaitable[Done[Any]]]:
        return lambda: service.receive_stock(
            "AMS-ZUID", "LAVA-LAMP", quantity, "note-77", STAFF, idempotency_key="note-77"
        )

    return KeyedCalls(receive(0), ErrorCode.INVALID_QUANTITY, receive(6), "note-77")


async def one_sale_number_twice(service: CommerceService) -> KeyedCalls:
    def sell(sku: str) -> Callable[[], Awaitable[Done[Any]]]:
        return lambda: service.record_pos_sale(
            "AMS-ZUID", "till-1", "000901", [PosSaleLine(sku, 1)], TILL
        )

    key = "pos-sale:AMS-ZUID:till-1:000901"
    return KeyedCalls(sell("NO-SUCH-SKU"), ErrorCode.UNKNOWN_PRODUCT, sell("LAVA-LAMP"), key)


@pytest.mark.parametrize(
    "given",
    [checkout_at_two_stores, goods_in_twice, one_sale_number_twice],
    ids=lambda g: g.__name__,
)
async def test_a_refused_attempt_binds_nothing_and_the_key_names_the_request_carried_out(
    database: Database, given: Callable[[CommerceService], Awaitable[KeyedCalls]]
) -> None:
    service, store = make_service(database.store), database.store
    calls = await given(service)
    head = await store.committed_head()

    with pytest.raises(DomainError) as refused:
        await calls.refused()
    assert refused.value.code is calls.refusal
    assert await store.committed_head() == head
    assert await store.outcome_of(calls.key) is None

    done = await calls.accepted()  # same key, other arguments: runs as a new request
    assert not done.replayed and done.position > head
    carried_out = await store.committed_head()

    with pytest.raises(IdempotencyKeyReused):
        await calls.refused()
    again = await calls.accepted()
    assert again.replayed and (again.result, again.position) == (done.result, done.position)
    assert await store.committed_head() == carried_out


async def test_a_retry_is_answered_before_reference_data_that_has_since_gone_is_checked(
    database: Database,
) -> None:
    service, store = make_service(database.store), database.store
    lamps = [PosSaleLine("LAVA-LAMP", 1)]
    received = await service.receive_stock(
        "AMS-ZUID", "LAVA-LAMP", 6, "note-78", STAFF, idempotency_key="note-78"
    )
    sold = await service.record_pos_sale(
        "AMS-ZUID", "till-1", "000902", lamps, TILL, loyalty_id="LOYAL-ADA"
    )
    head = await store.committed_head()
    # The lamp left the catalog and Ada's card was withdrawn; then both requests come again.
    later = dataclasses.replace(
        service,
        catalog=InMemoryCatalog([p for p in PRODUCTS if p.sku != "LAVA-LAMP"], LOCATIONS),
        customers=InMemoryCustomers(),
    )

    received_again = await later.receive_stock(
        "AMS-ZUID", "LAVA-LAMP", 6, "note-78", STAFF, idempotency_key="note-78"
    )
    sold_again = await later.record_pos_sale(
        "AMS-ZUID", "till-1", "000902", lamps, TILL, loyalty_id="LOYAL-ADA"
    )

    assert received_again.replayed and received_again.result == received.result
    assert sold_again.replayed and sold_again.result == sold.result
    assert await store.committed_head() == head
    with pytest.raises(DomainError) as refused:  # a new request meets today's catalog
        await later.receive_stock(
            "AMS-ZUID", "LAVA-LAMP", 6, "note-79", STAFF, idempotency_key="note-79"
        )
    assert refused.value.code is ErrorCode.UNKNOWN_PRODUCT
