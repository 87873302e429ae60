"""The customer's voice in the replay benchmark's history: surveys asked after collected
pickups and till sales, sent, mostly answered; service-desk cases opened, some contacted
again, resolved. As the write side records them, without the notifier."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from domain.customer.consent import MarketingChannel
from domain.feedback.model import CustomerFeedback
from domain.feedback.values import (
    DEFAULT_QUESTIONS,
    FeedbackPoint,
    SurveyRules,
    Touchpoint,
    WhatHappened,
    survey_id_for,
)
from domain.pickup.model import Pickup
from domain.service_desk.model import ServiceCase
from domain.values import Channel

RULES = SurveyRules(DEFAULT_QUESTIONS)


def feedback_events(
    number: int, pickup: Pickup, feedback: dict[str, CustomerFeedback], now: datetime
) -> list:  # type: ignore[type-arg]
    """Every 2nd shopper is asked CSAT about the pickup (two in three answer); every 20th
    opens a case at the desk, every 40th comes back about it before it is resolved."""
    customer = pickup.customer_id
    if customer is None:
        return []
    events: list = []  # type: ignore[type-arg]
    if number % 2 == 0:
        stream = feedback.get(customer) or CustomerFeedback.open(customer, now)
        feedback[customer] = stream
        touch = Touchpoint(
            FeedbackPoint.PICKUP_COLLECTED, pickup.id, pickup.store_id, Channel.MOBILE, now,
            order_id=pickup.order_id,
        )  # fmt: skip
        happened = WhatHappened(pickup.promised_ready_at, pickup.ready_at)
        request_id = survey_id_for(FeedbackPoint.PICKUP_COLLECTED, pickup.id)
        stream.request(request_id, touch, happened, RULES.questions[touch.point], RULES, now)
        stream.record_sent(request_id, MarketingChannel.EMAIL, now)
        if number % 3:
            stream.answer(request_id, 1 + number % 5, "quick" if number % 7 == 0 else None, now)
        events += stream.collect_events()
    if number % 20 == 0:
        case = ServiceCase.open(uuid4(), customer, pickup.store_id, now)
        if number % 40 == 0:
            case.contact_again(now + timedelta(hours=2))
        case.resolve(now + timedelta(hours=3))
        events += case.collect_events()
    return events
