"""POST /pos/sync: a till that was offline uploads its sales. Each sale has its own number
and is safe to send again; each is answered on its own (recorded, already recorded, or
rejected with a code and a message), so one bad sale never blocks the others."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Annotated, Any

import msgspec
from litestar import Request, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, NotAuthorizedException, SerializationException
from litestar.params import Body

from api.auth import InvalidToken, Principal, Role
from api.http_errors import UNREADABLE, unreadable
from api.storable_text import dotted, find_unstorable, refusal
from domain import bounds
from domain.bounds import (
    MAX_SALE_LINE_QUANTITY,
    MAX_SALE_LINES,
    MAX_SALE_NUMBER_LENGTH,
)
from domain.errors import DomainError, ErrorCode
from domain.usecases.stock import PosSaleLine
from domain.values import Channel, Context, Money

MAX_SALES_PER_SYNC = 500
INVALID_INPUT = ErrorCode.INVALID_INPUT.value


class SoldLine(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    # Past its bound, a SKU is refused by the sale (INVALID_INPUT), not the whole upload.
    sku: Annotated[str, msgspec.Meta(min_length=1, description="The product sold")]
    quantity: Annotated[
        int, msgspec.Meta(gt=0, le=MAX_SALE_LINE_QUANTITY, description="Units, at least 1")
    ]
    # msgspec cannot bound a Decimal: the sale refuses a negative price (INVALID_SALE_LINE)
    # and one past MAX_UNIT_PRICE, or not a number (INVALID_INPUT).
    unit_price: Annotated[Decimal | None, msgspec.Meta(description="What the till charged")] = None


class OfflineSale(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    sale_id: Annotated[
        str,
        msgspec.Meta(
            min_length=1, max_length=MAX_SALE_NUMBER_LENGTH, description="The till's sale number"
        ),
    ]
    lines: Annotated[list[SoldLine], msgspec.Meta(min_length=1, max_length=MAX_SALE_LINES)]
    payment_reference: str | None = None
    loyalty_id: Annotated[
        str | None, msgspec.Meta(description="The shopper's loyalty card, when scanned")
    ] = None


class PosSync(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    """Sales recorded while the till was offline, oldest first."""

    sales: Annotated[list[OfflineSale], msgspec.Meta(min_length=1, max_length=MAX_SALES_PER_SYNC)]


class SaleOutcome(msgspec.Struct, frozen=True, rename="camel", omit_defaults=True):
    sale_id: str
    status: Annotated[str, msgspec.Meta(description="recorded, already_recorded or rejected")]
    receipt: str | None = None
    position: str | None = None
    error_code: str | None = None
    message: str | None = None


async def _readable_json(request: Request[Any, Any, Any]) -> None:
    """Reads the body as JSON before Litestar validates it into PosSync (which reuses what was
    read): a body that is not UTF-8 or nests past msgspec's limit escapes Litestar's own
    validation as a 500. Here it is the 400 that malformed JSON already gets."""
    try:
        await request.json()
    except (SerializationException, *UNREADABLE) as error:
        raise ClientException(unreadable(error)) from None


@post("/pos/sync", status_code=200, tags=["pos"], before_request=_readable_json)
async def pos_sync(
    request: Request[Any, Any, Any],
    state: State,
    data: Annotated[PosSync, Body(media_type=RequestEncodingType.JSON)],
) -> list[SaleOutcome]:
    """Upload a till's offline sales with `Authorization: Bearer <till token>`; each sale is
    recorded once however often it is sent."""
    till = _till(request, state)
    context = Context(channel=Channel.POS, device_id=till.subject, actor=till.actor)
    return [await _record(state, till, sale, context) for sale in data.sales]


async def _record(
    state: State, till: Principal, sale: OfflineSale, context: Context
) -> SaleOutcome:
    unstorable = find_unstorable(sale)
    if unstorable is not None:
        where, character = unstorable
        message = refusal(dotted(where), character)
        return SaleOutcome(sale.sale_id, "rejected", error_code=INVALID_INPUT, message=message)
    try:
        done = await state.services.service.record_pos_sale(
            till.stores[0],
            till.subject,
            sale.sale_id,
            [PosSaleLine(line.sku, line.quantity, _price(line.unit_price)) for line in sale.lines],
            context,
            payment_reference=sale.payment_reference,
            loyalty_id=sale.loyalty_id,
        )
    except DomainError as refused:
        return SaleOutcome(
            sale.sale_id, "rejected", error_code=refused.code.value, message=str(refused)
        )
    status = "already_recorded" if done.replayed else "recorded"
    receipt = done.result.receipt or None
    return SaleOutcome(sale.sale_id, status, receipt=receipt, position=done.position.token())


def _price(amount: Decimal | None) -> Money | None:
    return bounds.price(amount, subject="lines") if amount is not None else None


def _till(request: Request[Any, Any, Any], state: State) -> Principal:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("use 'Authorization: Bearer <till token>'")
    try:
        caller: Principal = state.services.tokens.verify(token, time.time())
    except InvalidToken as error:
        raise NotAuthorizedException(str(error)) from None
    if caller.role is not Role.POS or not caller.stores:
        raise NotAuthorizedException("a till (POS) token is required")
    return caller
