"""The feedback read model: given questions asked, sent and answered, and service-desk cases,
then its rows and its figures (CSAT by wait bucket on the fixed data set computed by hand,
CES, NPS, response rates, return resolution, first-contact resolution)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.feedback.values import FeedbackPoint, Question, Touchpoint, WhatHappened
from domain.values import Channel
from projections import feedback_queries as queries
from projections.feedback import Feedback
from projections.feedback_queries import (
    CsatBucket,
    FcrStats,
    FeedbackScore,
    FeedbackStats,
    Scope,
    Scores,
)
from tests.projection_spec import ProjectionSpec, answer, rows
from tests.read_models.conftest import SpecOf
from tests.read_models.facts import T0, days, t
from tests.read_models.feedback_facts import (
    CSAT_BY_WAIT,
    PICKUP_TOTALS,
    an_id,
    answered,
    asked,
    case_opened,
    contacted_again,
    opened,
    pickup_collected,
    resolved,
    sent,
    waited_pickups,
)

MONDAY, TUESDAY = date(2026, 11, 2), date(2026, 11, 3)
AMSTERDAM = "Europe/Amsterdam"
REQUEST = (
    "request_id point subject_id store_id channel question occurred_at requested_at "
    "promised_ready_at ready_at sent_at answered_at score has_comment"
)


@pytest.fixture
def spec(spec_of: SpecOf) -> ProjectionSpec:
    return spec_of(Feedback())


def monday(*stores: str) -> Scope:
    return Scope(MONDAY, MONDAY, AMSTERDAM, list(stores) or None)


async def test_a_request_is_kept_with_what_happened_and_never_the_comment(
    spec: ProjectionSpec,
) -> None:
    touch = pickup_collected("pickup-1", "AMS-CENTRAAL", t(120))
    late = WhatHappened(promised_ready_at=t(60), ready_at=t(75))
    request = asked("cust-ada", "pickup-1", touch, Question.CSAT, late)
    await spec.given(opened("cust-ada"), request).when(
        sent("cust-ada", "pickup-1", t(121)),
        answered("cust-ada", "pickup-1", touch, Question.CSAT, 2, t(200), "Waited at the desk"),
    ).then(
        rows("feedback_request", REQUEST, [(
            an_id("pickup-1"), "pickup_collected", an_id("pickup-1"), "AMS-CENTRAAL", "web",
            "csat", t(120), t(120), t(60), t(75), t(121), t(200), 2, True,
        )])
    )  # fmt: skip


async def test_csat_by_wait_bucket_is_the_hand_computed_one(spec: ProjectionSpec) -> None:
    expected = [CsatBucket(bucket, *figures) for bucket, figures in CSAT_BY_WAIT.items()]
    asked_, answered_, rate, mean, csat = PICKUP_TOTALS
    totals = Scores("csat", asked_, answered_, rate, mean, csat, None, None)
    await spec.given(*waited_pickups("AMS-CENTRAAL"), *waited_pickups("AMS-ZUID")).then(
        answer(queries.csat_by_wait, monday("AMS-CENTRAAL")).equals(expected),
        answer(queries.feedback_scores, monday("AMS-CENTRAAL")).equals(
            [FeedbackScore("AMS-CENTRAAL", False, totals), FeedbackScore(None, True, totals)]
        ),
        answer(queries.feedback_scores, monday()).equals(
            [
                FeedbackScore("AMS-CENTRAAL", False, totals),
                FeedbackScore("AMS-ZUID", False, totals),
                FeedbackScore(None, True, Scores("csat", 16, 14, 0.875, 3.143, 42.86, None, None)),
            ]
        ),
    )


async def test_nps_ces_and_response_rates_per_point_store_channel_and_day(
    spec: ProjectionSpec,
) -> None:
    facts = []
    # NPS after till sales at Zuid: 10, 9, 9 promoters, 7 passive, 3 detractor; one unanswered.
    for number, score in enumerate((10, 9, 9, 7, 3, None), start=1):
        customer, request = f"cust-n{number}", f"sale-{number}"
        touch = Touchpoint(FeedbackPoint.TILL_SALE, an_id(request), "AMS-ZUID", Channel.POS, t(30))
        facts += [opened(customer), asked(customer, request, touch, Question.NPS),
                  sent(customer, request, t(31))]  # fmt: skip
        if score is not None:
            facts.append(answered(customer, request, touch, Question.NPS, score, t(40)))
    # CES after cases at the chain's desk (no store): 7, 5, 2; 23:30 UTC is Tuesday in Amsterdam.
    for number, score in enumerate((7, 5, 2), start=1):
        customer, request = f"cust-c{number}", f"case-{number}"
        touch = Touchpoint(
            FeedbackPoint.SERVICE_CASE, an_id(request), None, Channel.CALL_CENTRE, t(60)
        )
        facts += [opened(customer), asked(customer, request, touch, Question.CES),
                  sent(customer, request, t(61)),
                  answered(customer, request, touch, Question.CES, score, t(70))]  # fmt: skip
    late = Touchpoint(FeedbackPoint.TILL_SALE, an_id("sale-late"), "AMS-ZUID", Channel.POS,
                      T0.replace(hour=23, minute=30))  # fmt: skip
    facts += [
        opened("cust-late"),
        asked("cust-late", "sale-late", late, Question.NPS),
    ]  # never sent
    nps = Scores("nps", 6, 5, 0.8333, 7.6, None, None, 40.0)
    ces = Scores("ces", 3, 3, 1.0, 4.667, None, 4.667, None)
    await spec.given(*facts).then(
        answer(queries.feedback_stats, monday()).equals([
            FeedbackStats(MONDAY, "AMS-ZUID", "till_sale", "pos", nps),
            FeedbackStats(MONDAY, None, "service_case", "call_centre", ces),
        ]),
        answer(queries.feedback_stats, Scope(TUESDAY, TUESDAY, AMSTERDAM)).equals([
            FeedbackStats(TUESDAY, "AMS-ZUID", "till_sale", "pos",
                          Scores("nps", 0, 0, None, None, None, None, None)),
        ]),
    )  # fmt: skip


async def test_csat_by_return_resolution_time(spec: ProjectionSpec) -> None:
    facts = []
    for number, (took, score) in enumerate(((0.5, 5), (2, 4), (2.5, 2), (6, 3), (10, 1)), start=1):
        customer, request = f"cust-r{number}", f"return-{number}"
        refunded_at = t(0) + timedelta(hours=number)
        touch = Touchpoint(FeedbackPoint.RETURN_REFUNDED, an_id(request), "AMS-ZUID", Channel.WEB,
                           refunded_at)  # fmt: skip
        happened = WhatHappened(return_requested_at=refunded_at - timedelta(days=took))
        facts += [
            opened(customer),
            asked(customer, request, touch, Question.CSAT, happened),
            answered(customer, request, touch, Question.CSAT, score, refunded_at),
        ]
    await spec.given(*facts).then(
        answer(queries.csat_by_return_resolution, monday()).equals([
            CsatBucket("within_1_day", 1, 100.0, 5.0),
            CsatBucket("within_3_days", 2, 50.0, 3.0),
            CsatBucket("within_7_days", 1, 0.0, 3.0),
            CsatBucket("over_7_days", 1, 0.0, 1.0),
        ])
    )  # fmt: skip


async def test_first_contact_resolution_waits_seven_days_after_the_resolution(
    spec: ProjectionSpec,
) -> None:
    zuid = "AMS-ZUID"
    await spec.given(
        case_opened("a", zuid, t(0)), resolved("a", t(10)),  # settled, first contact
        case_opened("b", zuid, t(0)), contacted_again("b", t(0) + days(1)),
        resolved("b", t(0) + days(2)),  # came back before the resolution
        case_opened("c", zuid, t(0)), resolved("c", t(5)),
        contacted_again("c", t(0) + days(3)),  # came back within 7 days: reopened
        case_opened("d", zuid, t(0)), resolved("d", t(5)),
        contacted_again("d", t(0) + days(9)),  # after the 7 days: still a first-contact one
        case_opened("e", zuid, t(1)), resolved("e", t(0) + days(8)),  # resolved 2 days ago
        case_opened("f", zuid, t(2)),  # open
        case_opened("g", None, t(3)), resolved("g", t(4)),  # the chain's phone line
    ).then(
        answer(queries.first_contact_resolution, monday(), t(0) + days(10)).equals([
            FcrStats(zuid, False, 6, 5, 4, 2, 0.5),
            FcrStats(None, False, 1, 1, 1, 1, 1.0),
            FcrStats(None, True, 7, 6, 5, 3, 0.6),
        ]),
        answer(queries.first_contact_resolution, monday(zuid), t(0) + days(10)).equals([
            FcrStats(zuid, False, 6, 5, 4, 2, 0.5),
            FcrStats(None, True, 6, 5, 4, 2, 0.5),
        ]),
    )  # fmt: skip
