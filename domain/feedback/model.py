"""CustomerFeedback: every question put to one customer after a journey point, and their answers,
decided on one stream per customer.

One stream per customer makes the NPS cadence exact (two points racing to ask the same person
collide on its version) and keeps each request answerable once. The comment is the customer's
own words: declared personal, sealed with their key, and never kept in the state (the state is
snapshotted; only top-level event fields are sealed), so it is read from the answer's event.
"""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate, event

from domain.customer.consent import MarketingChannel
from domain.errors import DomainError, ErrorCode, NotFound
from domain.feedback.values import (
    FeedbackPoint,
    Question,
    SurveyRules,
    Touchpoint,
    WhatHappened,
    customer_feedback_id,
)
from domain.personal import CustomerRef, DataSubject, PersonalText, customer_subject


class SurveyExpired(DomainError):
    code = ErrorCode.SURVEY_EXPIRED
    subject = "token"
    message = "this survey closed at {expires_at}; thank you all the same"


class SurveyAlreadyAnswered(DomainError):
    code = ErrorCode.SURVEY_ALREADY_ANSWERED
    subject = "token"
    message = "this survey was answered already; one answer per survey"


class InvalidScore(DomainError):
    code = ErrorCode.INVALID_SCORE
    subject = "score"
    message = "{question} is answered from {lowest} to {highest}, not {score}"


class Asked(enum.StrEnum):
    """What became of a point's request to ask the customer."""

    REQUESTED = "requested"
    ALREADY_REQUESTED = "already_requested"  # the same point again: a redelivery
    NPS_NOT_DUE = "nps_not_due"  # asked for NPS within the cadence


class Survey(msgspec.Struct, frozen=True):
    """One question put to the customer, as the state keeps it (never the comment)."""

    request_id: UUID
    touchpoint: Touchpoint
    question: Question
    requested_at: datetime
    expires_at: datetime
    sent_at: datetime | None = None
    answered_at: datetime | None = None
    score: int | None = None
    has_comment: bool = False


class CustomerFeedback(Aggregate):
    """The questions one customer was asked and what they answered."""

    customer_id: CustomerRef
    surveys: dict[UUID, Survey]
    last_nps_at: datetime | None

    class Opened(Aggregate.Created):
        customer_id: CustomerRef
        at: datetime

    class SurveyRequested(Aggregate.Event):
        request_id: UUID
        touchpoint: Touchpoint
        happened: WhatHappened
        question: Question
        expires_at: datetime
        at: datetime

    class SurveySent(Aggregate.Event):
        """A mail server accepted the survey's link for the customer."""

        request_id: UUID
        channel: MarketingChannel
        at: datetime

    class SurveyAnswered(Aggregate.Event):
        request_id: UUID
        touchpoint: Touchpoint  # again, so that the answer alone says what it was about
        question: Question
        score: int
        comment: PersonalText | None  # in the customer's words, at most MAX_COMMENT_LENGTH
        at: datetime

    @classmethod
    def open(cls, customer_id: str, at: datetime) -> CustomerFeedback:
        return cls._create(
            cls.Opened, id=customer_feedback_id(customer_id), customer_id=customer_id, at=at
        )

    @event(Opened)
    def __init__(self, customer_id: str, at: datetime) -> None:
        self.customer_id = customer_id
        self.surveys = {}
        self.last_nps_at = None

    @property
    def data_subject(self) -> DataSubject:
        return customer_subject(self.customer_id)

    def request(
        self,
        request_id: UUID,
        touchpoint: Touchpoint,
        happened: WhatHappened,
        question: Question,
        rules: SurveyRules,
        at: datetime,
    ) -> Asked:
        """Ask one question about a point; once per point, and NPS at most once per cadence."""
        if request_id in self.surveys:
            return Asked.ALREADY_REQUESTED
        if question is Question.NPS and not self.nps_due(rules, at):
            return Asked.NPS_NOT_DUE
        self._requested(
            request_id=request_id,
            touchpoint=touchpoint,
            happened=happened,
            question=question,
            expires_at=at + rules.link_lifetime,
            at=at,
        )
        return Asked.REQUESTED

    def nps_due(self, rules: SurveyRules, at: datetime) -> bool:
        return self.last_nps_at is None or at - self.last_nps_at >= rules.nps_cadence

    @event(SurveyRequested)
    def _requested(
        self,
        request_id: UUID,
        touchpoint: Touchpoint,
        happened: WhatHappened,
        question: Question,
        expires_at: datetime,
        at: datetime,
    ) -> None:
        self.surveys[request_id] = Survey(request_id, touchpoint, question, at, expires_at)
        if question is Question.NPS:
            self.last_nps_at = at

    def record_sent(self, request_id: UUID, channel: MarketingChannel, at: datetime) -> bool:
        """The link went out; False (nothing recorded) when that is known already."""
        if self.survey(request_id).sent_at is not None:
            return False
        self._sent(request_id=request_id, channel=channel, at=at)
        return True

    @event(SurveySent)
    def _sent(self, request_id: UUID, channel: MarketingChannel, at: datetime) -> None:
        self.surveys[request_id] = msgspec.structs.replace(self.surveys[request_id], sent_at=at)

    def answer(self, request_id: UUID, score: int, comment: str | None, at: datetime) -> Survey:
        """The customer's one answer, within the question's range, before the link expires."""
        survey = self.survey(request_id)
        if survey.answered_at is not None:
            raise SurveyAlreadyAnswered(request_id=request_id)
        if at > survey.expires_at:
            raise SurveyExpired(request_id=request_id, expires_at=survey.expires_at)
        question = survey.question
        if not question.lowest <= score <= question.highest:
            raise InvalidScore(
                question=question.name, lowest=question.lowest, highest=question.highest,
                score=score,
            )  # fmt: skip
        self._answered(
            request_id=request_id,
            touchpoint=survey.touchpoint,
            question=question,
            score=score,
            comment=comment or None,
            at=at,
        )
        return self.surveys[request_id]

    @event(SurveyAnswered)
    def _answered(
        self,
        request_id: UUID,
        touchpoint: Touchpoint,
        question: Question,
        score: int,
        comment: str | None,
        at: datetime,
    ) -> None:
        self.surveys[request_id] = msgspec.structs.replace(
            self.surveys[request_id], answered_at=at, score=score, has_comment=bool(comment)
        )

    def survey(self, request_id: UUID) -> Survey:
        found = self.surveys.get(request_id)
        if found is None:
            raise NotFound(f"no survey {request_id} for this customer", id=request_id)
        return found


__all__ = [
    "Asked",
    "CustomerFeedback",
    "FeedbackPoint",
    "InvalidScore",
    "Question",
    "Survey",
    "SurveyAlreadyAnswered",
    "SurveyExpired",
]
