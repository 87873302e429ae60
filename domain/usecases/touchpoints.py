"""The journey point a customer is asked about, read from the aggregates that recorded it: whose
it was, where, on which channel they bought, its journey, and what the analytics break
satisfaction down by (a pickup's promise, a return's request). Whether the journey switched
channels is the journeys read model's to say: the checkout's channel and device are metadata
of its events, not state an aggregate holds."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from domain.feedback.values import FeedbackPoint, Touchpoint, WhatHappened
from domain.order.model import Order
from domain.pickup.model import Pickup
from domain.returns.model import Return
from domain.sale.model import Sale
from domain.service_desk.model import ServiceCase
from domain.usecases.base import UseCases
from domain.values import Channel


class PointFacts(msgspec.Struct, frozen=True):
    customer_id: str | None  # None: an anonymous till sale or a guest's pickup: nobody to ask
    touchpoint: Touchpoint
    happened: WhatHappened


class TouchpointReads(UseCases):
    async def point_facts(
        self, point: FeedbackPoint, subject_id: UUID, occurred_at: datetime
    ) -> PointFacts:
        """What happened at the point; NotFound when the subject is not what it should be."""
        if point is FeedbackPoint.PICKUP_COLLECTED:
            return await self._pickup_facts(subject_id, occurred_at)
        if point is FeedbackPoint.RETURN_REFUNDED:
            return await self._return_facts(subject_id, occurred_at)
        if point is FeedbackPoint.TILL_SALE:
            sale = await self.repository.get(subject_id, Sale)
            touch = Touchpoint(point, sale.id, sale.store_id, Channel.POS, occurred_at)
            return PointFacts(sale.customer_id, touch, WhatHappened())
        case = await self.repository.get(subject_id, ServiceCase)
        # The service desk acting for a shopper is the call-centre channel (sales-channel record).
        touch = Touchpoint(point, case.id, case.store_id, Channel.CALL_CENTRE, occurred_at)
        return PointFacts(case.customer_id, touch, WhatHappened())

    async def _pickup_facts(self, pickup_id: UUID, occurred_at: datetime) -> PointFacts:
        pickup = await self.repository.get(pickup_id, Pickup)
        order = await self.repository.get(pickup.order_id, Order)
        touch = Touchpoint(
            FeedbackPoint.PICKUP_COLLECTED,
            pickup.id,
            pickup.store_id,
            order.channel,
            occurred_at,
            cart_id=order.cart_id,
            order_id=order.id,
        )
        happened = WhatHappened(
            promised_ready_at=pickup.promised_ready_at,
            ready_at=pickup.ready_at,
        )
        return PointFacts(pickup.customer_id, touch, happened)

    async def _return_facts(self, return_id: UUID, occurred_at: datetime) -> PointFacts:
        item = await self.repository.get(return_id, Return)
        channel, cart_id = Channel.POS, None  # a till sale's
        if item.order_id is not None:
            order = await self.repository.get(item.order_id, Order)
            channel, cart_id = order.channel, order.cart_id
        touch = Touchpoint(
            FeedbackPoint.RETURN_REFUNDED,
            item.id,
            item.received_at_location,
            channel,
            occurred_at,
            cart_id=cart_id,
            order_id=item.order_id,
        )
        happened = WhatHappened(return_requested_at=item.requested_at)
        return PointFacts(item.customer_id, touch, happened)
