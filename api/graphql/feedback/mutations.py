"""`answerSurvey` for whoever holds a survey's link (no sign-in: the link names the customer
and the survey), and the service desk's cases: opened, contacted again, resolved."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from api.graphql.common import Payload, attempt
from api.graphql.context import Info
from api.graphql.enums import Question
from api.graphql.errors import UserError
from api.graphql.feedback.queries import SurveyToken, survey_of_link
from api.graphql.limits import ID_LIMIT, BoundedId, described
from domain.feedback.values import MAX_COMMENT_LENGTH
from domain.usecases.base import Done
from domain.usecases.service_desk import CaseChanged
from domain.values import Actor, ActorKind, Context

Comment = Annotated[
    str | None,
    described(f"In the customer's own words, at most {MAX_COMMENT_LENGTH:,} characters."),
]


@strawberry.type
class AnswerSurveyPayload(Payload):
    question: Question | None = None
    score: int | None = None
    answered_at: datetime | None = None


@strawberry.type
class ServiceCasePayload(Payload):
    case_id: UUID | None = None
    status: str | None = strawberry.field(default=None, description="open or resolved.")
    contacts: int | None = strawberry.field(default=None, description="The first one included.")


@strawberry.type
class FeedbackMutations:
    @strawberry.mutation(
        description="The customer's one answer to the survey their link names, within its "
        "question's scale (CSAT 1-5, CES 1-7, NPS 0-10) and before it expires. The same answer "
        "sent again answers as the first time; another one is SURVEY_ALREADY_ANSWERED."
    )
    async def answer_survey(
        self, info: Info, token: SurveyToken, score: int, comment: Comment = None
    ) -> AnswerSurveyPayload:
        context = info.context
        customer_id, request_id = survey_of_link(context, token)
        # The link is the customer's credential: they answer as themself.
        as_customer = Context(
            channel=context.channel,
            actor=Actor(ActorKind.CUSTOMER, customer_id),
            correlation_id=context.correlation_id,
        )
        use_case = context.services.service.answer_survey
        outcome = await attempt(use_case(customer_id, request_id, score, comment, as_customer))
        if isinstance(outcome, UserError):
            return AnswerSurveyPayload(user_errors=[outcome])
        answer = outcome.result
        return AnswerSurveyPayload(
            user_errors=[],
            position=outcome.position.token(),
            question=answer.question,
            score=answer.score,
            answered_at=answer.answered_at,
        )

    @strawberry.mutation(
        description="The service desk opens a case for a known customer: at the desk's store "
        "(staff of one store), the one named, or the chain's (none)."
    )
    async def open_service_case(
        self,
        info: Info,
        customer_id: BoundedId,
        store_id: Annotated[str | None, described(f"The desk's store. {ID_LIMIT}")] = None,
        idempotency_key: Annotated[str | None, described(ID_LIMIT)] = None,
    ) -> ServiceCasePayload:
        context = info.context
        context.require()
        use_case = context.services.service.open_service_case
        return _case(
            await attempt(use_case(customer_id, context.command(), store_id, idempotency_key))
        )

    @strawberry.mutation(
        description="The customer came back about the case; a resolved case opens again."
    )
    async def record_service_case_contact(self, info: Info, case_id: UUID) -> ServiceCasePayload:
        context = info.context
        context.require()
        use_case = context.services.service.contact_service_case
        return _case(await attempt(use_case(case_id, context.command())))

    @strawberry.mutation(description="The case is resolved (asks the customer, with consent).")
    async def resolve_service_case(self, info: Info, case_id: UUID) -> ServiceCasePayload:
        context = info.context
        context.require()
        use_case = context.services.service.resolve_service_case
        return _case(await attempt(use_case(case_id, context.command())))


def _case(outcome: Done[CaseChanged] | UserError) -> ServiceCasePayload:
    if isinstance(outcome, UserError):
        return ServiceCasePayload(user_errors=[outcome])
    case = outcome.result
    return ServiceCasePayload(
        user_errors=[],
        position=outcome.position.token(),
        case_id=case.case_id,
        status=case.status,
        contacts=case.contacts,
    )
