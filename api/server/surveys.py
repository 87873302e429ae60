"""The survey rules and links from the settings, for `omni notify run`: which question follows
which point, and the survey page's address with a signed token naming the survey."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from adapters.settings import Settings
from api.auth import TokenService
from domain.feedback.values import FeedbackPoint, Question, SurveyRules

SURVEY_PAGE = "/survey"


def survey_rules(settings: Settings) -> SurveyRules:
    chosen = {
        FeedbackPoint.PICKUP_COLLECTED: settings.survey_after_pickup,
        FeedbackPoint.RETURN_REFUNDED: settings.survey_after_return,
        FeedbackPoint.TILL_SALE: settings.survey_after_till_sale,
        FeedbackPoint.SERVICE_CASE: settings.survey_after_service_case,
    }
    return SurveyRules(
        {point: Question(question) for point, question in chosen.items() if question != "off"},
        link_days=settings.survey_link_days,
        nps_cadence_days=settings.survey_nps_cadence_days,
    )


def survey_links(settings: Settings) -> Callable[[str, UUID, datetime], str]:
    """The link a survey mail carries. The token rides in the fragment (after `#`): browsers
    never send it to a server, so it stays out of access logs and Referer headers."""
    tokens = TokenService.for_deployment(settings.secret_keys, settings.production)
    base = settings.public_url.rstrip("/")

    def link_for(customer_id: str, request_id: UUID, expires_at: datetime) -> str:
        token = tokens.mint_survey_link(customer_id, request_id, int(expires_at.timestamp()))
        return f"{base}{SURVEY_PAGE}#{token}"

    return link_for
