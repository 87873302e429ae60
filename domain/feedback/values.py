"""What the customer is asked, where, and what the system knew of that moment: the values the
feedback stream and the service desk's cases share."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from uuid import UUID, uuid5

import msgspec

from domain.personal import Code
from domain.values import OMNI_NAMESPACE, Channel

MAX_COMMENT_LENGTH = 1_000  # a few sentences; bounded so every read of it stays small


class FeedbackPoint(enum.StrEnum):
    """The journey points after which a customer may be asked one question."""

    PICKUP_COLLECTED = "pickup_collected"
    RETURN_REFUNDED = "return_refunded"
    TILL_SALE = "till_sale"  # a sale at a till with an identified customer
    SERVICE_CASE = "service_case"  # a service-desk case resolved


class Question(enum.StrEnum):
    CSAT = "csat"  # "how satisfied were you", 1 to 5
    CES = "ces"  # "how easy was it", 1 to 7
    NPS = "nps"  # "how likely are you to recommend us", 0 to 10

    @property
    def lowest(self) -> int:
        return 0 if self is Question.NPS else 1

    @property
    def highest(self) -> int:
        return {Question.CSAT: 5, Question.CES: 7, Question.NPS: 10}[self]


class SurveyRules(msgspec.Struct, frozen=True):
    """Which question follows which point (none: nobody is asked there), how long a link
    works, and how often a customer may be asked for NPS."""

    questions: dict[FeedbackPoint, Question]
    link_days: int = 14
    nps_cadence_days: int = 90

    def question_after(self, point: FeedbackPoint) -> Question | None:
        return self.questions.get(point)

    @property
    def link_lifetime(self) -> timedelta:
        return timedelta(days=self.link_days)

    @property
    def nps_cadence(self) -> timedelta:
        return timedelta(days=self.nps_cadence_days)


DEFAULT_QUESTIONS = {
    FeedbackPoint.PICKUP_COLLECTED: Question.CSAT,
    FeedbackPoint.RETURN_REFUNDED: Question.CSAT,
    FeedbackPoint.TILL_SALE: Question.NPS,
    FeedbackPoint.SERVICE_CASE: Question.CES,
}


class Touchpoint(msgspec.Struct, frozen=True):
    """The moment the customer is asked about: what it was, where, on which channel they
    bought, and the journey (their cart) it belongs to, when there was one."""

    point: FeedbackPoint
    subject_id: UUID  # the pickup, the return, the till sale or the case
    store_id: Code | None
    channel: Channel  # where they bought (a case: the service desk, CALL_CENTRE)
    occurred_at: datetime
    cart_id: UUID | None = None  # the journey
    order_id: UUID | None = None


class WhatHappened(msgspec.Struct, frozen=True):
    """The facts the analytics break satisfaction down by, as the write side knew them when
    the customer was asked: when a pickup was promised and was ready, when a return was asked
    for (a switch of channel is the journeys read model's: docs/decisions)."""

    promised_ready_at: datetime | None = None
    ready_at: datetime | None = None
    return_requested_at: datetime | None = None


def survey_id_for(point: FeedbackPoint, subject_id: UUID) -> UUID:
    """One request per journey point: a redelivered message asks nobody twice."""
    return uuid5(OMNI_NAMESPACE, f"survey:{point.value}:{subject_id}")


def customer_feedback_id(customer_id: str) -> UUID:
    """The stream of every question put to one customer and their answers."""
    return uuid5(OMNI_NAMESPACE, f"customer-feedback:{customer_id}")
