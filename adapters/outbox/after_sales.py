"""Integration events of what follows a purchase: returns, till sales and service-desk cases.
Pure functions of a domain event and its stream's first event (its origin), as mapping.py."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from adapters.outbox.contract import (
    Amount,
    Data,
    Line,
    ReturnReceived,
    ReturnRefunded,
    SaleRecorded,
    ServiceCaseResolved,
)
from domain.returns.model import Return
from domain.service_desk.model import ServiceCase
from domain.values import Money


def amount(money: Money) -> Amount:
    return Amount(amount=money.amount, currency=money.currency)


def _return(return_id: UUID, origin: Any) -> Return.Requested:
    if not isinstance(origin, Return.Requested):
        raise LookupError(f"return {return_id}: its Requested event is missing")
    return origin


def return_received(return_id: UUID, e: Any, origin: Any) -> Data:
    requested = _return(return_id, origin)
    return ReturnReceived(
        return_id=return_id,
        order_id=requested.order_id,
        sale_id=requested.sale_id,
        customer_id=requested.customer_id,
        location_id=e.location_id,
        lines=[
            Line(sku=x.sku, quantity=x.quantity, unit_price=amount(x.unit_price))
            for x in requested.lines
        ],
        received_at=e.at,
    )


def return_refunded(return_id: UUID, e: Any, origin: Any) -> Data:
    requested = _return(return_id, origin)
    return ReturnRefunded(
        return_id=return_id,
        order_id=requested.order_id,
        sale_id=requested.sale_id,
        customer_id=requested.customer_id,
        amount=amount(e.amount),
        reference=e.reference,
        refunded_at=e.at,
    )


def sale_recorded(sale_id: UUID, e: Any, _: object) -> Data:
    return SaleRecorded(
        sale_id=sale_id,
        store_id=e.store_id,
        till_id=e.till_id,
        customer_id=e.customer_id,
        total=amount(e.total),
        sold_at=e.sold_at,
    )


def case_resolved(case_id: UUID, e: Any, origin: Any) -> Data:
    if not isinstance(origin, ServiceCase.Opened):
        raise LookupError(f"service case {case_id}: its Opened event is missing")
    return ServiceCaseResolved(
        case_id=case_id, customer_id=origin.customer_id, store_id=origin.store_id, resolved_at=e.at
    )
