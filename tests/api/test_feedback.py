"""Feedback through GraphQL on the app: a survey answered through its link alone, once; the
answer on the customer's timeline and in their view for staff; the figures for store managers
and admins only; service-desk cases for the desk only. Every refusal typed, nothing written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from api.auth import Principal, Role, StaffRole
from domain.customer.consent import MarketingChannel
from domain.feedback.values import DEFAULT_QUESTIONS, FeedbackPoint, SurveyRules
from domain.values import Actor, ActorKind, Context
from tests.api.conftest import Api
from tests.api.test_customer_view import adas_day
from tests.store_clock import store_today

SURVEY = """query($link: String!) { survey(token: $link) {
  question point prompt lowest highest storeName state } }"""
ANSWER = """mutation($link: String!, $score: Int!, $comment: String) {
  answerSurvey(token: $link, score: $score, comment: $comment) {
    question score position userErrors { code field } } }"""
CONSENT = (
    'mutation { setConsent(channel: EMAIL, granted: true, wordingVersion: "mkt-v1") { position } }'
)
VIEW = """{ timeline(first: 20) { nodes { kind pickupId cartId summary } }
  feedback { nodes { point question score comment subjectId storeId } } }"""
ANALYTICS = """query($stores: [String!]) { feedbackAnalytics(firstDay: "%s", lastDay: "%s",
  storeIds: $stores, timeZone: "Europe/Amsterdam") {
    byStore { storeId allStores scores { question asked answered responseRate csat } }
    csatByChannelSwitch { bucket answered csat }
    csatByWait { bucket answered } } }"""
CASE = """mutation($customer: String!) { openServiceCase(customerId: $customer) {
  caseId status contacts userErrors { code } } }"""
RESOLVE = """mutation($id: UUID!) { resolveServiceCase(caseId: $id) {
  status userErrors { code } } }"""
NOTIFIER = Context(actor=Actor(ActorKind.SYSTEM, "notifier"))


def staff(api: Api, role: StaffRole, *stores: str) -> str:
    return api.tokens.mint(
        Principal(role=Role.STAFF, subject="staff-di", stores=stores, staff_role=role,
                  expires_at=int(datetime.now(UTC).timestamp()) + 600)
    )  # fmt: skip


def asked_after_the_pickup(api: Api, customer_id: str) -> tuple[UUID, str]:
    """What `omni notify run` does on the pickup's collection: the request, and its link."""
    services = api.services

    async def ask() -> tuple[UUID, str]:
        pickup_id = await services.database.pool.fetchval(
            "SELECT pickup_id FROM pickup_view WHERE customer_id = $1", customer_id
        )
        done = await services.service.request_feedback(
            FeedbackPoint.PICKUP_COLLECTED, pickup_id, services.clock.now(),
            SurveyRules(DEFAULT_QUESTIONS), MarketingChannel.EMAIL, NOTIFIER,
        )  # fmt: skip
        asked = done.result
        assert asked.outcome == "requested", asked
        expires = int(asked.expires_at.timestamp())
        return pickup_id, services.tokens.mint_survey_link(customer_id, asked.request_id, expires)

    return api.client.blocking_portal.call(ask)  # type: ignore[no-any-return]


async def answered_day(api: Api) -> tuple[UUID, str]:
    await adas_day(api)
    await api.data(CONSENT, api.token(Role.CUSTOMER, "cust-ada"))
    api.settled()
    return asked_after_the_pickup(api, "cust-ada")


async def test_a_survey_link_is_answered_once_and_a_second_answer_is_refused(api: Api) -> None:
    pickup_id, link = await answered_day(api)
    survey = (await api.data(SURVEY, link=link))["survey"]
    assert survey == {
        "question": "CSAT", "point": "PICKUP_COLLECTED", "lowest": 1, "highest": 5,
        "prompt": "How satisfied were you with collecting your order at Amsterdam Centraal?",
        "storeName": "Amsterdam Centraal", "state": "OPEN",
    }  # fmt: skip
    before = await api.event_count()
    out_of_scale = (await api.data(ANSWER, link=link, score=6))["answerSurvey"]
    assert out_of_scale["userErrors"] == [{"code": "INVALID_SCORE", "field": "score"}]
    too_long = (await api.data(ANSWER, link=link, score=4, comment="x" * 1001))["answerSurvey"]
    assert too_long["userErrors"] == [{"code": "INVALID_INPUT", "field": "comment"}]
    forged = await api.gql(ANSWER, link=link[:-4] + "AAAA", score=4)
    assert forged["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"
    assert await api.event_count() == before

    first = (await api.data(ANSWER, link=link, score=4, comment="Quick at the desk"))[
        "answerSurvey"
    ]
    again = (await api.data(ANSWER, link=link, score=4, comment="Quick at the desk"))[
        "answerSurvey"
    ]
    other = (await api.data(ANSWER, link=link, score=1))["answerSurvey"]

    assert (first["userErrors"], first["question"], first["score"]) == ([], "CSAT", 4)
    assert again == first  # the same answer retried: the first outcome, nothing written
    assert other["userErrors"] == [{"code": "SURVEY_ALREADY_ANSWERED", "field": "token"}]
    assert await api.event_count() == before + 1
    assert (await api.data(SURVEY, link=link))["survey"]["state"] == "ANSWERED"

    ada = api.token(Role.CUSTOMER, "cust-ada")
    me = (await api.data(f'query {{ me(consistentWith: "{first["position"]}") {VIEW} }}', ada))[
        "me"
    ]
    given = [t for t in me["timeline"]["nodes"] if t["kind"] == "FEEDBACK_GIVEN"]
    assert given == [{"kind": "FEEDBACK_GIVEN", "pickupId": str(pickup_id),
                      "cartId": given[0]["cartId"], "summary":
                      "Rated the pickup 4 of 5 (CSAT), with a comment"}]  # fmt: skip
    assert given[0]["cartId"] is not None  # the journey it belongs to
    assert me["feedback"]["nodes"] == [{
        "point": "PICKUP_COLLECTED", "question": "CSAT", "score": 4,
        "comment": "Quick at the desk", "subjectId": str(pickup_id), "storeId": "AMS-CENTRAAL",
    }]  # fmt: skip
    desk = staff(api, StaffRole.MANAGER, "AMS-CENTRAAL")
    view_of_ada = 'query { customer(id: "cust-ada") ' + VIEW + " }"
    viewed = (await api.data(view_of_ada, desk))["customer"]
    assert viewed["feedback"] == me["feedback"]


async def test_feedback_figures_are_for_managers_of_their_stores_and_admins(api: Api) -> None:
    _, link = await answered_day(api)
    await api.data(ANSWER, link=link, score=5)
    api.settled()
    today = store_today()
    query = ANALYTICS % (today.replace(day=1).isoformat() if today.day > 1 else today, today)
    manager = staff(api, StaffRole.MANAGER, "AMS-CENTRAAL")
    own = (await api.data(query, manager))["feedbackAnalytics"]
    scores = {"question": "CSAT", "asked": 1, "answered": 1, "responseRate": 1.0, "csat": 100.0}
    assert own["byStore"] == [
        {"storeId": "AMS-CENTRAAL", "allStores": False, "scores": scores},
        {"storeId": None, "allStores": True, "scores": scores},
    ]
    # Ada started on her phone and checked out on her laptop: her journey switched channels.
    assert own["csatByChannelSwitch"] == [
        {"bucket": "same_channel", "answered": 0, "csat": None},
        {"bucket": "switched", "answered": 1, "csat": 100.0},
        {"bucket": "no_journey", "answered": 0, "csat": None},
    ]
    assert sum(b["answered"] for b in own["csatByWait"]) == 1
    admin = (await api.data(query, api.token(Role.ADMIN, "head-office")))["feedbackAnalytics"]
    assert admin["byStore"] == own["byStore"]
    refusals: list[tuple[str, dict[str, Any]]] = [
        (staff(api, StaffRole.PICKER, "AMS-CENTRAAL"), {}),  # a picker
        (staff(api, StaffRole.MANAGER, "AMS-ZUID"), {"stores": ["AMS-CENTRAAL"]}),  # not theirs
        (api.token(Role.CUSTOMER, "cust-ada"), {}),
    ]
    for token, variables in refusals:
        refused = await api.gql(query, token, **variables)
        assert refused["errors"][0]["extensions"]["code"] == "NOT_ALLOWED", refused


async def test_the_service_desk_records_cases_and_a_picker_may_not(api: Api) -> None:
    desk = api.tokens.mint(
        Principal(role=Role.STAFF, subject="staff-desk", stores=("AMS-ZUID",),
                  staff_role=StaffRole.SERVICE_DESK,
                  expires_at=int(datetime.now(UTC).timestamp()) + 600)
    )  # fmt: skip
    opened = (await api.data(CASE, desk, customer="cust-grace"))["openServiceCase"]
    assert (opened["status"], opened["contacts"], opened["userErrors"]) == ("open", 1, [])
    resolved = (await api.data(RESOLVE, desk, id=opened["caseId"]))["resolveServiceCase"]
    again = (await api.data(RESOLVE, desk, id=opened["caseId"]))["resolveServiceCase"]
    assert resolved == {"status": "resolved", "userErrors": []}
    assert again["userErrors"] == [{"code": "CASE_ALREADY_RESOLVED"}]
    before = await api.event_count()
    picker = staff(api, StaffRole.PICKER, "AMS-ZUID")
    refused = await api.gql(CASE, picker, customer="cust-grace")
    assert refused["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"
    unknown = (await api.data(CASE, desk, customer="cust-nobody"))["openServiceCase"]
    assert unknown["userErrors"] == [{"code": "UNKNOWN_CUSTOMER"}]
    assert await api.event_count() == before
