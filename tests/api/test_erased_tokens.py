"""An erased customer's tokens stop working everywhere (docs/decisions/2026-12-07-erased-
customers-tokens.md): after `eraseCustomer`, the token she held, her download link and her
survey link are NOT_AUTHENTICATED ("this account was erased"), a till scanning her token finds
no customer, and nothing is written; another customer carries on. A second app on the same
schema learns of the erasure by NOTIFY; an app started afterwards loads it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import uuid4

import msgspec
from litestar.testing import AsyncTestClient

from api.auth import Role
from api.server.app import create_app
from tests.api.conftest import Api

START = "mutation { startCart { cartId userErrors { code } } }"
ADD = """mutation($cart: UUID!) { addToCart(cartId: $cart, sku: "DESK-FAN") {
  position userErrors { code } } }"""
MY_CART = """query($after: String) { myCart(consistentWith: $after) {
  cartId lines { sku quantity } } }"""
ME = "query { me { customerId } }"
CONSENT = """mutation { setConsent(channel: EMAIL, granted: true, wordingVersion: "mkt-2026-11") {
  customerId userErrors { code } } }"""
LINK = "query { myData { downloadUrl } }"
SURVEY = "query($link: String!) { survey(token: $link) { question } }"
SALE = """mutation($id: String!, $shopper: String!) { recordPosSale(saleId: $id,
  lines: [{sku: "DESK-FAN", quantity: 1}], customerToken: $shopper) {
  customerId userErrors { code field message } } }"""
ERASE = """mutation($customer: String!) { eraseCustomer(customerId: $customer, reason: "a letter")
  { customerId userErrors { code message } } }"""
MERGE = """mutation($survivor: String!, $duplicate: String!) {
  mergeCustomers(survivorId: $survivor, duplicateId: $duplicate) { userErrors { code } } }"""
ERASED = "this account was erased"
LEARNT_WITHIN_SECONDS = 20.0


async def shopping(api: Api, customer_id: str) -> tuple[str, str]:
    """A customer's token and her open cart, with a line in it."""
    token = api.token(Role.CUSTOMER, customer_id)
    cart = (await api.data(START, token))["startCart"]["cartId"]
    assert (await api.data(ADD, token, cart=cart))["addToCart"]["userErrors"] == []
    return token, cart


async def erase(api: Api, customer_id: str) -> None:
    admin = api.token(Role.ADMIN, "head-office")
    erased = (await api.data(ERASE, admin, customer=customer_id))["eraseCustomer"]
    assert erased == {"customerId": customer_id, "userErrors": []}


def refusal(body: dict[str, Any]) -> tuple[str, str]:
    error = body["errors"][0]
    return error["extensions"]["code"], error["message"]


async def test_her_old_token_and_links_are_refused_and_nothing_is_written(api: Api) -> None:
    ada, ada_cart = await shopping(api, "cust-ada")
    bob, bob_cart = await shopping(api, "cust-bob")
    download = (await api.data(LINK, ada))["myData"]["downloadUrl"]
    survey = api.tokens.mint_survey_link("cust-ada", uuid4(), int(time.time()) + 600)
    await erase(api, "cust-ada")
    before = await api.event_count()

    for query, variables in (
        (ADD, {"cart": ada_cart}),
        (MY_CART, {}),
        (ME, {}),
        (CONSENT, {}),
        (START, {}),
    ):
        body = await api.gql(query, ada, **variables)
        assert refusal(body) == ("NOT_AUTHENTICATED", ERASED), (query, body)
        assert not any((body["data"] or {}).values())  # nothing answered of her
    code, message = refusal(await api.gql(SURVEY, link=survey))
    assert code == "NOT_AUTHENTICATED" and ERASED in message
    refused = await api.client.get(download)
    assert refused.status_code == 401, refused.text
    assert refused.json()["errors"][0]["message"] == ERASED
    till = api.token(Role.POS, "till-1", "AMS-ZUID")
    sale = (await api.data(SALE, till, id=f"s-{uuid4().hex[:8]}", shopper=ada))["recordPosSale"]
    assert sale["userErrors"] == [
        {"code": "UNKNOWN_CUSTOMER", "field": "customerToken", "message": ERASED}
    ]
    assert await api.event_count() == before

    added = (await api.data(ADD, bob, cart=bob_cart))["addToCart"]
    assert added["userErrors"] == []
    mine = (await api.data(MY_CART, bob, after=added["position"]))["myCart"]
    assert mine["cartId"] == bob_cart and mine["lines"] == [{"sku": "DESK-FAN", "quantity": 2}]


async def test_a_profile_merged_into_her_is_erased_with_her(api: Api) -> None:
    ada, _ = await shopping(api, "cust-ada")
    old_ada, _ = await shopping(api, "cust-ada-old")
    admin = api.token(Role.ADMIN, "head-office")
    merged = await api.data(MERGE, admin, survivor="cust-ada", duplicate="cust-ada-old")
    assert merged["mergeCustomers"]["userErrors"] == []
    await erase(api, "cust-ada")

    for token in (ada, old_ada):
        assert refusal(await api.gql(ME, token)) == ("NOT_AUTHENTICATED", ERASED)


@asynccontextmanager
async def another_app(api: Api) -> AsyncIterator[AsyncTestClient[Any]]:
    """Another API process on the app's schema (its own pool, notifier and erased set)."""
    settings = msgspec.structs.replace(
        api.services.settings,
        database_schema=api.services.database.schema,
        seed_demo=False,
        run_projections=False,
        run_scheduler=False,
    )
    async with AsyncTestClient(app=create_app(settings)) as client:
        yield client


async def ask(client: AsyncTestClient[Any], query: str, token: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_another_process_learns_of_the_erasure_and_a_restart_remembers_it(api: Api) -> None:
    ada, _ = await shopping(api, "cust-ada")
    bob, _ = await shopping(api, "cust-bob")
    async with another_app(api) as other:
        assert (await ask(other, MY_CART, ada))["data"]["myCart"] is not None  # verified once
        await erase(api, "cust-ada")
        async with asyncio.timeout(LEARNT_WITHIN_SECONDS):  # bounded polling, not a timing
            while "errors" not in (answer := await ask(other, MY_CART, ada)):
                await asyncio.sleep(0.05)
        assert refusal(answer) == ("NOT_AUTHENTICATED", ERASED)
        assert "errors" not in await ask(other, MY_CART, bob)

    async with another_app(api) as restarted:
        assert refusal(await ask(restarted, ME, ada)) == ("NOT_AUTHENTICATED", ERASED)
        assert (await ask(restarted, ME, bob))["data"]["me"] == {"customerId": "cust-bob"}
