"""Malformed, oversized, too deep, unknown or unauthenticated: a clear error, never a 500,
and nothing written."""

from __future__ import annotations

from api.auth import Role
from tests.api.conftest import Api


async def post(api: Api, body: bytes, token: str | None = None) -> tuple[int, dict | str]:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    response = await api.client.post("/graphql", content=body, headers=headers)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


async def test_malformed_json_is_a_client_error(api: Api) -> None:
    before = await api.event_count()
    status, _ = await post(api, b'{"query": "mutation { startCart { cartId } }"')
    assert 400 <= status < 500
    assert await api.event_count() == before


async def test_an_unknown_field_is_a_validation_error(api: Api) -> None:
    body = await api.gql('query { cart(id: "00000000-0000-4000-8000-000000000000") { color } }')
    assert "Cannot query field 'color'" in body["errors"][0]["message"]


async def test_a_query_fifty_levels_deep_is_refused(api: Api) -> None:
    # No type of the schema nests fifty levels: the spec's validation refuses the document,
    # and the depth limit (which runs only on valid documents) never sees it.
    deep = "query " + "{ myCart " * 50 + "{ id }" + " }" * 50
    body = await api.gql(deep, api.token(Role.CUSTOMER, "cust-ada"))
    messages = [error["message"] for error in body["errors"]]
    assert messages == ["Cannot query field 'myCart' on type 'Cart'."], messages
    assert body.get("data") is None


async def test_a_ten_megabyte_body_is_refused_before_it_is_read(api: Api) -> None:
    before = await api.event_count()
    huge = b'{"query": "mutation { startCart { cartId } }", "pad": "' + b"x" * 10_000_000 + b'"}'
    status, answer = await post(api, huge)
    assert status == 400
    assert isinstance(answer, dict), answer
    assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "larger than 1048576 bytes" in answer["errors"][0]["message"]
    assert await api.event_count() == before


async def test_invalid_and_expired_tokens_are_refused(api: Api) -> None:
    before = await api.event_count()
    mutation = "mutation { startCart { cartId } }"
    for token in ("garbage", api.token(Role.CUSTOMER, "cust-ada", expires_in=-10)):
        body = await api.gql(mutation, token)
        assert body["errors"][0]["message"] in ("invalid token", "token expired")
    assert await api.event_count() == before


async def test_an_unexpected_failure_never_shows_internals(api: Api) -> None:
    body = await api.gql(
        'query { storeStock(locationId: "AMS-ZUID", consistentWith: "not-a-token") '
        "{ nodes { sku } } }"
    )
    assert "not a position token" in body["errors"][0]["message"]
    assert "Traceback" not in str(body)


async def test_requests_that_are_not_graphql_are_refused_with_the_reason(api: Api) -> None:
    before = await api.event_count()
    cases = [
        (b'{"variables": {}}', "No GraphQL query found in the request"),
        (b'{"query": "subscription { myCart { id } }"}', "not allowed"),
        (b'{"query": 42}', "not a GraphQL request: Expected `str | null`, got `int`"),
    ]
    for body, reason in cases:
        status, answer = await post(api, body)
        assert status == 400 and reason in str(answer), (body, status, answer)
        assert isinstance(answer, dict), answer  # GraphQL-shaped JSON, not plain text
        assert answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    form = await api.client.post(
        "/graphql",
        content=b"query=mutation { startCart { cartId } }",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
    assert form.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await api.event_count() == before


async def test_graphiql_is_served_outside_production(api: Api) -> None:
    page = await api.client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
