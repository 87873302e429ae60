"""One error pipeline (issue 18 item 3): the same failure carries the same `extensions.code`
and `retryable` over POST, GET and the WebSocket (graphql-transport-ws), and a server-side
error carries the id of the request (or WebSocket connection) that met it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from api.auth import Role
from projections import fulfillment_times
from tests.api.conftest import Api

BOARD_FIELDS = "{ toPick { id: pickupId } }"
SUBSCRIBE_BOARD = (
    "subscription($store: String!) { pickupBoard(storeId: $store) " + BOARD_FIELDS + " }"
)
QUERY_BOARD = "query($store: String!) { pickupBoard(storeId: $store) " + BOARD_FIELDS + " }"
STORE = "AMS-CENTRAAL"


class Socket:
    """A graphql-transport-ws client of the app in this process."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def first_answer(self, query: str, **variables: Any) -> dict[str, Any]:
        """Subscribe; the first `next` or `error` message (its errors as sent)."""
        payload = {"query": query, "variables": variables}
        self.session.send_json({"id": "1", "type": "subscribe", "payload": payload})
        while True:
            message = self.session.receive_json(timeout=20)
            if message["type"] in ("next", "error"):
                self.session.send_json({"id": "1", "type": "complete"})
                return message  # type: ignore[no-any-return]


@contextmanager
def entered(session: Any, token: str | None) -> Iterator[Socket]:
    with session:
        init: dict[str, Any] = {"type": "connection_init"}
        if token:
            init["payload"] = {"Authorization": f"Bearer {token}"}
        session.send_json(init)
        assert session.receive_json(timeout=20)["type"] == "connection_ack"
        yield Socket(session)


async def websocket(client: AsyncTestClient, token: str | None = None) -> Any:
    session = await client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"])
    return entered(session, token)


def errors_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    payload = message["payload"]
    return payload if message["type"] == "error" else payload["errors"]  # type: ignore[no-any-return]


def shown(errors: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """What a client acts on: the code and the retry flag."""
    return [(e["extensions"]["code"], e["extensions"].get("retryable")) for e in errors]


async def over_http(api: Api, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    post = await api.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    get = await api.client.get(
        "/graphql", params={"query": query, "variables": json.dumps(variables)}, headers=headers
    )
    return post.json()["errors"], get.json()["errors"]


@pytest.mark.parametrize(
    ("failure", "query", "code"),
    [
        ("a document that does not parse", "{ pickupBoard(", "GRAPHQL_PARSE_FAILED"),
        ("an unknown field", "{ pickupBoard(storeId: 1) { colour } }", "GRAPHQL_VALIDATION_FAILED"),
        ("a variable that cannot be coerced", QUERY_BOARD, "INVALID_INPUT"),
        ("no token where one is needed", QUERY_BOARD, "NOT_AUTHENTICATED"),
    ],
)
async def test_the_same_failure_has_the_same_code_over_post_get_and_the_websocket(
    api: Api, failure: str, query: str, code: str
) -> None:
    variables = {"store": None} if code == "INVALID_INPUT" else {"store": STORE}
    post, get = await over_http(api, query, **variables)
    # The same document as a subscription (an anonymous query's text after the keyword).
    subscription = query.replace("query", "subscription", 1)
    if query.startswith("{"):
        subscription = "subscription " + query
    with await websocket(api.client) as socket:
        over_socket = errors_of(socket.first_answer(subscription, **variables))

    assert {shown(post)[0], shown(get)[0], shown(over_socket)[0]} == {(code, False)}, failure
    assert post == get


async def test_a_bug_is_internal_error_with_the_request_id_everywhere(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: Any) -> None:
        raise RuntimeError("a bug in the board")

    monkeypatch.setattr(fulfillment_times, "board", broken)
    staff = api.token(Role.STAFF, "staff-ams", STORE)

    post, get = await over_http(api, QUERY_BOARD, staff, store=STORE)
    with await websocket(api.client, staff) as socket:
        over_socket = errors_of(socket.first_answer(SUBSCRIBE_BOARD, store=STORE))

    for errors in (post, get, over_socket):
        [error] = errors
        assert error["message"] == "internal error"
        assert error["extensions"]["code"] == "INTERNAL_ERROR"
        assert len(error["extensions"]["requestId"]) == 16
        assert "a bug in the board" not in json.dumps(error)
