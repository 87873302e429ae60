"""The rest of the world around a staff page: customers checking out, colleagues acting on
pickups from other devices, all over HTTP against a real server."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from api.auth import Principal, Role, StaffRole, TokenService
from bench.harness import staff_documents as documents

CAUGHT_UP_WITHIN_S = 15


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

    async def pickup_of(self, customer: str, order_id: str, status: str) -> dict:
        """What the customer's own order query says about the pickup, once it says `status`.

        Their order is another read model than the board: a page showing a move does not mean
        it has caught up yet, so this waits for it (bounded), as the customer's app would."""
        token = self.token(Role.CUSTOMER, customer)
        pickup = None
        for _ in range(int(CAUGHT_UP_WITHIN_S / 0.05)):
            order = (await self.data(documents.ORDER_PICKUP, token, id=order_id))["order"]
            pickup = order and order["pickup"]
            if pickup is not None and pickup["status"] == status:
                return pickup  # type: ignore[no-any-return]
            await asyncio.sleep(0.05)
        raise AssertionError(f"the customer's order never showed the pickup {status}: {pickup}")

    async def act(self, document: str, token: str, **variables: Any) -> dict:
        """A mutation from another device or channel; its payload, refused or not."""
        payload = await self.data(document, token, **variables)
        return next(iter(payload.values()))  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.http.aclose()
