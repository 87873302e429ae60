"""A stock item's events read as a ledger: each event is one movement, with who and why."""

from __future__ import annotations

from typing import Any

from api.graphql.enums import Channel
from api.graphql.relay import global_id
from api.graphql.stock.types import ActorRef, StockMovement, StockMovementKind
from domain.ports import RecordedEvent
from domain.stock.model import StockItem

Kind = StockMovementKind


def movement(location_id: str, sku: str, recorded: RecordedEvent) -> StockMovement:
    kind, on_hand, reserved, discrepancy, reference = _effect(recorded.event)
    actor = recorded.context.actor
    return StockMovement(
        id=global_id("StockMovement", location_id, sku, recorded.version),
        location_id=location_id,
        sku=sku,
        version=recorded.version,
        at=recorded.recorded_at,
        kind=kind,
        on_hand_change=on_hand,
        reserved_change=reserved,
        discrepancy_change=discrepancy,
        reference=reference,
        actor=ActorRef(kind=actor.kind.value, id=actor.id),
        channel=Channel(recorded.context.channel),
    )


def _effect(e: Any) -> tuple[Kind, int, int, int, str | None]:
    """(kind, on hand change, reserved change, discrepancy change, reference)."""
    match e:
        case StockItem.Received():
            return Kind.RECEIVED, e.quantity, 0, 0, e.reference
        case StockItem.Adjusted():
            return Kind.COUNTED, e.delta, 0, 0, e.reason
        case StockItem.Reserved():
            return Kind.RESERVED, 0, e.quantity, 0, str(e.order_id)
        case StockItem.ReservationReleased():
            return Kind.RELEASED, 0, -e.quantity, 0, f"{e.order_id}: {e.reason}"
        case StockItem.ReservationConsumed():
            taken = e.quantity - e.shortfall
            return Kind.SOLD_ONLINE, -taken, -e.quantity, e.shortfall, str(e.order_id)
        case StockItem.SoldAtPos():
            taken = e.quantity - e.shortfall
            return Kind.SOLD_AT_POS, -taken, 0, e.shortfall, f"{e.terminal_id}/{e.sale_id}"
        case StockItem.Restocked():
            return Kind.RESTOCKED_FROM_RETURN, e.quantity, 0, 0, str(e.return_id)
    return Kind.OPENED, 0, 0, 0, None
