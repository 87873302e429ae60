"""Consent, identifying a shopper and merging profiles through GraphQL: who may, what is
recorded, and that every refusal writes nothing."""

from __future__ import annotations

import time
from typing import Any

from api.auth import Principal, Role, StaffRole
from tests.api.conftest import Api

CONSENT = """mutation($channel: MarketingChannel!, $granted: Boolean!, $customer: String) {
  setConsent(channel: $channel, granted: $granted, wordingVersion: "mkt-2026-11",
             customerId: $customer) {
    customerId consents { channel granted source wordingVersion } userErrors { code field } } }"""
ME = """query { me { id: customerId consents { channel granted source }
  timeline(first: 20) { edges { node { kind storeId summary } } } } }"""
IDENTIFY = """mutation($by: IdentifyBy!, $value: String!, $store: String) {
  identifyShopper(by: $by, value: $value, storeId: $store) {
    outcome customerId firstName position userErrors { code field } } }"""
MERGE = """mutation($survivor: String!, $duplicate: String!) {
  mergeCustomers(survivorId: $survivor, duplicateId: $duplicate) {
    survivorId duplicateId cartId position userErrors { code message } } }"""


def staff(api: Api, role: StaffRole, *stores: str) -> str:
    return api.tokens.mint(
        Principal(
            role=Role.STAFF,
            subject=f"staff-{role.value}",
            stores=stores,
            staff_role=role,
            expires_at=int(time.time() + 600),
        )
    )


async def refused_alike(api: Api, query: str, token: str, *variables: dict[str, Any]) -> str:
    """Every request refused with the same code and message, and nothing written."""
    before = await api.event_count()
    answers = [await api.gql(query, token, **v) for v in variables]
    errors = {(a["errors"][0]["extensions"]["code"], a["errors"][0]["message"]) for a in answers}
    assert len(errors) == 1, answers
    assert await api.event_count() == before
    return errors.pop()[0]  # type: ignore[no-any-return]


async def test_a_customer_gives_and_withdraws_consent_and_sees_it_on_their_timeline(
    api: Api,
) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    yes = await api.data(CONSENT, ada, channel="EMAIL", granted=True)
    assert yes["setConsent"]["consents"] == [
        {"channel": "EMAIL", "granted": True, "source": "WEB", "wordingVersion": "mkt-2026-11"}
    ]
    till = api.token(Role.POS, "till-1", "AMS-ZUID")
    no = await api.data(CONSENT, till, channel="EMAIL", granted=False, customer="cust-ada")
    assert no["setConsent"]["consents"][0] == {
        "channel": "EMAIL",
        "granted": False,
        "source": "TILL",
        "wordingVersion": "mkt-2026-11",
    }
    api.settled()
    me = (await api.data(ME, ada))["me"]
    assert me["consents"] == [{"channel": "EMAIL", "granted": False, "source": "TILL"}]
    kinds = [edge["node"]["kind"] for edge in me["timeline"]["edges"]]
    assert kinds == ["CONSENT_WITHDRAWN", "CONSENT_GIVEN"]


async def test_only_the_customer_a_till_or_the_service_desk_set_consent(api: Api) -> None:
    desk = staff(api, StaffRole.SERVICE_DESK, "AMS-ZUID")
    at_desk = await api.data(CONSENT, desk, channel="SMS", granted=True, customer="cust-grace")
    assert at_desk["setConsent"]["consents"][0]["source"] == "SERVICE_DESK"
    picker = staff(api, StaffRole.PICKER, "AMS-ZUID")
    bob = api.token(Role.CUSTOMER, "cust-bob")
    for token in (picker, bob):
        code = await refused_alike(
            api, CONSENT, token, {"channel": "EMAIL", "granted": True, "customer": "cust-ada"}
        )
        assert code == "NOT_ALLOWED"
    till = api.token(Role.POS, "till-1", "AMS-ZUID")
    unnamed = await api.data(CONSENT, till, channel="EMAIL", granted=True)
    assert unnamed["setConsent"]["userErrors"] == [{"code": "INVALID_INPUT", "field": "customerId"}]


async def test_a_till_identifies_a_shopper_by_exact_email_and_the_lookup_is_recorded(
    api: Api,
) -> None:
    till = api.token(Role.POS, "till-1", "AMS-ZUID")
    found = (await api.data(IDENTIFY, till, by="EMAIL", value="ADA@example.com"))["identifyShopper"]
    assert (found["outcome"], found["customerId"], found["firstName"]) == (
        "FOUND",
        "cust-ada",
        "Ada",
    )
    prefix = (await api.data(IDENTIFY, till, by="EMAIL", value="ada@"))["identifyShopper"]
    assert (prefix["outcome"], prefix["customerId"], prefix["firstName"]) == (
        "NOT_FOUND",
        None,
        None,
    )
    rows = await api.db.fetch(
        """SELECT state::text, context::text FROM events
           WHERE topic LIKE 'domain.customer.lookup:%' ORDER BY position"""
    )
    assert len(rows) == 2
    assert all('"AMS-ZUID"' in row["state"] and "till-1" in row["context"] for row in rows)
    assert not any("ada@" in row["state"].lower() for row in rows)  # the value is never kept
    api.settled()
    ada = api.token(Role.CUSTOMER, "cust-ada")
    timeline = (await api.data(ME, ada))["me"]["timeline"]["edges"]
    assert timeline[0]["node"] == {
        "kind": "SHOPPER_IDENTIFIED",
        "storeId": "AMS-ZUID",
        "summary": "Identified by e-mail at AMS-ZUID",
    }


async def test_a_customer_may_not_identify_anyone(api: Api) -> None:
    ada = api.token(Role.CUSTOMER, "cust-ada")
    code = await refused_alike(api, IDENTIFY, ada, {"by": "PHONE", "value": "+31600000002"})
    assert code == "NOT_ALLOWED"


async def test_the_service_desk_merges_two_profiles_and_the_survivor_sees_both(api: Api) -> None:
    alan = api.token(Role.CUSTOMER, "cust-alan")
    await api.data(CONSENT, alan, channel="PUSH", granted=True)
    desk = staff(api, StaffRole.SERVICE_DESK, "AMS-ZUID")
    merged = (await api.data(MERGE, desk, survivor="cust-ada", duplicate="cust-alan"))[
        "mergeCustomers"
    ]
    assert (merged["survivorId"], merged["duplicateId"], merged["userErrors"]) == (
        "cust-ada",
        "cust-alan",
        [],
    )
    api.settled()
    me = (await api.data(ME, api.token(Role.CUSTOMER, "cust-ada")))["me"]
    assert me["consents"] == [{"channel": "PUSH", "granted": True, "source": "WEB"}]
    summaries = [edge["node"]["summary"] for edge in me["timeline"]["edges"]]
    assert summaries[0] == "Profile cust-alan merged into this one"
    assert "Said yes to marketing by push (web, wording mkt-2026-11)" in summaries
    again = (await api.data(CONSENT, alan, channel="SMS", granted=True))["setConsent"]
    assert again["userErrors"] == [{"code": "PROFILE_MERGED", "field": "customerId"}]


async def test_a_picker_may_not_merge_and_hears_the_same_for_any_id(api: Api) -> None:
    picker = staff(api, StaffRole.PICKER, "AMS-ZUID")
    code = await refused_alike(
        api,
        MERGE,
        picker,
        {"survivor": "cust-ada", "duplicate": "cust-grace"},
        {"survivor": "cust-ada", "duplicate": "cust-nobody-at-all"},
    )
    assert code == "NOT_ALLOWED"


async def test_a_till_sale_for_a_signed_in_customer_missing_from_the_directory(api: Api) -> None:
    """Identity comes from sign-in; the directory only enriches it."""
    till = api.token(Role.POS, "till-1", "AMS-ZUID")
    shopper = api.token(Role.CUSTOMER, "cust-signed-up-online")
    sale = """mutation($shopper: String!) { recordPosSale(saleId: "web-shopper-1",
      lines: [{sku: "DESK-FAN", quantity: 1}], customerToken: $shopper) {
      customerId receipt userErrors { code } } }"""
    sold = (await api.data(sale, till, shopper=shopper))["recordPosSale"]
    assert sold["userErrors"] == [] and sold["customerId"] == "cust-signed-up-online"
