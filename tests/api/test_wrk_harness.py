"""bench api's load generator (bench/harness/wrk.py): Debian's wrk with the Lua script that
sends each request's own token and body, counts answers that are not a clean success, and
reports its figures, against a real server process."""

from __future__ import annotations

import os

import msgspec
import pytest

from adapters.settings import Settings
from api.auth import Principal, Role, TokenService
from bench.harness import wrk
from bench.harness.server_process import running_server
from bench.http import Connection

pytestmark = [pytest.mark.slow, pytest.mark.needs("wrk")]
SECRET = "wrk-test-secret-of-at-least-thirty-two-bytes"
START = '{"query": "mutation { startCart { cartId } }"}'


def body(query: str, **variables: object) -> str:
    return msgspec.json.encode({"query": query, "variables": variables}).decode()


async def test_wrk_sends_each_body_with_its_token_and_counts_what_was_not_clean(
    settings: Settings,
) -> None:
    ada = TokenService(SECRET).mint(Principal(role=Role.CUSTOMER, subject="cust-ada"))
    bob = TokenService(SECRET).mint(Principal(role=Role.CUSTOMER, subject="cust-bob"))
    async with running_server(
        settings, os.environ, OMNI_SECRET_KEY=SECRET, OMNI_SEED_DEMO="true"
    ) as base:
        ping = await wrk.run(base + "/ping", 4, 1)
        clean = await wrk.run(base + "/graphql", 2, 1, [(ada, START), (bob, START), (None, START)])
        refused = await wrk.run(
            base + "/graphql", 2, 1, [(None, body("{ myCart { id: cartId } }"))]
        )
        connection = await Connection.open(base)
        mine = body("{ myCart { id: cartId } }")
        _, answer = await connection.post_json(
            "/graphql", msgspec.json.decode(mine), {"authorization": f"Bearer {ada}"}
        )
        await connection.close()

    assert ping.requests > 100 and ping.bad == 0
    assert 0 < ping.p50 <= ping.p99 and ping.seconds >= 1
    assert ping.per_second == ping.requests / ping.seconds
    assert clean.requests > 10 and clean.bad == 0  # every start answered without an error
    assert refused.requests > 10 and refused.bad == refused.requests  # not signed in
    assert isinstance(answer, dict) and answer["data"]["myCart"]["id"]  # ada's token was sent


def test_a_missing_wrk_is_named_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wrk.shutil, "which", lambda _: None)
    monkeypatch.setattr(wrk.os, "geteuid", lambda: 1000)  # not root: nothing is installed

    with pytest.raises(RuntimeError, match="apt-get install wrk"):
        wrk.ensure_wrk()
