"""What the customer reads: the one question of a survey, in the mail and on the survey page."""

from __future__ import annotations

from domain.feedback.values import FeedbackPoint, Question

ABOUT = {
    FeedbackPoint.PICKUP_COLLECTED: "collecting your order at {store}",
    FeedbackPoint.RETURN_REFUNDED: "your return",
    FeedbackPoint.TILL_SALE: "your visit to {store}",
    FeedbackPoint.SERVICE_CASE: "the help you got from our service desk",
}
ASKED = {
    Question.CSAT: "How satisfied were you with {about}?",
    Question.CES: "How easy was {about}?",
    Question.NPS: "How likely are you to recommend us to a friend, after {about}?",
}
ENDS = {
    Question.CSAT: ("not at all satisfied", "very satisfied"),
    Question.CES: ("very difficult", "very easy"),
    Question.NPS: ("not at all likely", "extremely likely"),
}


def prompt(question: Question, point: FeedbackPoint, store_name: str | None) -> str:
    """The question, about the point: "How satisfied were you with your return?"."""
    about = ABOUT[point].format(store=store_name or "our store")
    return ASKED[question].format(about=about)


def scale(question: Question) -> str:
    """How to answer: "from 1 (not at all satisfied) to 5 (very satisfied)"."""
    low, high = ENDS[question]
    return f"from {question.lowest} ({low}) to {question.highest} ({high})"
