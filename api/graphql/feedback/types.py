"""The customer's voice as clients see it: a survey as its link opens it, a customer's answers,
and the figures for store managers and the head office."""

from __future__ import annotations

import enum
from datetime import date, datetime
from uuid import UUID

import strawberry

from api.graphql.enums import Channel, FeedbackPoint, Question
from domain.feedback.model import Survey
from domain.feedback.wording import ENDS, prompt
from projections import feedback_queries as queries


@strawberry.enum(description="OPEN takes one answer; ANSWERED and EXPIRED take none.")
class SurveyState(enum.Enum):
    OPEN = "open"
    ANSWERED = "answered"
    EXPIRED = "expired"


def state_of(survey: Survey, now: datetime) -> SurveyState:
    if survey.answered_at is not None:
        return SurveyState.ANSWERED
    return SurveyState.EXPIRED if now > survey.expires_at else SurveyState.OPEN


@strawberry.type(description="One question put to a customer, as the survey's link opens it.")
class SurveyQuestion:
    question: Question
    point: FeedbackPoint
    prompt: str = strawberry.field(description="The question, about the point, to show.")
    lowest: int
    highest: int
    lowest_means: str
    highest_means: str
    store_name: str | None
    expires_at: datetime = strawberry.field(description="The last moment it takes an answer.")
    state: SurveyState

    @classmethod
    def of(cls, survey: Survey, store_name: str | None, now: datetime) -> SurveyQuestion:
        question, point = survey.question, survey.touchpoint.point
        low, high = ENDS[question]
        return cls(
            question=question,
            point=point,
            prompt=prompt(question, point, store_name),
            lowest=question.lowest,
            highest=question.highest,
            lowest_means=low,
            highest_means=high,
            store_name=store_name,
            expires_at=survey.expires_at,
            state=state_of(survey, now),
        )


@strawberry.type(
    description="A question put to the customer after a journey point, and their answer."
)
class FeedbackAnswer:
    request_id: UUID
    point: FeedbackPoint
    subject_id: UUID = strawberry.field(description="The pickup, return, till sale or case.")
    cart_id: UUID | None = strawberry.field(description="The journey, when there was one.")
    order_id: UUID | None
    store_id: str | None
    question: Question
    asked_at: datetime
    sent_at: datetime | None = strawberry.field(description="When a mail server accepted it.")
    expires_at: datetime
    answered_at: datetime | None
    score: int | None
    comment: str | None = strawberry.field(description="In the customer's words; personal data.")

    @classmethod
    def of(cls, survey: Survey, comment: str | None) -> FeedbackAnswer:
        touch = survey.touchpoint
        return cls(
            request_id=survey.request_id,
            point=touch.point,
            subject_id=touch.subject_id,
            cart_id=touch.cart_id,
            order_id=touch.order_id,
            store_id=touch.store_id,
            question=survey.question,
            asked_at=survey.requested_at,
            sent_at=survey.sent_at,
            expires_at=survey.expires_at,
            answered_at=survey.answered_at,
            score=survey.score,
            comment=comment,
        )


@strawberry.type(
    description="Surveys of one question. Asked: the link went out (a mail server accepted it). "
    "CSAT: percent answering 4 or 5; CES: the mean (7 is easiest); NPS: promoters (9-10) less "
    "detractors (0-6), in points."
)
class FeedbackScores:
    question: Question
    asked: int
    answered: int
    response_rate: float | None = strawberry.field(description="answered / asked.")
    average: float | None
    csat: float | None
    ces: float | None
    nps: float | None

    @classmethod
    def of(cls, scores: queries.Scores) -> FeedbackScores:
        return cls(
            question=Question(scores.question),
            asked=scores.asked,
            answered=scores.answered,
            response_rate=scores.response_rate,
            average=scores.average,
            csat=scores.csat,
            ces=scores.ces,
            nps=scores.nps,
        )


@strawberry.type(
    description="One day's surveys after one point at one store (none: the chain's service "
    "desk), by the channel the customer bought on (the desk: CALL_CENTRE)."
)
class FeedbackDay:
    day: date
    store_id: str | None
    point: FeedbackPoint
    channel: Channel
    scores: FeedbackScores

    @classmethod
    def of(cls, stats: queries.FeedbackStats) -> FeedbackDay:
        return cls(
            day=stats.day,
            store_id=stats.store_id,
            point=FeedbackPoint(stats.point),
            channel=Channel(stats.channel),
            scores=FeedbackScores.of(stats.scores),
        )


@strawberry.type(description="A store's surveys of one question over the days asked for.")
class StoreFeedback:
    store_id: str | None = strawberry.field(description="None: the chain's desk, or all stores.")
    all_stores: bool = strawberry.field(description="Every store asked for, together.")
    scores: FeedbackScores

    @classmethod
    def of(cls, score: queries.FeedbackScore) -> StoreFeedback:
        return cls(
            store_id=score.store_id,
            all_stores=score.all_stores,
            scores=FeedbackScores.of(score.scores),
        )


@strawberry.type(description="CSAT answers in one bucket of a breakdown.")
class CsatBucket:
    bucket: str = strawberry.field(description="Its code, e.g. late_15_to_60_min.")
    answered: int
    csat: float | None
    average: float | None

    @classmethod
    def of(cls, bucket: queries.CsatBucket) -> CsatBucket:
        return cls(
            bucket=bucket.bucket,
            answered=bucket.answered,
            csat=bucket.csat,
            average=bucket.average,
        )


@strawberry.type(
    description="Service-desk cases opened in the days asked for: first-contact resolution is "
    "resolved with no second contact from the opening until 7 days after the resolution."
)
class FirstContactResolution:
    store_id: str | None = strawberry.field(description="The desk's store (None: the chain's).")
    all_stores: bool
    opened: int
    resolved: int
    settled: int = strawberry.field(description="Resolved, and the 7 days passed or broken.")
    first_contact_resolved: int
    rate: float | None = strawberry.field(description="first_contact_resolved / settled.")

    @classmethod
    def of(cls, stats: queries.FcrStats) -> FirstContactResolution:
        return cls(
            store_id=stats.store_id,
            all_stores=stats.all_stores,
            opened=stats.opened,
            resolved=stats.resolved,
            settled=stats.settled,
            first_contact_resolved=stats.first_contact_resolved,
            rate=stats.rate,
        )
