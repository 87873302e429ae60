"""What a till records: a counter sale tied to the shopper when they identify themselves,
safe to send again with the same sale number; its receipt finds it again for a return."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Annotated
from uuid import UUID

import strawberry

from api.auth import AccountErased, InvalidToken, Role
from api.graphql.common import Money, Payload, attempt
from api.graphql.context import Info, RequestContext
from api.graphql.errors import UserError, invalid
from api.graphql.limits import (
    SALE_LINES_LIMIT,
    SALE_NUMBER_LIMIT,
    SALE_QUANTITY_LIMIT,
    SKU_LIMIT,
    UNIT_PRICE_LIMIT,
    OptionalId,
    described,
)
from domain import bounds
from domain.errors import ErrorCode
from domain.usecases.base import Done
from domain.usecases.sales import PosSaleLine, SaleRecorded
from domain.values import Money as DomainMoney


@strawberry.input
class SaleLineInput:
    sku: str = strawberry.field(description=SKU_LIMIT)
    quantity: int = strawberry.field(description=SALE_QUANTITY_LIMIT)
    unit_price: Decimal | None = strawberry.field(default=None, description=UNIT_PRICE_LIMIT)


@strawberry.type
class PosSalePayload(Payload):
    sale_id: UUID | None = None
    receipt: str | None = strawberry.field(default=None, description="Printed on the receipt.")
    customer_id: str | None = None
    total: Money | None = None
    location_id: str | None = None
    points_redeemed: int | None = None
    points_earned: int | None = None


@strawberry.type
class PosMutations:
    @strawberry.mutation(description="A counter sale at this till (safe to send again).")
    async def record_pos_sale(
        self,
        info: Info,
        sale_id: Annotated[str, described(SALE_NUMBER_LIMIT)],
        lines: Annotated[list[SaleLineInput], described(SALE_LINES_LIMIT)],
        payment_reference: OptionalId = None,
        loyalty_id: OptionalId = None,
        customer_token: Annotated[
            str | None,
            strawberry.argument(description="The shopper's own token, scanned from their app."),
        ] = None,
        redeem_points: Annotated[
            int | None,
            strawberry.argument(
                description="Loyalty points the shopper pays part of it with (INSUFFICIENT_POINTS "
                "beyond their balance; nothing is recorded then)."
            ),
        ] = None,
    ) -> PosSalePayload:
        context = info.context
        till = context.require(Role.POS)
        customer_id = _customer_of(context, customer_token)
        if isinstance(customer_id, UserError):
            return PosSalePayload(user_errors=[customer_id])
        store = till.stores[0] if till.stores else ""

        async def record() -> Done[SaleRecorded]:
            return await context.services.service.record_pos_sale(
                store,
                till.subject,
                sale_id,
                sold_lines(lines),
                context.command(),
                payment_reference=payment_reference,
                loyalty_id=loyalty_id,
                customer_id=customer_id,
                redeem_points=redeem_points,
            )

        return _sale_payload(await attempt(record()))


def _customer_of(context: RequestContext, token: str | None) -> str | UserError | None:
    if token is None:
        return None
    try:
        shopper = context.services.tokens.verify(token, time.time())
    except AccountErased as error:  # as a customer the till cannot find
        return UserError(code=ErrorCode.UNKNOWN_CUSTOMER, field="customerToken", message=str(error))
    except InvalidToken as error:
        return invalid("customerToken", str(error))
    if shopper.role is not Role.CUSTOMER:
        return invalid("customerToken", "not a customer's token")
    return shopper.subject


def sold_lines(lines: list[SaleLineInput]) -> list[PosSaleLine]:
    """The lines as the till sent them. Called as the use case runs, so a price out of bounds
    is refused as a userError."""
    return [PosSaleLine(line.sku, line.quantity, _price(line.unit_price)) for line in lines]


def _price(amount: Decimal | None) -> DomainMoney | None:
    return bounds.price(amount, subject="lines") if amount is not None else None


def _sale_payload(outcome: Done[SaleRecorded] | UserError) -> PosSalePayload:
    if isinstance(outcome, UserError):
        return PosSalePayload(user_errors=[outcome])
    result = outcome.result
    return PosSalePayload(
        user_errors=[],
        position=outcome.position.token(),
        sale_id=result.sale_id,
        receipt=result.receipt or None,
        customer_id=result.customer_id,
        total=Money.of(result.total) if result.total is not None else None,
        location_id=result.location_id,
        points_redeemed=result.points_redeemed,
        points_earned=result.points_earned,
    )
