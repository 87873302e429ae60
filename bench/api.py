"""api: add-to-cart mutations and myCart queries over HTTP against a real server process,
at 1, 8 and 32 clients; a plain Litestar JSON endpoint of the same process is the ceiling.

The load generator runs on the same two cores as the server and PostgreSQL, so all three
compete; the ratios are what this machine can say.
"""

from __future__ import annotations

import os
from itertools import count

import httpx

from adapters.settings import Settings
from api.auth import Principal, Role, TokenService
from api.server_process import running_server
from bench.common import ratio_line, timed_workers

SECRET = "bench-secret"
VENDURE_ADD_TO_CART = 80.0  # requests/s at 8-32 clients, the figure quoted in the issue
SKUS = [
    "RETRO-CLOCK",
    "LAVA-LAMP",
    "VINYL-PLAYER",
    "DESK-FAN",
    "TEA-KETTLE",
    "CANVAS-TOTE",
    "NOTEBOOK-A5",
    "BIKE-LIGHT",
    "ESPRESSO-POT",
    "WOOL-SCARF",
    "PLANT-POT",
    "HEADPHONES",
]
ADD = """mutation Add($cart: UUID!, $sku: String!) {
  addToCart(cartId: $cart, sku: $sku, quantity: 1) { position userErrors { code } } }"""
MY_CART = "query MyCart { myCart { id itemCount total { amount } lines { sku quantity } } }"


async def run(settings: Settings, seconds: float) -> list[str]:
    workers = int(os.environ.get("BENCH_API_WORKERS", "1"))
    overrides = {
        "OMNI_SECRET_KEY": SECRET,
        "OMNI_RUN_SCHEDULER": "false",
        "OMNI_ENVIRONMENT": "production",
    }
    async with running_server(settings, os.environ, workers, **overrides) as base:
        limits = httpx.Limits(max_connections=64)
        async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
            return await _measure(client, seconds)


async def _measure(client: httpx.AsyncClient, seconds: float) -> list[str]:
    tokens = TokenService(SECRET)
    customer = tokens.mint(Principal(role=Role.CUSTOMER, subject="cust-bench"))
    await _gql(client, "mutation { startCart { cartId } }", customer)
    lines = ["api: requests/s over HTTP (p50, p99)"]
    for clients in (1, 8, 32):
        ping = await timed_workers(clients, seconds, lambda _: _get(client, "/ping"))
        carts = [await _guest_cart(client) for _ in range(clients)]
        sku = count()

        async def add(worker: int, carts: list = carts, sku: count = sku) -> int:  # type: ignore[type-arg]
            cart_id, token = carts[worker]
            body = await _gql(client, ADD, token, cart=cart_id, sku=SKUS[next(sku) % 12])
            if body["data"]["addToCart"]["userErrors"]:  # a line reached its maximum
                carts[worker] = await _guest_cart(client)
            return 1

        adds = await timed_workers(clients, seconds, add)
        reads = await timed_workers(
            clients, seconds, lambda _: _gql_count(client, MY_CART, customer)
        )
        for label, rate in (
            ("plain JSON /ping", ping),
            ("addToCart mutation", adds),
            ("myCart query", reads),
        ):
            lines.append(f"  c={clients:2d} {label:22} {rate.describe('req')}")
        lines.append(
            ratio_line(
                f"addToCart / plain JSON at c={clients}", adds.per_second / ping.per_second, 0.0
            )
        )
        if clients in (8, 32):
            lines.append(
                ratio_line(
                    f"addToCart / Vendure's ~80 req/s at c={clients}",
                    adds.per_second / VENDURE_ADD_TO_CART,
                    5.0,
                )
            )
        if clients == 32:
            lines.append(
                ratio_line(
                    "addToCart p99 / 100 ms at c=32",
                    adds.percentile(0.99) / 0.1,
                    1.0,
                    higher_is_better=False,
                )
            )
    return lines


async def _get(client: httpx.AsyncClient, path: str) -> int:
    response = await client.get(path)
    assert response.status_code == 200
    return 1


async def _gql(
    client: httpx.AsyncClient, query: str, token: str | None = None, **variables: object
) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert "errors" not in body, body
    return body  # type: ignore[no-any-return]


async def _gql_count(client: httpx.AsyncClient, query: str, token: str) -> int:
    await _gql(client, query, token)
    return 1


async def _guest_cart(client: httpx.AsyncClient) -> tuple[str, str]:
    started = (await _gql(client, "mutation { startCart { cartId cartToken } }"))["data"]
    return started["startCart"]["cartId"], started["startCart"]["cartToken"]
