"""A body the API cannot read answers 400 with a GraphQL-shaped BAD_REQUEST error, logged once
at WARNING with the request id; an unexpected exception anywhere answers 500 INTERNAL_ERROR
with the request id and is logged with its traceback. Before, each of these bodies answered
a bare 500 and logged nothing."""

from __future__ import annotations

import logging

import pytest

from api.auth import Role
from tests.api.conftest import Api
from tests.api.unharmed import assert_unharmed, committed_head

QUERY = b'"query": "query($v: String!) { product(sku: $v) { sku } }"'


def nested(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


BODIES = {
    "not UTF-8": (b'{"query": "{ \xff\xfe }"}', "not UTF-8"),
    "not JSON": (b'{"query": "{ __typename }"', "Unable to parse request body as JSON"),
    "1,000 levels deep": (b"{" + QUERY + b', "variables": {"v": ' + nested(1_000) + b"}}", "deep"),
    "100,000 levels deep": (
        b"{" + QUERY + b', "variables": {"v": ' + nested(100_000) + b"}}",
        "nested too deeply",
    ),
    "over the body limit": (
        b"{" + QUERY + b', "pad": "' + b"x" * 2_000_000 + b'"}',
        "larger than 1048576 bytes",
    ),
}


@pytest.mark.parametrize("case", BODIES)
async def test_an_unreadable_body_is_a_logged_bad_request(
    api: Api, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, reason = BODIES[case]
    head = await committed_head(api.client)
    caplog.set_level(logging.WARNING)

    response = await api.client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    request_id = response.headers["x-request-id"]
    assert error["extensions"] == {"code": "BAD_REQUEST", "requestId": request_id}
    assert reason in error["message"]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [request_id in r.getMessage() for r in warnings] == [True], warnings
    await assert_unharmed(api.client, head)


async def test_variables_are_read_to_sixty_four_levels_and_no_deeper(api: Api) -> None:
    answers = []
    for levels in (64, 65):
        body = b"{" + QUERY + b', "variables": {"v": ' + nested(levels) + b"}}"
        response = await api.client.post(
            "/graphql", content=body, headers={"content-type": "application/json"}
        )
        answers.append((response.status_code, response.json()["errors"][0]["message"]))
    # 64: read, then refused by GraphQL (a list is no String); 65: not read.
    assert answers == [
        (
            200,
            "Variable '$v' has invalid value: "
            "String cannot represent a non string value: [[[...]]]",
        ),
        (400, "variables are nested deeper than 64 levels"),
    ]


@pytest.mark.parametrize(
    "body", [b'{"sales": [{"saleId": "\xff"}]}', b'{"sales": ' + nested(100_000) + b"}"]
)
async def test_an_unreadable_pos_upload_is_a_bad_request(api: Api, body: bytes) -> None:
    till = api.token(Role.POS, "till-1", "AMS-CENTRAAL")
    headers = {"authorization": f"Bearer {till}", "content-type": "application/json"}
    head = await committed_head(api.client)

    response = await api.client.post("/pos/sync", content=body, headers=headers)

    assert response.status_code == 400, response.text
    assert "the request body is" in response.json()["detail"]
    await assert_unharmed(api.client, head)


async def test_an_unexpected_exception_is_a_500_an_operator_can_find(
    api: Api, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("injected: the metrics are broken")

    monkeypatch.setattr(api.services.metrics, "observe", broken)
    monkeypatch.setattr(api.services.projections, "status", broken)
    caplog.set_level(logging.ERROR)

    for path, request in [
        ("/graphql", {"json": {"query": "{ __typename }"}}),
        ("/metrics", {}),
    ]:
        call = api.client.post if "json" in request else api.client.get
        response = await call(path, **request)  # type: ignore[operator]

        assert response.status_code == 500, response.text
        request_id = response.headers["x-request-id"]
        assert response.json() == {
            "errors": [
                {
                    "message": "internal error",
                    "extensions": {"code": "INTERNAL_ERROR", "requestId": request_id},
                }
            ]
        }
        [logged] = [r for r in caplog.records if request_id in r.getMessage()]
        assert logged.levelno == logging.ERROR and logged.exc_info is not None
        assert "injected: the metrics are broken" in str(logged.exc_info[1])
        assert "injected" not in response.text
