"""The feedback specs' vocabulary, and the fixed data set whose CSAT by wait bucket is
computed by hand (the end-to-end test through `omni serve` answers the same surveys)."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid5

from domain.customer.consent import MarketingChannel
from domain.feedback.model import CustomerFeedback
from domain.feedback.values import (
    FeedbackPoint,
    Question,
    Touchpoint,
    WhatHappened,
    customer_feedback_id,
)
from domain.service_desk.model import ServiceCase
from domain.values import OMNI_NAMESPACE, Channel
from tests.projection_spec import Fact, Stream
from tests.read_models.facts import t

# Pickups at one store: minutes between ready and the promise (negative: before it), and the
# CSAT answer (None: the mail went, no answer came). A minute before rather than at the promise:
# through a real server, the clock runs on between skipping to an instant and marking ready.
WAITS_AND_SCORES: list[tuple[int, int | None]] = [
    (-10, 5), (-1, 4), (-5, 3),  # ready by the promise
    (10, 4), (12, 2),  # up to 15 minutes late
    (30, 3), (20, None),  # 15 to 60 minutes late
    (90, 1),  # over an hour late
]  # fmt: skip
# By hand: CSAT is the share of 4 and 5 among the answers, in percent.
CSAT_BY_WAIT = {
    "ready_by_promise": (3, 66.67, 4.0),  # 5, 4, 3: two of three; mean 4
    "late_up_to_15_min": (2, 50.0, 3.0),  # 4, 2
    "late_15_to_60_min": (1, 0.0, 3.0),  # 3 (the other one never answered)
    "late_over_60_min": (1, 0.0, 1.0),  # 1
}
PICKUP_TOTALS = (8, 7, 0.875, 3.143, 42.86)  # asked, answered, rate, mean 22/7, CSAT 3/7


def an_id(name: str) -> UUID:
    return uuid5(OMNI_NAMESPACE, f"spec:{name}")


def feedback_of(customer_id: str) -> Stream:
    return Stream(customer_feedback_id(customer_id))


def opened(customer_id: str) -> Fact:
    return feedback_of(customer_id).recorded(
        CustomerFeedback.Opened, customer_id=customer_id, at=t(0)
    )


def asked(
    customer_id: str,
    request: str,
    touchpoint: Touchpoint,
    question: Question,
    happened: WhatHappened | None = None,
    at: datetime | None = None,
) -> Fact:
    at = at or touchpoint.occurred_at
    return feedback_of(customer_id).recorded(
        CustomerFeedback.SurveyRequested,
        request_id=an_id(request),
        touchpoint=touchpoint,
        happened=happened or WhatHappened(),
        question=question,
        expires_at=at + timedelta(days=14),
        at=at,
    )


def sent(customer_id: str, request: str, at: datetime) -> Fact:
    return feedback_of(customer_id).recorded(
        CustomerFeedback.SurveySent,
        request_id=an_id(request),
        channel=MarketingChannel.EMAIL,
        at=at,
    )


def answered(
    customer_id: str,
    request: str,
    touchpoint: Touchpoint,
    question: Question,
    score: int,
    at: datetime,
    comment: str | None = None,
) -> Fact:
    return feedback_of(customer_id).recorded(
        CustomerFeedback.SurveyAnswered,
        request_id=an_id(request),
        touchpoint=touchpoint,
        question=question,
        score=score,
        comment=comment,
        at=at,
    )


def pickup_collected(
    name: str, store: str, at: datetime, channel: Channel = Channel.WEB
) -> Touchpoint:
    return Touchpoint(FeedbackPoint.PICKUP_COLLECTED, an_id(name), store, channel, at)


def waited_pickups(store: str) -> list[Fact]:
    """The fixed data set: one customer per pickup, each asked CSAT an hour after the promise."""
    facts = []
    for number, (late, score) in enumerate(WAITS_AND_SCORES, start=1):
        customer, request = f"cust-w{number}", f"pickup-{store}-{number}"
        promised = t(60)
        happened = WhatHappened(
            promised_ready_at=promised, ready_at=promised + timedelta(minutes=late)
        )
        touch = pickup_collected(request, store, t(240))
        facts += [opened(customer), asked(customer, request, touch, Question.CSAT, happened)]
        facts.append(sent(customer, request, t(241)))
        if score is not None:
            facts.append(answered(customer, request, touch, Question.CSAT, score, t(300)))
    return facts


def case(name: str) -> Stream:
    return Stream(an_id(f"case:{name}"))


def case_opened(name: str, store: str | None, at: datetime, customer_id: str = "cust-ada") -> Fact:
    return case(name).recorded(ServiceCase.Opened, customer_id=customer_id, store_id=store, at=at)


def contacted_again(name: str, at: datetime) -> Fact:
    return case(name).recorded(ServiceCase.ContactedAgain, at=at)


def resolved(name: str, at: datetime) -> Fact:
    return case(name).recorded(ServiceCase.Resolved, at=at)
