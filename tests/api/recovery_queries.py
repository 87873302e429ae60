"""Queries and a device-aware request for the recovery tests (no tests here)."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

RECOVER = """mutation($cart: UUID!) { recoverCart(cartId: $cart, deviceId: "ada-phone") {
  cartId recoveredCartId mergedInto cappedSkus position userErrors { code }
  changes { sku change oldQuantity newQuantity oldPrice { amount } newPrice { amount } }
  cart { status lines { sku quantity } } } }"""
RECOVERABLE = """{ me { recoverableCarts { nodes { cartId channel abandonedAt value { amount }
  lines { sku quantity } } } } }"""
SKIP = """mutation($to: DateTime!) { skipClock(to: $to) {
  userErrors { code field } clock { now speed canSkip } } }"""


async def on_phone(
    api: Api, query: str, token: str | None, device: str = "ada-phone", **variables: Any
) -> dict:
    """A request from a device; its channel is the token's (or a guest's startCart's)."""
    headers = {"x-omni-device": device}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = await api.client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]  # type: ignore[no-any-return]
