"""Errors a client can act on (DESIGN §9): a bad variable is a validation error, a refusal a
typed userError with a readable message, an unknown store or SKU an error, an outage a
retryable UNAVAILABLE with HTTP 503, a read that waited too long a STALE_READ flag. None of
them writes anything, and none says `internal error`."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import asyncpg
import msgspec
import pytest

from adapters.settings import Settings
from tests.api.conftest import Api, app_under_test
from tests.api.test_mutations import ADD, CHECKOUT, guest_cart
from tests.conftest import reading_from

ADD_ONE = """mutation($cart: UUID!, $sku: String!) {
  addToCart(cartId: $cart, sku: $sku) { position userErrors { code message } } }"""


async def post(api: Api, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return await api.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )


@pytest.mark.parametrize(
    ("variables", "complaint"),
    [
        ({"cart": None, "sku": "LAVA-LAMP"}, "not to be None"),
        ({"sku": "LAVA-LAMP"}, "to be provided"),
        ({"cart": "not-a-uuid", "sku": "LAVA-LAMP"}, "cannot represent a UUID"),
        ({"cart": 42, "sku": "LAVA-LAMP"}, "cannot represent a UUID"),
    ],
)
async def test_a_null_missing_or_malformed_variable_is_a_validation_error(
    api: Api, variables: dict[str, Any], complaint: str
) -> None:
    before = await api.event_count()
    response = await post(api, ADD_ONE, **variables)
    body = response.json()
    assert response.status_code == 200 and body["data"] is None
    [error] = body["errors"]
    assert complaint in error["message"] and "Variable '$cart'" in error["message"]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert await api.event_count() == before


async def test_checking_out_an_empty_cart_is_a_readable_refusal(api: Api) -> None:
    cart_id, token = await guest_cart(api)
    before = await api.event_count()
    pickup = {"cartId": cart_id, "method": "PICKUP", "locationId": "AMS-ZUID"}
    payload = (await api.data(CHECKOUT, token, input=pickup))["checkout"]
    [error] = payload["userErrors"]
    assert error["code"] == "EMPTY_CART" and error["field"] == "lines"
    assert error["message"] == "this cart is empty: add something before checking out"
    assert payload["position"] is None and await api.event_count() == before


async def test_refusal_messages_are_sentences_not_python_reprs(api: Api) -> None:
    cart_id, token = await guest_cart(api, ("LAVA-LAMP", 1))
    pickup = {"cartId": cart_id, "method": "SHIP", "locationId": "WH-NL", "paymentToken": "t"}
    await api.data(CHECKOUT, token, input=pickup)
    added = (await api.data(ADD, token, cart=cart_id, sku="LAVA-LAMP", qty=1))["addToCart"]
    [error] = added["userErrors"]
    assert error["code"] == "CART_CLOSED"
    assert error["message"] == "this cart is checked_out and accepts no more changes"
    assert "(" not in error["message"] and "cart_id=" not in error["message"]


@pytest.mark.parametrize(
    "query",
    [
        'query { storeStock(locationId: "NOWHERE") { nodes { sku } } }',
        'query { storeStock(locationId: "AMS-ZUID", skus: ["NO-SUCH"]) { nodes { sku } } }',
        'query { availability(sku: "NO-SUCH", latitude: 52.3, longitude: 4.9) { nodes { name } } }',
        'query { product(sku: "NO-SUCH") { name } }',
    ],
)
async def test_an_unknown_store_or_sku_is_an_error_not_an_empty_list(api: Api, query: str) -> None:
    body = await api.gql(query)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"
    assert "NOWHERE" in error["message"] or "NO-SUCH" in error["message"]


CHECKOUT_WITH_KEY = """mutation($cart: UUID!) { checkout(input: {cartId: $cart, method: SHIP,
  locationId: "WH-NL", idempotencyKey: "outage-1"}) { position userErrors { code } } }"""


async def test_a_database_outage_is_retryable_and_logged_once_as_a_warning(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    cart_id, token = await guest_cart(api, ("LAVA-LAMP", 1))
    caplog.set_level(logging.INFO)
    # One outage, however many requests it fails: the probe for its end waits longer than
    # the three requests take.
    api.services.database.outage.probe_seconds = 30
    before = await api.event_count()
    answers = []
    for _ in range(3):
        # A request in flight when the server goes down sees its connection terminated, as
        # in a restart: hold it on a lock (only checkout's idempotency check takes this
        # table), then terminate exactly the backend waiting on it.
        async with api.db.transaction():
            await api.db.execute("LOCK TABLE idempotency_keys IN ACCESS EXCLUSIVE MODE")
            killer = terminate_when_blocked(api.services.database.dsn, api.db.get_server_pid())
            answers.append(await post(api, CHECKOUT_WITH_KEY, token, cart=cart_id))
            killer.join(10)

    for answer in answers:
        assert answer.status_code == 503, answer.text
        [error] = answer.json()["errors"]
        assert error["extensions"] == {
            "code": "UNAVAILABLE",
            "retryable": True,
            "requestId": answer.headers["x-request-id"],  # a server-side error: find its log
        }
        assert answer.headers["retry-after"] == "1"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.levelname, r.name) for r in warnings] == [("WARNING", "adapters.postgres.outage")]
    assert warnings[0].exc_info is None  # one line, no traceback
    assert await api.event_count() == before
    placed = (await api.data(CHECKOUT_WITH_KEY, token, cart=cart_id))["checkout"]
    assert placed["userErrors"] == [] and placed["position"]


def terminate_when_blocked(dsn: str, blocker: int) -> threading.Thread:
    """A thread with a connection of its own that terminates the backend waiting on
    `blocker`'s lock as soon as one does (the test client holds the test's event loop)."""

    async def terminate() -> None:
        connection = await asyncpg.connect(dsn)
        try:
            for _ in range(500):
                if await connection.fetchval(
                    """SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                       WHERE $1 = ANY(pg_blocking_pids(pid))""",
                    blocker,
                ):
                    return
                await asyncio.sleep(0.01)
        finally:
            await connection.close()

    thread = threading.Thread(target=asyncio.run, args=(terminate(),), daemon=True)
    thread.start()
    return thread


@pytest.fixture
async def impatient_api(settings: Settings, reads: str, request: pytest.FixtureRequest) -> Any:
    impatient = msgspec.structs.replace(settings, consistency_wait=0.2)
    async with app_under_test(reading_from(impatient, reads, request)) as api:
        yield api


@pytest.mark.read_your_writes
async def test_a_read_that_waited_past_its_limit_says_it_may_be_stale(impatient_api: Api) -> None:
    impatient_api.settled()
    ahead = "999999999.1"  # a position no projection has reached
    body = await impatient_api.gql(
        'query($at: String) { storeStock(locationId: "AMS-ZUID", skus: ["LAVA-LAMP"], '
        "consistentWith: $at) { nodes { sku onHand } } }",
        at=ahead,
    )
    assert body["data"]["storeStock"]["nodes"][0]["sku"] == "LAVA-LAMP"
    [flag] = body["errors"]
    assert flag["extensions"]["code"] == "STALE_READ" and flag["path"] == ["storeStock"]
    assert flag["extensions"]["position"] == ahead
