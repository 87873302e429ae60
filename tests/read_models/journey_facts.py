"""Journeys as the journey specs give them: a cart's way to an order collected at a store,
returns, and the funnel per (store, channel) the figures are read as."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from domain.cart.model import Cart
from domain.order.model import Fulfillment, Order
from domain.pickup.model import Pickup
from domain.returns.model import Return, ReturnChannel, ReturnLine
from domain.usecases.checkout_rules import pickup_id_for
from domain.values import Context, Money
from projections import journey_queries
from tests.projection_spec import Fact, Stream
from tests.read_models.facts import (
    CENTRAAL_PICKUP,
    LAPTOP,
    PRICES,
    SCHEDULER,
    T0,
    cart_started,
    days,
    line_added,
    order_lines,
    order_placed,
    stream,
    t,
)
from tests.shop import STAFF

MONDAY = T0.date()
LINES = order_lines(RETRO_CLOCK=1)


class Journey:
    """One cart's way to an order to collect at Centraal: its streams and its facts."""

    def __init__(self, number: int, device: Context) -> None:
        self.cart = stream(number, device)
        self.order = stream(number + 100, device)
        self.pickup = Stream(pickup_id_for(self.order.id), STAFF)

    def started(self, at: float = 0, customer_id: str = "cust-ada") -> list[Fact]:
        return [cart_started(self.cart, t(at), customer_id)]

    def with_a_line(self, at: float = 1) -> list[Fact]:
        return [*self.started(), line_added(self.cart, "RETRO-CLOCK", 1, t(at))]

    def checkout(
        self,
        at: float = 10,
        on: Context | None = None,
        fulfillment: Fulfillment = CENTRAAL_PICKUP,
    ) -> list[Fact]:
        """Checked out on the device `on` names (by default the one the cart started on)."""
        order = Stream(self.order.id, on or self.order.context)
        return [
            self.cart.recorded(Cart.CheckedOut, order_id=self.order.id, at=t(at)),
            order_placed(order, self.cart.id, LINES, t(at), fulfillment=fulfillment),
        ]

    def paid(self, at: float = 11) -> Fact:
        amount = Money.of("24.95")
        return self.order.recorded(Order.PaymentAuthorized, reference="a", amount=amount, at=t(at))

    def ready(self, at: float = 30) -> Fact:
        return self.pickup.recorded(
            Pickup.ReadyForPickup,
            shelf_spot="A1",
            pickup_code="C",
            at=t(at),
            collect_by=t(at) + days(7),
        )

    def collected(self, at: float = 90) -> Fact:
        return self.pickup.recorded(
            Pickup.Collected, staff_id="staff-bo", at=t(at), verified_code=True, proof=None
        )

    def not_collected(self) -> Fact:
        return self.pickup.recorded(
            Pickup.NotCollected, at=t(30) + days(7), staff_id=None, context=SCHEDULER
        )


ADAS = Journey(1, LAPTOP)


def requested(
    item: Stream,
    channel: ReturnChannel,
    at: float,
    order_id: UUID | None,
    sale_id: UUID | None = None,
) -> Fact:
    return item.recorded(
        Return.Requested,
        order_id=order_id,
        customer_id="cust-ada",
        lines=[ReturnLine("RETRO-CLOCK", 1, PRICES["RETRO-CLOCK"])],
        reason="",
        channel=channel,
        requested_at=t(at),
        sale_id=sale_id,
    )


def received(item: Stream, store_id: str, at: float) -> Fact:
    return item.recorded(Return.Received, location_id=store_id, at=t(at), context=STAFF)


def refunded(item: Stream, at: float) -> Fact:
    amount = Money.of("24.95")
    return item.recorded(Return.Refunded, amount=amount, reference="r", at=t(at), context=STAFF)


async def funnels(
    pool: asyncpg.Pool, day: date, **options: object
) -> dict[tuple[str | None, str], list[int]]:
    """Journeys that reached each step, per (store, channel)."""
    stats = await journey_queries.journey_stats(pool, day, day, **options)  # type: ignore[arg-type]
    return {(row.store_id, row.channel): [step.reached for step in row.funnel] for row in stats}
