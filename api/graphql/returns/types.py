"""Returns as their customer and the stores see them."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from api.graphql.common import Money
from api.graphql.enums import ReturnChannel, ReturnStatus
from api.graphql.relay import Node, global_id
from domain.returns.model import Return as ReturnState
from projections.orders import ReturnView


@strawberry.type
class ReturnLine:
    sku: str
    quantity: int
    unit_price: Money


@strawberry.type
class Return(Node):
    return_id: UUID = strawberry.field(description="What `return(id:)` and the mutations take.")
    order_id: UUID | None = strawberry.field(description="The online order it came from.")
    sale_id: UUID | None = strawberry.field(description="Or the till sale it came from.")
    status: ReturnStatus
    channel: ReturnChannel
    reason: str
    lines: list[ReturnLine]
    location_id: str | None = strawberry.field(description="Where the goods were received.")
    refunded: Money | None
    requested_at: datetime

    @classmethod
    def of(cls, view: ReturnView) -> Return:
        currency = view.lines[0].unit_price.currency if view.lines else "EUR"
        return cls(
            id=global_id("Return", view.return_id),
            return_id=view.return_id,
            order_id=view.order_id,
            sale_id=view.sale_id,
            status=ReturnStatus(view.status),
            channel=ReturnChannel(view.channel),
            reason=view.reason,
            lines=[
                ReturnLine(
                    sku=line.sku, quantity=line.quantity, unit_price=Money.of(line.unit_price)
                )
                for line in view.lines
            ],
            location_id=view.location_id,
            refunded=Money(amount=view.refunded, currency=currency)
            if view.refunded is not None
            else None,
            requested_at=view.requested_at,
        )


def return_view_of(state: ReturnState) -> ReturnView:
    """The returns read model's row for a return, from the aggregate a mutation just saved."""
    return ReturnView(
        return_id=state.id,
        order_id=state.order_id,
        customer_id=state.customer_id,
        status=state.status.value,
        channel=state.channel.value,
        reason=state.reason,
        lines=list(state.lines),
        location_id=state.received_at_location,
        refunded=state.refunded.amount if state.refunded is not None else None,
        resellable=None,
        restocked=state.restocked,
        requested_at=state.requested_at,
        updated_at=state.modified_on,
        sale_id=state.sale_id,
    )
