"""The single customer view as clients see it: who, a header of what they bought and what is
open, every touchpoint newest first, and the carts they can still recover.

A `Customer` is only ever handed out by `me` or `customer(id)`, which decide who may see it;
its fields read the read models for that one customer id."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from api.auth import Role
from api.graphql.carts.types import CartLine
from api.graphql.catalog.recommendations import Recommendation, recommend
from api.graphql.common import Money
from api.graphql.context import Info
from api.graphql.customers.consent import Consent
from api.graphql.enums import Channel, TouchpointKind
from api.graphql.errors import Forbidden
from api.graphql.feedback.types import FeedbackAnswer
from api.graphql.loyalty.types import Loyalty
from api.graphql.relay import (
    Connection,
    Node,
    Page,
    decode_cursor,
    encode_cursor,
    global_id,
    paged,
)
from domain.feedback.model import Survey
from domain.values import Money as DomainMoney
from projections import cart_continuity, cart_recovery, timeline_queries
from projections.cart_recovery import RecoverableCart as RecoverableCartView
from projections.cart_recovery import RecoverableKey
from projections.loyalty import loyalty_of
from projections.timeline_queries import TimelineHeader
from projections.timeline_queries import Touchpoint as TouchpointView

Answered = tuple[Survey, str | None]


@strawberry.type(description="One thing the customer did, or that happened to their business.")
class Touchpoint:
    at: datetime
    kind: TouchpointKind
    channel: Channel = strawberry.field(description="web, mobile, pos (a till), staff, ...")
    device_id: str | None
    store_id: str | None
    cart_id: UUID | None
    order_id: UUID | None
    pickup_id: UUID | None
    return_id: UUID | None
    sale_id: UUID | None
    summary: str = strawberry.field(description="One line for a person to read.")

    @classmethod
    def of(cls, view: TouchpointView) -> Touchpoint:
        return cls(
            at=view.at,
            kind=TouchpointKind(view.kind),
            channel=Channel(view.channel),
            device_id=view.device_id,
            store_id=view.store_id,
            cart_id=view.cart_id,
            order_id=view.order_id,
            pickup_id=view.pickup_id,
            return_id=view.return_id,
            sale_id=view.sale_id,
            summary=view.summary,
        )


@strawberry.type(description="Purchases on one channel (online orders, or till sales as POS).")
class ChannelPurchases:
    channel: Channel
    purchases: int
    value: Money = strawberry.field(description="Not cancelled, less cancelled lines.")


@strawberry.type(description="The header of the customer view: lifetime figures, what is open.")
class CustomerSummary:
    purchases: list[ChannelPurchases]
    refunded: list[Money] = strawberry.field(description="Per currency.")
    open_carts: int
    open_pickups: int
    open_returns: int
    pickups_not_notified: int = strawberry.field(
        description="Open pickups ready for them that nobody has told them about: no notice "
        "was accepted by a mail server (none sent, or every send failed) nor given by staff."
    )

    @classmethod
    def of(cls, header: TimelineHeader) -> CustomerSummary:
        return cls(
            purchases=[
                ChannelPurchases(
                    channel=Channel(p.channel),
                    purchases=p.purchases,
                    value=Money(amount=p.value, currency=p.currency),
                )
                for p in header.purchases
            ],
            refunded=[Money(amount=v, currency=c) for c, v in sorted(header.refunded.items())],
            open_carts=header.open_carts,
            open_pickups=header.open_pickups,
            open_returns=header.open_returns,
            pickups_not_notified=header.not_notified,
        )


@strawberry.type(description="An abandoned cart its owner can still recover (recoverCart).")
class RecoverableCart:
    cart_id: UUID
    channel: Channel = strawberry.field(description="Where it was started.")
    abandoned_at: datetime
    lines: list[CartLine] = strawberry.field(description="As they were: recovery re-checks them.")
    value: Money

    @classmethod
    def of(cls, view: RecoverableCartView) -> RecoverableCart:
        return cls(
            cart_id=view.cart_id,
            channel=Channel(view.channel),
            abandoned_at=view.abandoned_at,
            lines=[
                CartLine(
                    id=global_id("CartLine", view.cart_id, line.sku),
                    cart_id=view.cart_id,
                    sku=line.sku,
                    quantity=line.quantity,
                    unit_price=Money.of(line.unit_price),
                    subtotal=Money.of(line.subtotal),
                )
                for line in view.lines
            ],
            value=Money.of(DomainMoney(view.value, view.currency)),
        )


@strawberry.type(description="One customer's view, across every channel.")
class Customer(Node):
    customer_id: str = strawberry.field(description="What `customer(id:)` takes.")
    first_name: str | None = strawberry.field(description="From the customer directory.")

    @strawberry.field(
        description="Their last word on marketing per channel (none: never asked), as the "
        "profile records it: exact, not a read model."
    )
    async def consents(self, info: Info) -> list[Consent]:
        found = await info.context.services.service.consents_of(self.customer_id)
        return [Consent.of(consent) for consent in found]

    @strawberry.field(description="Lifetime purchases by channel; open carts, pickups, returns.")
    async def summary(self, info: Info) -> CustomerSummary:
        pool = info.context.read_pool
        return CustomerSummary.of(await timeline_queries.timeline_header(pool, self.customer_id))

    @strawberry.field(description="Every touchpoint on every channel, newest first.")
    async def timeline(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Touchpoint]:
        page, pool = Page(first, after, last, before), info.context.read_pool

        async def fetch(key: tuple[datetime, int] | None, limit: int) -> list[TouchpointView]:
            cursor = encode_cursor(key) if key is not None else None
            found = await timeline_queries.timeline(pool, self.customer_id, limit, cursor)
            return found.touchpoints

        def key(t: TouchpointView) -> tuple[datetime, int]:
            return t.at, t.position

        return await paged(page, tuple[datetime, int], fetch, key, Touchpoint.of)

    @strawberry.field(
        description="The questions put to them after journey points, newest first, with their "
        "answers and comments (read from their stream: exact, and erased with them)."
    )
    async def feedback(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[FeedbackAnswer]:
        page = Page(first, after, last, before)
        decode_cursor(after, tuple[datetime, UUID])
        surveys = await info.context.services.service.surveys_of(self.customer_id)

        async def fetch(key: tuple[datetime, UUID] | None, limit: int) -> list[Answered]:
            return [row for row in surveys if key is None or _survey_key(row) < key][:limit]

        return await paged(page, tuple[datetime, UUID], fetch, _survey_key, _answer)

    @strawberry.field(
        description="Their loyalty points: balance, owed, totals and movements in every channel."
    )
    async def loyalty(self, info: Info) -> Loyalty:
        view = await loyalty_of(info.context.read_pool, self.customer_id)
        return Loyalty.of(view, info.context.services.service.loyalty_rules.point_value)

    @strawberry.field(description="Abandoned carts that still hold lines, newest first.")
    async def recoverable_carts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[RecoverableCart]:
        page, pool = Page(first, after, last, before), info.context.read_pool

        async def fetch(key: RecoverableKey | None, limit: int) -> list[RecoverableCartView]:
            return await cart_recovery.recoverable_carts(
                pool, self.customer_id, after=key, limit=limit
            )

        key = cart_recovery.recoverable_key
        return await paged(page, RecoverableKey, fetch, key, RecoverableCart.of)

    @strawberry.field(
        description="For the associate serving them (staff of a store they have business with, "
        "or the service desk): items bought together with what they bought on any channel or "
        "hold in their current cart, none of those, in stock at `storeId` (default: where they "
        "last bought), best first, each with its reason. Nothing for an erased customer."
    )
    async def recommendations(
        self, info: Info, first: int | None = None, store_id: str | None = None
    ) -> list[Recommendation]:
        return await _recommendations(info, self.customer_id, first, store_id)


async def _recommendations(
    info: Info, customer_id: str, first: int | None, store_id: str | None
) -> list[Recommendation]:
    """Only staff see them: a store's staff reach a customer through `customer(id)`, which
    lets them see only customers with business at their stores; the service desk, anyone."""
    caller = info.context.require()
    if caller.role is not Role.STAFF:
        raise Forbidden("recommendations are for the staff serving the customer")
    cart = await cart_continuity.current_cart(info.context.read_pool, customer_id)
    in_cart = [line.sku for line in cart.lines] if cart else []
    return await recommend(info, customer_id, in_cart, store_id, first)


def _survey_key(row: tuple[Survey, str | None]) -> tuple[datetime, UUID]:
    """Newest first: a later page holds the keys below its cursor's."""
    return row[0].requested_at, row[0].request_id


def _answer(row: tuple[Survey, str | None]) -> FeedbackAnswer:
    return FeedbackAnswer.of(*row)
