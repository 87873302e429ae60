"""CustomerFeedback and ServiceCase: given their past events, when a command, then the events it
records or the refusal (and nothing recorded)."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from domain.customer.consent import MarketingChannel
from domain.errors import NotFound
from domain.feedback.model import (
    Asked,
    CustomerFeedback,
    InvalidScore,
    SurveyAlreadyAnswered,
    SurveyExpired,
)
from domain.feedback.values import (
    DEFAULT_QUESTIONS,
    FeedbackPoint,
    Question,
    SurveyRules,
    Touchpoint,
    WhatHappened,
)
from domain.register import personal_data
from domain.service_desk.model import CaseAlreadyResolved, ServiceCase
from domain.values import Channel
from tests.gwt import GIVEN_AT, event, given

PICKUP = UUID("00000000-0000-4000-8000-00000000b001")
SALE = UUID("00000000-0000-4000-8000-00000000b002")
FIRST, SECOND = (UUID(f"00000000-0000-4000-8000-00000000c00{n}") for n in (1, 2))
RULES = SurveyRules(DEFAULT_QUESTIONS, link_days=14, nps_cadence_days=90)
COLLECTED = Touchpoint(
    FeedbackPoint.PICKUP_COLLECTED, PICKUP, "AMS-CENTRAAL", Channel.WEB, GIVEN_AT
)
AT_THE_TILL = Touchpoint(FeedbackPoint.TILL_SALE, SALE, "AMS-ZUID", Channel.POS, GIVEN_AT)
LATE = WhatHappened(GIVEN_AT - timedelta(hours=2), GIVEN_AT - timedelta(hours=1))
OPENED = event(CustomerFeedback.Opened, customer_id="cust-ada", at=GIVEN_AT)


def requested(request_id: UUID, touchpoint: Touchpoint, question: Question, at=GIVEN_AT):  # type: ignore[no-untyped-def]
    return event(
        CustomerFeedback.SurveyRequested,
        request_id=request_id,
        touchpoint=touchpoint,
        happened=WhatHappened(),
        question=question,
        expires_at=at + timedelta(days=14),
        at=at,
    )


class TestAskingACustomer:
    def test_a_point_asks_its_question_with_a_link_that_expires(self) -> None:
        given(OPENED).when(
            lambda f: f.request(FIRST, COLLECTED, LATE, Question.CSAT, RULES, GIVEN_AT)
        ).then(
            event(
                CustomerFeedback.SurveyRequested,
                request_id=FIRST,
                touchpoint=COLLECTED,
                happened=LATE,
                question=Question.CSAT,
                expires_at=GIVEN_AT + timedelta(days=14),
                at=GIVEN_AT,
            )
        )

    def test_the_same_point_again_asks_nothing(self) -> None:
        outcome = given(OPENED, requested(FIRST, COLLECTED, Question.CSAT)).when(
            lambda f: f.request(FIRST, COLLECTED, LATE, Question.CSAT, RULES, GIVEN_AT)
        )
        outcome.then_nothing()

    def test_nps_is_asked_at_most_once_per_cadence(self) -> None:
        later = GIVEN_AT + timedelta(days=89, hours=23)
        scenario = given(OPENED, requested(FIRST, AT_THE_TILL, Question.NPS))
        assert scenario.aggregate is not None
        asked = scenario.aggregate.request(SECOND, AT_THE_TILL, LATE, Question.NPS, RULES, later)
        assert asked is Asked.NPS_NOT_DUE
        assert scenario.aggregate.collect_events() == []

    def test_nps_is_asked_again_once_the_cadence_has_passed(self) -> None:
        due = GIVEN_AT + timedelta(days=90)
        given(OPENED, requested(FIRST, AT_THE_TILL, Question.NPS)).when(
            lambda f: f.request(SECOND, AT_THE_TILL, WhatHappened(), Question.NPS, RULES, due)
        ).then(requested(SECOND, AT_THE_TILL, Question.NPS, at=due))

    def test_csat_does_not_wait_for_the_nps_cadence(self) -> None:
        soon = GIVEN_AT + timedelta(days=1)
        given(OPENED, requested(FIRST, AT_THE_TILL, Question.NPS)).when(
            lambda f: f.request(SECOND, COLLECTED, WhatHappened(), Question.CSAT, RULES, soon)
        ).then(requested(SECOND, COLLECTED, Question.CSAT, at=soon))


class TestAnswering:
    def test_an_answer_is_tied_to_its_touchpoint_with_the_comment(self) -> None:
        given(OPENED, requested(FIRST, COLLECTED, Question.CSAT)).when(
            lambda f: f.answer(FIRST, 4, "Quick, but the desk was hard to find", GIVEN_AT)
        ).then(
            event(
                CustomerFeedback.SurveyAnswered,
                request_id=FIRST,
                touchpoint=COLLECTED,
                question=Question.CSAT,
                score=4,
                comment="Quick, but the desk was hard to find",
                at=GIVEN_AT,
            )
        )

    def test_a_second_answer_is_refused(self) -> None:
        answered = event(
            CustomerFeedback.SurveyAnswered, request_id=FIRST, touchpoint=COLLECTED,
            question=Question.CSAT, score=5, comment=None, at=GIVEN_AT,
        )  # fmt: skip
        given(OPENED, requested(FIRST, COLLECTED, Question.CSAT), answered).when(
            lambda f: f.answer(FIRST, 1, None, GIVEN_AT)
        ).then_raises(SurveyAlreadyAnswered, request_id=FIRST)

    def test_an_answer_after_the_link_expired_is_refused(self) -> None:
        too_late = GIVEN_AT + timedelta(days=14, seconds=1)
        given(OPENED, requested(FIRST, COLLECTED, Question.CSAT)).when(
            lambda f: f.answer(FIRST, 5, None, too_late)
        ).then_raises(SurveyExpired, request_id=FIRST)

    def test_a_score_outside_the_questions_scale_is_refused(self) -> None:
        for question, wrong in ((Question.CSAT, 6), (Question.CSAT, 0), (Question.CES, 8),
                                (Question.NPS, 11), (Question.NPS, -1)):  # fmt: skip
            given(OPENED, requested(FIRST, COLLECTED, question)).when(
                lambda f, wrong=wrong: f.answer(FIRST, wrong, None, GIVEN_AT)
            ).then_raises(InvalidScore, score=wrong)

    def test_nps_takes_zero(self) -> None:
        scenario = given(OPENED, requested(FIRST, AT_THE_TILL, Question.NPS))
        outcome = scenario.when(lambda f: f.answer(FIRST, 0, None, GIVEN_AT))
        assert [e.score for e in outcome.new_events] == [0]

    def test_an_unknown_survey_is_not_found(self) -> None:
        given(OPENED).when(lambda f: f.answer(FIRST, 5, None, GIVEN_AT)).then_raises(NotFound)

    def test_sent_is_recorded_once(self) -> None:
        scenario = given(OPENED, requested(FIRST, COLLECTED, Question.CSAT))
        assert scenario.aggregate is not None
        assert scenario.aggregate.record_sent(FIRST, MarketingChannel.EMAIL, GIVEN_AT)
        assert not scenario.aggregate.record_sent(FIRST, MarketingChannel.EMAIL, GIVEN_AT)
        assert [type(e) for e in scenario.aggregate.collect_events()] == [
            CustomerFeedback.SurveySent
        ]

    def test_only_the_comment_is_personal(self) -> None:
        register = personal_data()
        assert register["CustomerFeedback.SurveyAnswered"] == ("comment",)
        assert "ServiceCase.Opened" not in register


CASE_OPENED = event(ServiceCase.Opened, customer_id="cust-ada", store_id="AMS-ZUID", at=GIVEN_AT)


class TestServiceCase:
    def test_a_case_is_resolved(self) -> None:
        given(CASE_OPENED).when(lambda case: case.resolve(GIVEN_AT)).then(
            event(ServiceCase.Resolved, at=GIVEN_AT)
        )

    def test_a_resolved_case_is_not_resolved_twice(self) -> None:
        resolved = event(ServiceCase.Resolved, at=GIVEN_AT)
        given(CASE_OPENED, resolved).when(lambda case: case.resolve(GIVEN_AT)).then_raises(
            CaseAlreadyResolved
        )

    def test_a_contact_after_the_resolution_reopens_the_case(self) -> None:
        later = GIVEN_AT + timedelta(days=2)
        case = (
            given(CASE_OPENED, event(ServiceCase.Resolved, at=GIVEN_AT))
            .when(lambda case: case.contact_again(later))
            .then(event(ServiceCase.ContactedAgain, at=later))
        )
        assert (case.status, case.contacts, case.first_resolved_at) == ("open", 2, GIVEN_AT)
