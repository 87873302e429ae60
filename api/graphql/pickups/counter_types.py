"""What a pickup card says for the counter and the curb: whether its order is paid and what is
left to pay, and whether its customer is here. The board's filters read `unpaid` and
`arrived`."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.graphql.common import Money
from api.graphql.context import Info
from api.graphql.enums import PaymentState
from projections.fulfillment_times import PickupCard


@strawberry.type
class CounterFields:
    card: strawberry.Private[PickupCard]

    @strawberry.field(description="Whether the order is paid, held on a card, or unpaid.")
    def payment(self) -> PaymentState:
        return PaymentState(self.card.payment)

    @strawberry.field(description="Nothing paid or held: take payment before hand-over.")
    def unpaid(self) -> bool:
        return self.card.payment == PaymentState.UNPAID.value

    @strawberry.field(description="The customer said they are here, and it is not handed over.")
    def arrived(self) -> bool:
        return self.card.arrived

    @strawberry.field(description="When the customer first said they are here (curbside).")
    def arrived_at(self) -> datetime | None:
        return self.card.arrived_at

    @strawberry.field(description="Where the customer waits, in their words: a bay, a car.")
    def bay_or_car(self) -> str | None:
        return self.card.bay_or_car

    @strawberry.field(
        description="What the customer pays at hand-over: the total less units short-picked "
        "(batched: one query per board)."
    )
    async def amount_to_pay(self, info: Info) -> Money | None:
        view = await info.context.loaders.orders.load(self.card.order_id)
        if view is None:
            return None
        return Money(amount=view.total - view.amount_due_back, currency=view.currency)
