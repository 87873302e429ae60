"""Recommendations against a real `omni serve`, over HTTP only: the fixed baskets of
copurchase_shop bought online and at a till, then Ada's cart and Grace's view for her store's
staff; the out of stock and the in-cart items left out, the counts the hand-computed ones."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole, TokenService
from tests.api.copurchase_shop import (
    ADAS_CART,
    CART_RECOMMENDATIONS,
    CUSTOMER_RECOMMENDATIONS,
    FOR_GRACE,
    adas_cart_with_a_clock,
    buy_the_baskets,
    triples,
)
from tests.api.test_telemetry import omni_serve

SECRET = "e2e-recommendations-secret-of-32-bytes-at-least"


class Client:
    def __init__(self, base: str) -> None:
        self.tokens = TokenService(SECRET)
        self.http = httpx.AsyncClient(base_url=base, timeout=30)

    def token(self, role: Role, subject: str, *stores: str) -> str:
        return self.tokens.mint(Principal(
            role=role, subject=subject, stores=stores, expires_at=int(time.time() + 600),
            staff_role=StaffRole.MANAGER if role is Role.STAFF else None,
        ))  # fmt: skip

    async def data(self, query: str, token: str, **variables: Any) -> dict[str, Any]:
        response = await self.http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
async def server(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Client]:
    log_file: Path = tmp_path_factory.mktemp("recommend") / "omni-serve.log"
    overrides = {"OMNI_SECRET_KEY": SECRET, "OMNI_SEED_DEMO": "true", "OMNI_POLL_INTERVAL": "0.2",
                 "OMNI_DEMO_HISTORY_DAYS": "0"}  # fmt: skip
    async with omni_serve(settings, log_file, **overrides) as base:
        client = Client(base)
        try:
            yield client
        finally:
            await client.http.aclose()


async def test_recommendations_leave_out_the_out_of_stock_and_the_cart(server: Client) -> None:
    last = await buy_the_baskets(server.data, server.token)
    cart = await adas_cart_with_a_clock(server.data, server.token)
    centraal = server.token(Role.STAFF, "staff-centraal", "AMS-CENTRAAL")
    # Read-your-writes through the customer view: every read model shows the last write.
    grace = await server.data(CUSTOMER_RECOMMENDATIONS, centraal, id="cust-grace", after=last)
    ada = server.token(Role.CUSTOMER, "cust-ada")

    adas = (await server.data(CART_RECOMMENDATIONS, ada, cart=cart))["cart"]["recommendations"]

    assert triples(adas) == ADAS_CART  # no clock (in the cart), no kettle (none at Zuid)
    assert [r["reason"] for r in adas][:1] == ["bought together with RETRO-CLOCK 3 times"]
    assert triples(grace["customer"]["recommendations"]) == FOR_GRACE
