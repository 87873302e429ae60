"""Consent, identity and the export against a real `omni serve`, over HTTP only: what a
shopper's app, a till, the service desk and a browser downloading a file see."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole, TokenService
from domain.values import Channel
from tests.api.test_telemetry import omni_serve

SECRET = "e2e-rights-secret-of-at-least-thirty-two-bytes"
CONSENT = """mutation($granted: Boolean!, $customer: String) {
  setConsent(channel: EMAIL, granted: $granted, wordingVersion: "mkt-v3", customerId: $customer) {
    position consents { channel granted source } userErrors { code } } }"""
ME = """query($after: String) { me(consistentWith: $after) { consents { channel granted source }
  timeline(first: 5) { edges { node { kind summary } } } } }"""
IDENTIFY = """mutation($by: IdentifyBy!, $value: String!) {
  identifyShopper(by: $by, value: $value) {
    outcome customerId firstName position userErrors { code } } }"""
MERGE = """mutation { mergeCustomers(survivorId: "cust-grace", duplicateId: "cust-edsger") {
  cartId position userErrors { code } } }"""
MY_DATA = "query { myData { document downloadUrl linkExpiresAt } }"


class Client:
    def __init__(self, base: str) -> None:
        self.tokens = TokenService(SECRET)
        self.http = httpx.AsyncClient(base_url=base, timeout=30)

    def token(self, role: Role, subject: str, *stores: str, desk: bool = False) -> str:
        staff_role = StaffRole.SERVICE_DESK if desk else StaffRole.PICKER
        return self.tokens.mint(
            Principal(
                role=role,
                subject=subject,
                stores=stores,
                expires_at=int(time.time() + 600),
                staff_role=staff_role if role is Role.STAFF else None,
                # The customer's app is the mobile one: its token says so.
                channel=Channel.MOBILE if role is Role.CUSTOMER else None,
            )
        )

    async def gql(self, query: str, token: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def data(self, query: str, token: str, **variables: Any) -> dict[str, Any]:
        body = await self.gql(query, token, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def server(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Client]:
    log_file: Path = tmp_path_factory.mktemp("rights") / "omni-serve.log"
    overrides = {"OMNI_SECRET_KEY": SECRET, "OMNI_SEED_DEMO": "true", "OMNI_POLL_INTERVAL": "0.2"}
    async with omni_serve(settings, log_file, **overrides) as base:
        client = Client(base)
        try:
            yield client
        finally:
            await client.http.aclose()


async def test_consent_given_in_the_app_and_withdrawn_at_a_till(server: Client) -> None:
    ada = server.token(Role.CUSTOMER, "cust-ada")
    given = (await server.data(CONSENT, ada, granted=True))["setConsent"]
    assert given["consents"] == [{"channel": "EMAIL", "granted": True, "source": "APP"}]
    till = server.token(Role.POS, "till-2", "AMS-ZUID")
    withdrawn = await server.data(CONSENT, till, granted=False, customer="cust-ada")

    me = (await server.data(ME, ada, after=withdrawn["setConsent"]["position"]))["me"]

    assert me["consents"] == [{"channel": "EMAIL", "granted": False, "source": "TILL"}]
    kinds = [edge["node"]["kind"] for edge in me["timeline"]["edges"]][:2]
    assert kinds == ["CONSENT_WITHDRAWN", "CONSENT_GIVEN"]


async def test_a_till_identifies_by_phone_and_a_customer_may_not(server: Client) -> None:
    till = server.token(Role.POS, "till-2", "AMS-ZUID")
    found = await server.data(IDENTIFY, till, by="PHONE", value="+31 6 0000 0002")
    assert {k: found["identifyShopper"][k] for k in ("outcome", "customerId", "firstName")} == {
        "outcome": "FOUND",
        "customerId": "cust-grace",
        "firstName": "Grace",
    }
    refused = await server.gql(IDENTIFY, server.token(Role.CUSTOMER, "cust-ada"), by="EMAIL",
                               value="grace@example.com")  # fmt: skip
    assert refused["errors"][0]["extensions"]["code"] == "NOT_ALLOWED"


async def test_a_merged_customer_downloads_everything_through_the_link(server: Client) -> None:
    edsger = server.token(Role.CUSTOMER, "cust-edsger")
    await server.data(CONSENT, edsger, granted=True)
    till = server.token(Role.POS, "till-2", "AMS-ZUID")
    await server.data(IDENTIFY, till, by="EMAIL", value="edsger@example.com")
    desk = server.token(Role.STAFF, "staff-desk", "AMS-ZUID", desk=True)
    merged = (await server.data(MERGE, desk))["mergeCustomers"]
    assert merged["userErrors"] == []
    grace = server.token(Role.CUSTOMER, "cust-grace")
    await server.data(ME, grace, after=merged["position"])  # the timeline has caught up

    mine = (await server.data(MY_DATA, grace))["myData"]
    downloaded = await server.http.get(mine["downloadUrl"])  # no token: the link is the key

    assert downloaded.status_code == 200, downloaded.text
    assert "attachment" in downloaded.headers["content-disposition"]
    document = downloaded.json()
    assert document["customerId"] == "cust-grace"
    assert [m["customerId"] for m in document["profile"]["mergedFrom"]] == ["cust-edsger"]
    assert document["profile"]["mergedFrom"][0]["directory"]["email"] == "edsger@example.com"
    assert [(c["channel"], c["granted"]) for c in document["consents"]["current"]] == [
        ("email", True)  # Edsger's yes came with the merge
    ]
    lookups = [stream["events"][0]["data"] for stream in document["identityLookups"]]
    # The till's lookup of Edsger, before the merge, is the survivor's to see now.
    assert ("email", "cust-edsger") in {(found["by"], found["customer_id"]) for found in lookups}
    summaries = [touchpoint["summary"] for touchpoint in document["timeline"]]
    assert "Profile cust-edsger merged into this one" in summaries
    assert {**document, "exportedAt": None} == {**mine["document"], "exportedAt": None}
