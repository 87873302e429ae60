"""The in-memory store keeps personal data as PostgreSQL does: sealed, and erased by forgetting
the key; and a customer's words never reach a stream that has no data subject."""

from __future__ import annotations

from adapters.memory import InMemoryEventStore
from domain.order.model import Fulfillment, FulfillmentMethod
from domain.personal import ERASED, customer_subject
from domain.ports import Position
from domain.stock.model import StockItem
from domain.values import Actor, ActorKind, Channel, Context
from tests.shop import STAFF, make_service

ADA = Context(
    channel=Channel.MOBILE, device_id="MARKER-PHONE", actor=Actor(ActorKind.CUSTOMER, "cust-ada")
)
WORDS = "MARKER-my-sister-Eve-bought-me-one"


async def test_a_cancellation_reason_is_sealed_and_stock_records_its_own_words() -> None:
    store = InMemoryEventStore()
    service = make_service(store)
    await service.receive_stock("AMS-CENTRAAL", "LAVA-LAMP", 3, "delivery-1", STAFF)
    cart_id = (await service.start_cart(ADA, customer_id="cust-ada")).result.cart_id
    await service.add_to_cart(cart_id, "LAVA-LAMP", 1, ADA)
    pickup = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
    order_id = (await service.checkout(cart_id, pickup, ADA, payment_token="tok")).result.order_id

    await service.cancel_order(order_id, WORDS, ADA)

    recorded = await store.read_all(Position())
    released = [r.event for r in recorded if isinstance(r.event, StockItem.ReservationReleased)]
    assert [e.reason for e in released] == ["order cancelled"]
    assert WORDS in {getattr(r.event, "reason", None) for r in recorded}  # read in the clear
    at_rest = b"".join(stored.encoded.state for stored in store._log)
    assert WORDS.encode() not in at_rest and b"MARKER-PHONE" not in at_rest

    await store.forget(customer_subject("cust-ada"))

    after = await store.read_all(Position())
    assert WORDS not in {getattr(r.event, "reason", None) for r in after}
    assert {r.context.device_id for r in after if r.context.actor.id == "cust-ada"} == {ERASED}
