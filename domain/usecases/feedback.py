"""Feedback use cases: a journey point asks its customer one question (through the notifier, only
with their consent), the link going out is recorded, and the customer answers once."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

import msgspec

from domain import access, bounds
from domain.access import Capability
from domain.customer.consent import MarketingChannel, MessageKind
from domain.customer.profile import CustomerProfile
from domain.feedback.model import Asked, CustomerFeedback, Survey, SurveyAlreadyAnswered
from domain.feedback.values import (
    MAX_COMMENT_LENGTH,
    FeedbackPoint,
    Question,
    SurveyRules,
    customer_feedback_id,
    survey_id_for,
)
from domain.idempotency import IdempotencyKeyReused, idempotent
from domain.usecases.base import Decision, Done
from domain.usecases.profiles import CustomerProfiles
from domain.usecases.touchpoints import TouchpointReads
from domain.values import Context, customer_profile_id

SURVEY = MessageKind.SATISFACTION_SURVEY


class NotAsked(enum.StrEnum):
    """Why a point asked nobody (beside the aggregate's own `Asked` outcomes)."""

    NO_QUESTION_HERE = "no_question_here"  # the rules ask nothing after this point
    NO_CUSTOMER = "no_customer"  # an anonymous sale, a guest: nobody to ask
    NO_CONSENT = "no_consent"  # marketing by this channel is not agreed to (or erasure asked)


class FeedbackRequested(msgspec.Struct, frozen=True):
    outcome: str  # an Asked or a NotAsked value
    request_id: UUID
    customer_id: str | None = None
    question: Question | None = None
    expires_at: datetime | None = None

    @property
    def to_send(self) -> bool:
        """A request exists: new, or recorded by an earlier delivery of the same point."""
        return self.outcome in (Asked.REQUESTED, Asked.ALREADY_REQUESTED)


class SurveySent(msgspec.Struct, frozen=True):
    request_id: UUID
    recorded: bool  # False: it was known to be sent already


class SurveyAnswer(msgspec.Struct, frozen=True):
    request_id: UUID
    question: Question
    score: int
    answered_at: datetime


class FeedbackUseCases(CustomerProfiles, TouchpointReads):
    async def request_feedback(
        self,
        point: FeedbackPoint,
        subject_id: UUID,
        occurred_at: datetime,
        rules: SurveyRules,
        channel: MarketingChannel,
        context: Context,
    ) -> Done[FeedbackRequested]:
        """After a journey point, ask its customer the point's question: once per point, only
        with their consent to marketing by `channel`, and NPS at most once per cadence."""
        access.require(context.actor, Capability.NOTIFY)
        request_id, question = survey_id_for(point, subject_id), rules.question_after(point)
        now = self.clock.now()

        async def decide() -> Decision[FeedbackRequested]:
            if question is None:
                return Decision([], FeedbackRequested(NotAsked.NO_QUESTION_HERE, request_id))
            facts = await self.point_facts(point, subject_id, occurred_at)
            if facts.customer_id is None:
                return Decision([], FeedbackRequested(NotAsked.NO_CUSTOMER, request_id))
            customer_id = await self.survivor_of(facts.customer_id)
            if not await self._may_ask(customer_id, channel):
                refused = FeedbackRequested(NotAsked.NO_CONSENT, request_id, customer_id)
                return Decision([], refused)
            feedback = await self._feedback(customer_id, now)
            asked = feedback.request(
                request_id, facts.touchpoint, facts.happened, question, rules, now
            )
            survey = feedback.surveys.get(request_id)
            expires_at = survey.expires_at if survey else None
            outcome = FeedbackRequested(asked, request_id, customer_id, question, expires_at)
            return Decision([feedback], outcome)

        return await self._execute(decide, FeedbackRequested, context)

    async def record_survey_sent(
        self, customer_id: str, request_id: UUID, channel: MarketingChannel, context: Context
    ) -> Done[SurveySent]:
        """A mail server accepted the survey: a fact on the feedback stream, and marketing sent
        on the customer's profile, in one append."""
        access.require(context.actor, Capability.NOTIFY)
        now = self.clock.now()

        async def decide() -> Decision[SurveySent]:
            feedback = await self.repository.get(
                customer_feedback_id(customer_id), CustomerFeedback
            )
            if not feedback.record_sent(request_id, channel, now):
                return Decision([], SurveySent(request_id, recorded=False))
            profile = await self._profile(customer_id, now)
            profile.record_marketing_sent(SURVEY, channel, request_id, now)
            return Decision([feedback, profile], SurveySent(request_id, recorded=True))

        return await self._execute(decide, SurveySent, context)

    async def answer_survey(
        self, customer_id: str, request_id: UUID, score: int, comment: str | None, context: Context
    ) -> Done[SurveyAnswer]:
        """The customer's one answer. The same answer sent again (a double click, a retry)
        answers the first outcome and writes nothing; another one is SURVEY_ALREADY_ANSWERED."""
        access.require_customer(context.actor, customer_id)
        bounds.require_length(comment, MAX_COMMENT_LENGTH, "comment")
        comment = (comment or "").strip() or None
        now = self.clock.now()
        request = idempotent(
            f"survey-answer:{request_id}", "answer_survey", score=score, comment=comment
        )

        async def decide() -> Decision[SurveyAnswer]:
            feedback = await self.repository.get(
                customer_feedback_id(customer_id), CustomerFeedback
            )
            survey = feedback.answer(request_id, score, comment, now)
            assert survey.answered_at is not None  # just recorded
            answer = SurveyAnswer(request_id, survey.question, score, survey.answered_at)
            return Decision([feedback], answer)

        try:
            return await self._execute(decide, SurveyAnswer, context, request)
        except IdempotencyKeyReused:
            raise SurveyAlreadyAnswered(request_id=request_id) from None

    async def surveys_of(self, customer_id: str) -> list[tuple[Survey, str | None]]:
        """Every question put to the customer, newest first, each with its comment (read from
        the answer's event: the state never holds one)."""
        events = await self.store.read_stream(customer_feedback_id(customer_id))
        if not events:
            return []
        feedback = await self.repository.get(customer_feedback_id(customer_id), CustomerFeedback)
        comments = {
            e.request_id: e.comment
            for e in events
            if isinstance(e, CustomerFeedback.SurveyAnswered)
        }
        surveys = sorted(feedback.surveys.values(), key=lambda s: (s.requested_at, s.request_id))
        return [(survey, comments.get(survey.request_id)) for survey in reversed(surveys)]

    async def feedback_of(self, customer_id: str) -> CustomerFeedback | None:
        """Every question put to the customer, read from their stream (exact, not a view)."""
        return await self.repository.find(customer_feedback_id(customer_id), CustomerFeedback)

    async def _may_ask(self, customer_id: str, channel: MarketingChannel) -> bool:
        profile = await self.repository.find(customer_profile_id(customer_id), CustomerProfile)
        return profile is not None and profile.may_receive(SURVEY, channel)

    async def _feedback(self, customer_id: str, at: datetime) -> CustomerFeedback:
        found = await self.feedback_of(customer_id)
        return found if found is not None else CustomerFeedback.open(customer_id, at)
