"""What the customer's answers and their service-desk cases mean on their timeline: pure
functions, like touchpoints.py, whose subjects and fold they use.

An answer is a touchpoint of the point it was about: it carries that pickup, return or sale
(and the journey's cart and order), so the timeline ties it to them. Its comment stays out of
the summary: the customer's words are read from their feedback stream, sealed, by whom may.
"""

from __future__ import annotations

from uuid import UUID

from domain.feedback.model import CustomerFeedback
from domain.feedback.values import FeedbackPoint, Touchpoint
from domain.service_desk.model import ServiceCase
from projections.touchpoints import CLOSED, OPEN, Fold, Kind, Subject, Touch

FEEDBACK_TOPICS = (
    "domain.feedback.model:CustomerFeedback.",
    "domain.service_desk.model:ServiceCase.",
)
SUBJECT_KIND = {
    FeedbackPoint.PICKUP_COLLECTED: "pickup",
    FeedbackPoint.RETURN_REFUNDED: "return",
    FeedbackPoint.TILL_SALE: "sale",
    FeedbackPoint.SERVICE_CASE: "case",
}
ABOUT = {
    FeedbackPoint.PICKUP_COLLECTED: "the pickup",
    FeedbackPoint.RETURN_REFUNDED: "the return",
    FeedbackPoint.TILL_SALE: "the visit",
    FeedbackPoint.SERVICE_CASE: "the service desk",
}


def follow_feedback(
    stream_id: UUID, e: CustomerFeedback.Event | ServiceCase.Event, fold: Fold
) -> tuple[Subject, Touch] | None:
    if isinstance(e, ServiceCase.Event):
        return _case(stream_id, e, fold)
    if isinstance(e, CustomerFeedback.Opened):
        fold.subjects[stream_id] = Subject(stream_id, "feedback", e.customer_id, CLOSED)
        return None
    if not isinstance(e, CustomerFeedback.SurveyAnswered):
        return None  # asked and sent: the profile's MarketingSent is the touchpoint
    customer_id = fold.subjects[stream_id].customer_id
    about = _about(e.touchpoint, customer_id)
    question = e.question
    told = f"Rated {ABOUT[e.touchpoint.point]} {e.score} of {question.highest} ({question.name})"
    return about, Touch(Kind.FEEDBACK_GIVEN, told + (", with a comment" if e.comment else ""))


def _about(touchpoint: Touchpoint, customer_id: str | None) -> Subject:
    """The point's own subject as the row names it; kept out of the fold's subjects, which
    would overwrite what the timeline knows of that pickup, return or sale."""
    kind = SUBJECT_KIND[touchpoint.point]
    about = Subject(touchpoint.subject_id, kind, customer_id, CLOSED, touchpoint.store_id)
    about.cart_id, about.order_id = touchpoint.cart_id, touchpoint.order_id
    about.sale_id = touchpoint.subject_id if kind == "sale" else None
    return about


def _case(case_id: UUID, e: ServiceCase.Event, fold: Fold) -> tuple[Subject, Touch]:
    if isinstance(e, ServiceCase.Opened):
        fold.subjects[case_id] = Subject(case_id, "case", e.customer_id, OPEN, e.store_id)
    case = fold.subjects[case_id]
    where = f" at {case.store_id}" if case.store_id else ""
    match e:
        case ServiceCase.Opened():
            return case, Touch(Kind.SERVICE_CASE_OPENED, f"Contacted the service desk{where}")
        case ServiceCase.ContactedAgain():
            case.state = OPEN
            return case, Touch(Kind.SERVICE_CASE_CONTACTED, "Contacted the service desk again")
    case.state = CLOSED
    return case, Touch(Kind.SERVICE_CASE_RESOLVED, "Service desk case resolved")
