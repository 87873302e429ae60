"""Who may do what (DESIGN §9), enforced by the use cases on the aggregates they load: each
refusal is a NotAllowed and writes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

import pytest

from adapters.memory import InMemoryEventStore
from domain.errors import NotAllowed
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.pickup.model import Pickup
from domain.returns.model import Inspection, ReturnChannel
from domain.service import CommerceService
from domain.usecases.stock import PosSaleLine
from domain.values import Actor, ActorKind, Channel, Context
from tests.shop import STAFF, as_uuid, make_service

CENTRAAL = "AMS-CENTRAAL"


def acting(kind: ActorKind, actor_id: str, *stores: str, cart_id: UUID | None = None) -> Context:
    channel = {ActorKind.POS_TERMINAL: Channel.POS, ActorKind.STAFF: Channel.STAFF}.get(
        kind, Channel.WEB
    )
    return Context(channel=channel, actor=Actor(kind, actor_id, stores=stores, cart_id=cart_id))


TILL = acting(ActorKind.POS_TERMINAL, "till-1", CENTRAAL)
ZUID_STAFF = acting(ActorKind.STAFF, "staff-cy", "AMS-ZUID")
ADA = acting(ActorKind.CUSTOMER, "cust-ada")
BOB = acting(ActorKind.CUSTOMER, "cust-bob")


@pytest.fixture
async def service() -> CommerceService:
    service = make_service(InMemoryEventStore())
    for sku in ("RETRO-CLOCK", "LAVA-LAMP"):
        await service.receive_stock(CENTRAAL, sku, 7, "delivery-1", STAFF)
    return service


async def refused(service: CommerceService, attempt: Callable[[], Awaitable[object]]) -> str:
    before = await service.store.last_position()
    with pytest.raises(NotAllowed) as refusal:
        await attempt()
    assert await service.store.last_position() == before
    return str(refusal.value)


async def ada_pickup(service: CommerceService) -> UUID:
    cart = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart, "RETRO-CLOCK", 1, ADA)
    pickup = Fulfillment(FulfillmentMethod.PICKUP, CENTRAAL)
    return as_uuid((await service.checkout(cart, pickup, ADA, "tok")).result.pickup_id)


class TestATill:
    async def test_sells_at_its_own_store_only(self, service: CommerceService) -> None:
        sale = [PosSaleLine("LAVA-LAMP", 1)]
        await service.record_pos_sale(CENTRAAL, "till-1", "s-1", sale, TILL)
        message = await refused(
            service, lambda: service.record_pos_sale("AMS-ZUID", "till-1", "s-2", sale, TILL)
        )
        assert "not allowed at store AMS-ZUID" in message

    async def test_may_not_pick_count_stock_or_inspect(self, service: CommerceService) -> None:
        pickup_id = await ada_pickup(service)
        picking = await refused(service, lambda: service.start_picking(pickup_id, "t", TILL))
        count = await refused(
            service, lambda: service.count_stock(CENTRAAL, "LAVA-LAMP", 99, "count", TILL)
        )
        assert "till may not pick" in picking and "till may not manage stock" in count

    async def test_takes_a_return_at_the_counter_but_may_not_inspect_or_refund_it(
        self, service: CommerceService
    ) -> None:
        return_id = await _received_return(service)
        judged = [Inspection("RETRO-CLOCK", 1, 0)]
        assert "may not inspect" in await refused(
            service, lambda: service.inspect_return(return_id, judged, TILL)
        )
        await service.inspect_return(return_id, judged, STAFF)
        assert "may not refund" in await refused(
            service, lambda: service.refund_return(return_id, TILL)
        )


class TestStaff:
    async def test_act_only_at_their_stores(self, service: CommerceService) -> None:
        pickup_id = await ada_pickup(service)
        message = await refused(service, lambda: service.start_picking(pickup_id, "cy", ZUID_STAFF))
        assert "not allowed at store AMS-CENTRAAL" in message

    async def test_do_not_change_shoppers_carts(self, service: CommerceService) -> None:
        cart = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
        message = await refused(service, lambda: service.add_to_cart(cart, "LAVA-LAMP", 1, STAFF))
        assert "staff may not shop" in message


class TestShoppers:
    async def test_a_customer_cannot_touch_another_customers_cart_or_order(
        self, service: CommerceService
    ) -> None:
        cart = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
        assert "not yours" in await refused(
            service, lambda: service.add_to_cart(cart, "LAVA-LAMP", 1, BOB)
        )
        pickup_id = await ada_pickup(service)
        order_id = (await service.repository.get(pickup_id, Pickup)).order_id
        assert "not yours" in await refused(
            service, lambda: service.cancel_order(order_id, "not mine", BOB)
        )

    async def test_a_guest_holds_only_the_cart_its_token_names(
        self, service: CommerceService
    ) -> None:
        mine = (await service.start_cart(acting(ActorKind.GUEST, "anonymous"))).result.cart_id
        other = (await service.start_cart(acting(ActorKind.GUEST, "anonymous"))).result.cart_id
        holder = acting(ActorKind.GUEST, f"guest-{mine}", cart_id=mine)
        await service.add_to_cart(mine, "LAVA-LAMP", 1, holder)
        assert "not yours" in await refused(
            service, lambda: service.add_to_cart(other, "LAVA-LAMP", 1, holder)
        )

    async def test_a_customer_may_not_pick(self, service: CommerceService) -> None:
        pickup_id = await ada_pickup(service)
        message = await refused(service, lambda: service.start_picking(pickup_id, "ada", ADA))
        assert "customer may not pick" in message

    async def test_only_the_customer_signs_in_as_themself(self, service: CommerceService) -> None:
        guest = (await service.start_cart(acting(ActorKind.GUEST, "anonymous"))).result.cart_id
        message = await refused(service, lambda: service.sign_in(guest, "cust-ada", BOB))
        assert "only the customer" in message


async def _received_return(service: CommerceService) -> UUID:
    pickup_id = await ada_pickup(service)
    await service.start_picking(pickup_id, "staff-bo", STAFF)
    ready = (await service.mark_ready(pickup_id, "B3", STAFF)).result
    await service.collect(pickup_id, ready.pickup_code or "", "staff-bo", STAFF)
    order_id = ready.order_id
    requested = await service.request_return(
        order_id, {"RETRO-CLOCK": 1}, "too loud", ReturnChannel.STORE, TILL
    )
    await service.receive_return(requested.result.return_id, CENTRAAL, TILL)
    return requested.result.return_id
