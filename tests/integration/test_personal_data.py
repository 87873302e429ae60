"""Personal data at rest in PostgreSQL: sealed with the data subject's key, read back in the
clear, and erased for good by forgetting the key (crypto-shredding), while the aggregates
still load and decide."""

from __future__ import annotations

from uuid import uuid4

from adapters.postgres.database import Database
from domain.cart.model import Cart
from domain.order.model import Order
from domain.personal import ERASED, customer_subject
from domain.pickup.model import Pickup
from domain.repository import Repository
from domain.returns.model import Inspection, Return, ReturnStatus
from domain.service import CommerceService
from domain.values import Actor, ActorKind, Channel, Context, Money
from projections.fulfillment_times import board
from tests.integration.conftest import Shop
from tests.integration.personal_journey import (
    ADA,
    MARKERS,
    STORE,
    ada_buys_collects_and_returns,
    cold_store,
    raw_rows,
    recorded_of,
    service,
)
from tests.shop import STAFF

__all__ = ["service"]  # the fixture, used by name


async def test_personal_texts_are_sealed_at_rest_and_read_in_the_clear(
    database: Database, service: CommerceService
) -> None:
    journey = await ada_buys_collects_and_returns(service)

    at_rest = await raw_rows(database)
    assert await database.pool.fetchval("SELECT count(*) FROM snapshots") > 0
    for marker in MARKERS.values():
        assert marker.encode() not in at_rest

    cold = Repository(cold_store(database, database.store.keys))
    assert (await cold.get(journey.return_id, Return)).reason == MARKERS["reason"]
    assert (await cold.get(journey.cart_id, Cart)).device_id == MARKERS["device"]
    recorded = await recorded_of(database.store, journey)
    proofs = [r.event.proof for r in recorded if isinstance(r.event, Pickup.Collected)]
    assert proofs == [MARKERS["proof"]]
    assert MARKERS["device"] in {r.context.device_id for r in recorded}


async def test_a_forgotten_customer_reads_as_erased_and_their_aggregates_still_decide(
    database: Database, service: CommerceService
) -> None:
    journey = await ada_buys_collects_and_returns(service)
    total = (await service.repository.get(journey.order_id, Order)).total

    forgotten = await database.store.forget(customer_subject("cust-ada"))

    assert forgotten == [customer_subject("cust-ada")]
    for store in (database.store, cold_store(database)):  # warm and cold
        repository = Repository(store)
        assert (await repository.get(journey.return_id, Return)).reason == ERASED
        assert (await repository.get(journey.cart_id, Cart)).device_id == ERASED
        recorded = await recorded_of(store, journey)
        assert {r.context.device_id for r in recorded if r.context.actor.id == "cust-ada"} == {
            ERASED
        }
        proofs = [r.event.proof for r in recorded if isinstance(r.event, Pickup.Collected)]
        assert proofs == [ERASED]
    # Business facts stay exact, and the return can still be received, inspected, refunded.
    assert (await service.repository.get(journey.order_id, Order)).total == total
    await service.receive_return(journey.return_id, STORE, STAFF)
    await service.inspect_return(journey.return_id, [Inspection("LAVA-LAMP", 1, 0)], STAFF)
    await service.refund_return(journey.return_id, STAFF)
    refunded = await service.repository.get(journey.return_id, Return)
    assert refunded.refunded == Money.of("39.00")
    assert refunded.status is ReturnStatus.INSPECTED  # refunded; the resellable unit to restock


async def test_a_guest_who_signed_in_is_forgotten_with_the_customer(
    database: Database, service: CommerceService
) -> None:
    guest_cart = uuid4()
    guest = Context(
        channel=Channel.WEB,
        device_id="MARKER-GUEST-LAPTOP",
        actor=Actor(ActorKind.GUEST, f"guest-{guest_cart}", cart_id=guest_cart),
    )
    await service.start_cart(guest, cart_id=guest_cart)
    await service.add_to_cart(guest_cart, "RETRO-CLOCK", 1, guest)
    await service.sign_in(guest_cart, "cust-ada", ADA)

    forgotten = await database.store.forget(customer_subject("cust-ada"))

    assert len(forgotten) == 2  # the customer, and the guest linked at sign-in
    cart = await Repository(cold_store(database)).get(guest_cart, Cart)
    assert cart.device_id == ERASED
    recorded = await database.store.history(guest_cart, 100)
    assert {r.context.device_id for r in recorded} == {ERASED}


async def test_what_is_written_after_the_key_is_forgotten_is_not_readable_either(
    database: Database, service: CommerceService
) -> None:
    journey = await ada_buys_collects_and_returns(service)
    await database.store.forget(customer_subject("cust-ada"))

    cart = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id

    assert (await service.repository.get(cart, Cart)).device_id == ERASED
    assert MARKERS["device"].encode() not in await raw_rows(database)
    assert (await service.repository.get(journey.order_id, Order)).customer_id == "cust-ada"


async def test_read_models_are_projected_from_the_opened_texts(shop: Shop) -> None:
    """Projections read sealed events as the aggregates do: in the clear (scrubbing the read
    models at an erasure is the erasure use case's: issue 20, item 2)."""
    journey = await ada_buys_collects_and_returns(shop.service)
    await shop.settled()

    today = await board(shop.pool, STORE, shop.clock.now())
    assert [card.collection_proof for card in today.collected_today] == [MARKERS["proof"]]
    reason = await shop.pool.fetchval(
        "SELECT reason FROM return_view WHERE return_id = $1", journey.return_id
    )
    assert reason == MARKERS["reason"]
