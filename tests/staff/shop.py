"""The rest of the world around a staff page: customers checking out, colleagues acting on
pickups from other devices, all over HTTP against a real server."""

from __future__ import annotations

import time
from typing import Any

import httpx

from api.auth import Principal, Role, StaffRole, TokenService
from tests.staff import documents


class Shop:
    def __init__(self, base: str, secret: str) -> None:
        self.base = base
        self.tokens = TokenService(secret)
        self.http = httpx.AsyncClient(base_url=base, timeout=20)

    def token(self, role: Role, subject: str, *stores: str) -> str:
        return self.tokens.mint(
            Principal(
                role=role,
                subject=subject,
                stores=stores,
                staff_role=StaffRole.PICKER if role is Role.STAFF else None,
                expires_at=int(time.time() + 3600),
            )
        )

    async def post(self, query: str, token: str | None, **variables: Any) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def data(self, query: str, token: str | None, **variables: Any) -> dict:
        body = await self.post(query, token, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    async def order_for_pickup(
        self, customer: str, store: str, sku: str = "RETRO-CLOCK", quantity: int = 1
    ) -> tuple[str, str]:
        """A customer checks out for pickup: (order id, pickup id)."""
        token = self.token(Role.CUSTOMER, customer)
        cart = (await self.data(documents.START_CART, token))["startCart"]["cartId"]
        added = await self.data(documents.ADD_TO_CART, token, cart=cart, sku=sku, quantity=quantity)
        assert added["addToCart"]["userErrors"] == []
        placed = (await self.data(documents.CHECKOUT_FOR_PICKUP, token, cart=cart, store=store))[
            "checkout"
        ]
        assert placed["userErrors"] == [], placed
        return placed["orderId"], placed["pickupId"]

    async def pickup_of(self, customer: str, order_id: str) -> dict:
        """What the customer's own order query says about the pickup."""
        token = self.token(Role.CUSTOMER, customer)
        order = (await self.data(documents.ORDER_PICKUP, token, id=order_id))["order"]
        return order["pickup"]  # type: ignore[no-any-return]

    async def act(self, document: str, token: str, **variables: Any) -> dict:
        """A mutation from another device or channel; its payload, refused or not."""
        payload = await self.data(document, token, **variables)
        return next(iter(payload.values()))  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.http.aclose()
