"""The counter's part of a pickup's card (the fulfillment_times read model): whether its order
is paid, from the order's own events, and whether its customer has arrived (curbside).

Checkout appends the order's events before the pickup's, so a payment can be known before
the card exists: `pickup_payment` keeps each pickup order's payment state, and a new card
starts from it.
"""

from __future__ import annotations

import enum

import asyncpg

from domain.order.model import FulfillmentMethod, Order
from domain.pickup.model import Pickup
from domain.ports import RecordedEvent

ORDER_TOPIC = "domain.order.model:Order."
OPEN = frozenset({"requested", "picking", "ready"})


class PaymentState(enum.StrEnum):
    PAID = "paid"  # captured: handed over, or paid in full
    AUTHORIZED = "authorized"  # held on the customer's card, captured at hand-over
    UNPAID = "unpaid"  # nothing held: placed without payment, or declined


PAYMENT_TABLE = """
    CREATE TABLE pickup_payment{s} (
        order_id  uuid PRIMARY KEY,
        payment   text NOT NULL
    );
"""

PAYMENT_AFTER: dict[type, str] = {
    Order.PaymentAuthorized: PaymentState.AUTHORIZED.value,
    Order.PaymentCaptured: PaymentState.PAID.value,
    Order.PaymentFailed: PaymentState.UNPAID.value,  # declined: nothing is held on a card
}


async def apply_order_event(
    connection: asyncpg.Connection, recorded: RecordedEvent, suffix: str
) -> None:
    e, order_id = recorded.event, recorded.stream_id
    if isinstance(e, Order.Placed):
        if e.fulfillment.method is FulfillmentMethod.PICKUP:
            await connection.execute(
                f"""INSERT INTO pickup_payment{suffix} (order_id, payment) VALUES ($1, $2)
                    ON CONFLICT (order_id) DO NOTHING""",
                order_id,
                PaymentState.UNPAID.value,
            )
        return
    payment = PAYMENT_AFTER.get(type(e))
    if payment is None:
        return
    # Shipped orders have no row in either table: both updates find nothing.
    await connection.execute(
        f"""WITH kept AS (UPDATE pickup_payment{suffix} SET payment = $2 WHERE order_id = $1)
            UPDATE pickup_view{suffix} SET payment = $2 WHERE order_id = $1""",
        order_id,
        payment,
    )


async def customer_arrived(
    connection: asyncpg.Connection, suffix: str, pickup_id: object, e: Pickup.CustomerArrived
) -> None:
    """The wait is measured from the first "I'm here"; a later one only says where they are."""
    await connection.execute(
        f"""UPDATE pickup_view{suffix} SET arrived_at = coalesce(arrived_at, $2), bay_or_car = $3
            WHERE pickup_id = $1""",
        pickup_id,
        e.at,
        e.bay_or_car,
    )
