"""GraphQL over HTTP as the spec has it (issue 19 item 2): GET executes queries and persisted
hashes, a mutation over GET is 405 and writes nothing, GraphiQL only for a browser asking no
query, `application/graphql-response+json` with its status codes, and every request error a
GraphQL-shaped JSON body with a code."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from httpx import Response

from api.auth import Role
from tests.api.conftest import Api

GRAPHQL_RESPONSE = "application/graphql-response+json"
PRODUCT = 'query Lamp { product(sku: "LAVA-LAMP") { sku name } }'
BY_SKU = "query($sku: String!) { product(sku: $sku) { sku } }"
START = "mutation { startCart { cartId } }"


async def get(api: Api, accept: str | None = None, **params: Any) -> Response:
    headers = {"accept": accept} if accept else {}
    query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
    return await api.client.get("/graphql", params=query, headers=headers)


async def post(api: Api, body: Any, accept: str | None = None) -> Response:
    headers = {"accept": accept} if accept else {}
    return await api.client.post("/graphql", json=body, headers=headers)


def codes(response: Response) -> list[str]:
    return [error["extensions"]["code"] for error in response.json()["errors"]]


async def test_get_executes_a_query_with_its_variables(api: Api) -> None:
    answer = await get(api, query=BY_SKU, variables={"sku": "LAVA-LAMP"})

    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json() == {"data": {"product": {"sku": "LAVA-LAMP"}}}
    assert answer.headers["cache-control"] == "no-store"  # a document in the URL: not shared


async def test_get_runs_a_persisted_query_by_its_hash_and_lets_caches_keep_it(api: Api) -> None:
    digest = hashlib.sha256(PRODUCT.encode()).hexdigest()
    by_hash = {"persistedQuery": {"version": 1, "sha256Hash": digest}}

    unknown = await get(api, extensions=by_hash)
    assert codes(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
    registered = await get(api, query=PRODUCT, extensions=by_hash)
    assert registered.json()["data"]["product"]["sku"] == "LAVA-LAMP"
    anonymous = await get(api, extensions=by_hash)
    signed_in = await api.client.get(
        "/graphql",
        params={"extensions": json.dumps(by_hash)},
        headers={"authorization": f"Bearer {api.token(Role.CUSTOMER, 'cust-ada')}"},
    )

    assert anonymous.status_code == 200 and anonymous.json() == registered.json()
    assert anonymous.headers["cache-control"] == "public, max-age=10"
    assert "Accept" in anonymous.headers["vary"]
    assert signed_in.json() == registered.json()
    assert signed_in.headers["cache-control"] == "no-store"  # the caller's own answer


async def test_a_mutation_over_get_is_405_and_writes_nothing(api: Api) -> None:
    before = await api.event_count()

    for accept in (None, GRAPHQL_RESPONSE):
        answer = await get(api, accept, query=START)
        assert answer.status_code == 405, answer.text
        assert answer.headers["allow"] == "POST"
        assert codes(answer) == ["BAD_REQUEST"]
    assert await api.event_count() == before


async def test_graphiql_only_for_a_browser_that_asks_no_query(api: Api) -> None:
    browser = "text/html,application/xhtml+xml,*/*;q=0.8"

    page = await get(api, browser)
    with_query = await get(api, browser, query=PRODUCT)
    no_query = await get(api, "application/json")

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert with_query.json()["data"]["product"]["sku"] == "LAVA-LAMP"
    assert no_query.status_code == 400 and codes(no_query) == ["BAD_REQUEST"]


async def test_graphql_response_json_answers_request_errors_with_400_and_no_data(
    api: Api,
) -> None:
    cases = {
        "{": "GRAPHQL_PARSE_FAILED",
        "{ product(sku: 1) { colour } }": "GRAPHQL_VALIDATION_FAILED",
    }
    for document, code in cases.items():
        strict = await post(api, {"query": document}, GRAPHQL_RESPONSE)
        legacy = await post(api, {"query": document}, "application/json")

        assert strict.status_code == 400, strict.text
        assert strict.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert "data" not in strict.json() and set(codes(strict)) == {code}
        assert legacy.status_code == 200 and legacy.json()["data"] is None
        assert set(codes(legacy)) == {code}


async def test_variables_that_cannot_be_coerced_are_a_request_error(api: Api) -> None:
    body = {"query": BY_SKU, "variables": {"sku": None}}

    strict = await post(api, body, "application/graphql-response+json, application/json;q=0.9")
    legacy = await post(api, body)

    assert strict.status_code == 400 and "data" not in strict.json()
    assert legacy.status_code == 200 and codes(legacy) == ["INVALID_INPUT"] == codes(strict)


async def test_an_answer_with_data_is_200_in_either_type(api: Api) -> None:
    for accept in (GRAPHQL_RESPONSE, "*/*", None):
        answer = await post(api, {"query": PRODUCT}, accept)
        assert answer.status_code == 200
        expected = GRAPHQL_RESPONSE if accept == GRAPHQL_RESPONSE else "application/json"
        assert answer.headers["content-type"].startswith(expected), accept


async def test_every_envelope_error_is_graphql_shaped_json_with_bad_request(api: Api) -> None:
    two = "query A { __typename } query B { __typename }"
    cases = [
        ({"query": PRODUCT, "variables": [1, 2]}, "Expected `object | null`, got `array`"),
        ({"query": PRODUCT, "extensions": "x"}, "Expected `object | null`, got `str`"),
        ({"query": two}, "several operations: name the one to run in operationName"),
        ({"query": two, "operationName": "C"}, "Unknown operation named 'C'."),
        ({"query": PRODUCT, "operationName": 7}, "Expected `str | null`, got `int`"),
    ]
    for body, reason in cases:
        for accept in ("application/json", GRAPHQL_RESPONSE):
            answer = await post(api, body, accept)

            assert answer.status_code == 400, (body, answer.text)
            assert answer.headers["content-type"].startswith(accept)
            [error] = answer.json()["errors"]
            assert reason in error["message"], (body, error)
            assert error["extensions"]["code"] == "BAD_REQUEST"
            assert error["extensions"]["requestId"] == answer.headers["x-request-id"]


async def test_get_refuses_variables_that_are_not_a_json_object(api: Api) -> None:
    answer = await api.client.get("/graphql", params={"query": BY_SKU, "variables": "[1, 2]"})

    assert answer.status_code == 400 and codes(answer) == ["BAD_REQUEST"]
    assert "must be JSON objects" in answer.json()["errors"][0]["message"]


async def test_the_readmes_get_persisted_query_runs_by_its_hash(api: Api) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    found = re.search(r"^Q='(.+)'$", readme.split("### GET and persisted queries", 1)[1], re.M)
    assert found is not None, "the README's persisted-query example"
    document = found.group(1)
    by_hash = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(document.encode())
                                  .hexdigest()}}  # fmt: skip

    registered = await get(api, query=document, extensions=by_hash)
    cached = await get(api, extensions=by_hash)

    assert registered.status_code == 200, registered.text
    assert cached.json() == registered.json()
    assert cached.json()["data"]["product"]["sku"] == "LAVA-LAMP"
    assert cached.headers["cache-control"] == "public, max-age=10"
