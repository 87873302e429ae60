"""`survey(token)`: a survey as its link opens it, for anyone holding the link; and
`feedbackAnalytics`: the customer's voice for store managers (their stores) and admins."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg
import strawberry

from api.auth import InvalidToken, Role, StaffRole
from api.graphql.context import Info, RequestContext
from api.graphql.errors import BadInput, Forbidden, NotAuthenticated, NotFoundError
from api.graphql.feedback.types import (
    CsatBucket,
    FeedbackDay,
    FirstContactResolution,
    StoreFeedback,
    SurveyQuestion,
)
from api.graphql.limits import BoundedArguments, described
from api.graphql.relay import Connection, Page, decode_cursor, paged
from domain.feedback.model import Survey
from projections import feedback_queries as queries

MAX_DAYS = 366
MAX_STORES = 500
MAX_LINK_LENGTH = 2_000  # a survey token is a few hundred characters
FEEDBACK_VIEWS = ("feedback", "journeys")
DayKey = tuple[date, bool, str, str, str, str]  # the chain's desk (no store) after the stores
SurveyToken = Annotated[str, described("The token of the survey's link (after its `#`).")]


def survey_of_link(context: RequestContext, token: str) -> tuple[str, UUID]:
    """The customer and the survey a link names; NOT_AUTHENTICATED for any other token."""
    if len(token) > MAX_LINK_LENGTH:
        raise BadInput(f"token: at most {MAX_LINK_LENGTH:,} characters")
    try:
        return context.services.tokens.verify_survey_link(token.strip())
    except InvalidToken as refusal:
        raise NotAuthenticated(f"this survey link is not valid: {refusal}") from None


async def find_survey(context: RequestContext, customer_id: str, request_id: UUID) -> Survey:
    feedback = await context.services.service.feedback_of(customer_id)
    survey = feedback.surveys.get(request_id) if feedback else None
    if survey is None:
        raise NotFoundError("this survey does not exist (any more)")
    return survey


@strawberry.type(description="The customer's voice over some days, for some stores.")
class FeedbackAnalytics:
    scope: strawberry.Private[queries.Scope]
    now: strawberry.Private[datetime]

    @strawberry.field(description="Per store and question, then all the stores together.")
    async def by_store(self, info: Info) -> list[StoreFeedback]:
        rows = await queries.feedback_scores(_pool(info), self.scope)
        return [StoreFeedback.of(row) for row in rows]

    @strawberry.field(description="Per day, store, point, channel and question.")
    async def daily(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[FeedbackDay]:
        page = Page(first, after, last, before)
        decode_cursor(after, DayKey)
        rows = sorted(await queries.feedback_stats(_pool(info), self.scope), key=_day_key)

        async def fetch(key: DayKey | None, limit: int) -> list[Any]:
            return [row for row in rows if key is None or _day_key(row) > key][:limit]

        return await paged(page, DayKey, fetch, _day_key, FeedbackDay.of)

    @strawberry.field(
        description="CSAT after pickups by when they were ready: ready_by_promise, "
        "late_up_to_15_min, late_15_to_60_min, late_over_60_min."
    )
    async def csat_by_wait(self, info: Info) -> list[CsatBucket]:
        return [CsatBucket.of(b) for b in await queries.csat_by_wait(_pool(info), self.scope)]

    @strawberry.field(
        description="CSAT by whether the journey crossed channels, as the journey figures "
        "judge it: same_channel, switched, no_journey (till sales, service-desk cases)."
    )
    async def csat_by_channel_switch(self, info: Info) -> list[CsatBucket]:
        found = await queries.csat_by_channel_switch(_pool(info), self.scope)
        return [CsatBucket.of(b) for b in found]

    @strawberry.field(
        description="CSAT after refunds by the time from the return's request to its refund: "
        "within_1_day, within_3_days, within_7_days, over_7_days."
    )
    async def csat_by_return_resolution(self, info: Info) -> list[CsatBucket]:
        found = await queries.csat_by_return_resolution(_pool(info), self.scope)
        return [CsatBucket.of(b) for b in found]

    @strawberry.field(description="Per desk's store, then all together.")
    async def first_contact_resolution(self, info: Info) -> list[FirstContactResolution]:
        found = await queries.first_contact_resolution(_pool(info), self.scope, self.now)
        return [FirstContactResolution.of(row) for row in found]


@strawberry.type
class FeedbackQueries:
    @strawberry.field(
        description="The survey a link names, for whoever holds the link (no sign-in): its "
        "question, scale and state. A link that is not one is NOT_AUTHENTICATED."
    )
    async def survey(self, info: Info, token: SurveyToken) -> SurveyQuestion:
        context = info.context
        customer_id, request_id = survey_of_link(context, token)
        survey = await find_survey(context, customer_id, request_id)
        store_id = survey.touchpoint.store_id
        store = await context.services.catalog.location(store_id) if store_id else None
        return SurveyQuestion.of(
            survey, store.name if store else None, context.services.clock.now()
        )

    @strawberry.field(
        description="CSAT, CES and NPS with response rates, their breakdowns and first-contact "
        "resolution, over days (at most a year) of the stores named: a store manager's own "
        "stores (the default), any for an admin (the default: every store and the chain's desk).",
        extensions=[BoundedArguments()],
    )
    async def feedback_analytics(
        self,
        info: Info,
        first_day: date,
        last_day: date,
        store_ids: list[str] | None = None,
        time_zone: Annotated[
            str, described("The day's time zone where a row has no store (the chain's desk).")
        ] = "UTC",
        consistent_with: str | None = None,
    ) -> FeedbackAnalytics:
        context = info.context
        stores = _stores_in_scope(context, store_ids)
        _check_range(first_day, last_day, time_zone)
        await context.consistent_with(consistent_with, FEEDBACK_VIEWS)
        scope = queries.Scope(first_day, last_day, time_zone, stores)
        return FeedbackAnalytics(scope=scope, now=context.services.clock.now())


def _stores_in_scope(context: RequestContext, store_ids: list[str] | None) -> list[str] | None:
    caller = context.require(Role.STAFF)
    if caller.role is not Role.ADMIN and caller.staff_role is not StaffRole.MANAGER:
        raise Forbidden("feedback figures are for store managers and admins")
    if store_ids is None:
        return None if caller.role is Role.ADMIN else list(caller.stores)
    if not 0 < len(store_ids) <= MAX_STORES:
        raise BadInput(f"storeIds: 1 to {MAX_STORES} stores, or leave it out for all yours")
    for store_id in store_ids:
        context.require_store(store_id)
    return store_ids


def _check_range(first_day: date, last_day: date, time_zone: str) -> None:
    if not 0 <= (last_day - first_day).days < MAX_DAYS:
        raise BadInput(f"lastDay: on or after firstDay, at most {MAX_DAYS} days")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        raise BadInput(f"timeZone: {time_zone!r} is not an IANA time zone") from None


def _day_key(row: queries.FeedbackStats) -> DayKey:
    store = row.store_id
    return (row.day, store is None, store or "", row.point, row.channel, row.scores.question)


def _pool(info: Info) -> asyncpg.Pool:
    return info.context.services.database.pool
