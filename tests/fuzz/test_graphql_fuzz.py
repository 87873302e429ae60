"""Issue 17, item 8: a schema-driven GraphQL fuzzer against a real server process with the
demo data, once with an admin token and once without one. It fails on any HTTP 5xx, any
INTERNAL_ERROR, and any projection that leaves `running` or does not reach the head.

Bounded: OMNI_FUZZ_SECONDS of fuzzing (50 by default, about a minute with the server's
start), shared by both identities and every root field; set it higher for a longer hunt. The
report (every distinct failure with its smallest input) is also written to
.omni/test/fuzz-report.txt, beside the server's log (fuzz-server.log)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path
from typing import Any

import graphql
import httpx
import pytest

from adapters.settings import Settings
from api.auth import Principal, Role, TokenService
from api.server.demo_seed import load_demo_catalog, load_demo_customers
from bench.harness.server_process import running_server
from tests.fuzz.operations import KnownValues
from tests.fuzz.runner import FuzzRun, Identity, ServerLog

SECRET = "fuzz-secret-of-at-least-thirty-two-bytes"
SECONDS = float(os.environ.get("OMNI_FUZZ_SECONDS") or 50)

pytestmark = [pytest.mark.fuzz, pytest.mark.slow, pytest.mark.timeout(SECONDS + 240)]


async def test_no_request_answers_5xx_internal_error_or_stops_a_read_model(
    settings: Settings,
) -> None:
    # Beside the report, where an operator finds both after a failed run.
    data_dir = Path(settings.data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "fuzz-server.log"
    with log_path.open("wb") as log:
        async with running_server(
            settings,
            os.environ,
            stderr=log,
            OMNI_SEED_DEMO="true",
            OMNI_SECRET_KEY=SECRET,
            OMNI_LOG_FORMAT="json",  # each line names its request: the report quotes them
            OMNI_POLL_INTERVAL="0.2",
            # A read that names a position the read models never reach waits this long: the
            # fuzzer draws such positions, and the wait is not what it looks for.
            OMNI_CONSISTENCY_WAIT="0.5",
        ) as base:
            run = await asyncio.to_thread(fuzz, base, log_path)
    report = run.failures.report(run.summary())
    (data_dir / "fuzz-report.txt").write_text(report + "\n")
    print(report)
    assert len(run.failures) == 0, report
    assert run.outcomes, "the fuzzer sent nothing"


def fuzz(base: str, log_path: Path) -> FuzzRun:
    tokens = TokenService(SECRET)
    admin = Identity("admin", _mint(tokens, Role.ADMIN, "fuzz-admin"))
    with httpx.Client(base_url=base, timeout=30) as client:
        schema = _served_schema(client, admin)
        known = KnownValues(_demo_values(tokens))
        _shop(client, known)
    run = FuzzRun(base, schema, known, ServerLog(log_path))
    with contextlib.closing(run):
        run.run([admin, Identity("anonymous", None)], SECONDS)
    return run


def _mint(tokens: TokenService, role: Role, subject: str) -> str:
    expires_at = int(time.time() + SECONDS + 3600)
    return tokens.mint(Principal(role=role, subject=subject, expires_at=expires_at))


def _served_schema(client: httpx.Client, admin: Identity) -> graphql.GraphQLSchema:
    """The schema as the server publishes it (introspection), not as the repository has it."""
    query = graphql.get_introspection_query()
    return graphql.build_client_schema(_data(client, admin.token, query))  # type: ignore[arg-type]


def _demo_values(tokens: TokenService) -> dict[str, list[str]]:
    """What the demo seed put in the server: SKUs, stores, customers and their tokens."""
    products, locations = load_demo_catalog()
    customers = load_demo_customers()
    return {
        "sku": [product.sku for product in products],
        "location": [location.id for location in locations],
        "customerId": [customer.id for customer in customers],
        "loyaltyId": [c.loyalty_id for c in customers if c.loyalty_id],
        "customerToken": [_mint(tokens, Role.CUSTOMER, c.id) for c in customers[:2]],
        "paymentToken": ["tok-visa", "decline-card", "error-provider"],
        # Two keys only: a key sent again with other arguments is a case worth having.
        "idempotencyKey": ["fuzz-key-0001", "fuzz-key-0002"],
    }


START = "mutation($device: String) { startCart(deviceId: $device) { cartId cartToken } }"
ADD = """mutation($cart: UUID!, $sku: String!) {
  addToCart(cartId: $cart, sku: $sku) { position userErrors { code } } }"""
CHECKOUT = """mutation($cart: UUID!, $method: FulfillmentMethod!) {
  checkout(input: {cartId: $cart, method: $method, locationId: "AMS-CENTRAAL",
    paymentToken: "tok-visa"}) { orderId pickupId position userErrors { code } } }"""


def _shop(client: httpx.Client, known: KnownValues) -> None:
    """Real carts, orders and pickups, so that mutations on known ids reach the domain:
    three guests fill carts; two check out (a pickup, a delivery), one keeps shopping."""
    for device, method in (("fuzz-phone", "PICKUP"), ("fuzz-laptop", "SHIP"), ("fuzz-kiosk", None)):
        started = _data(client, None, START, device=device)["startCart"]
        cart, token = started["cartId"], started["cartToken"]
        known.harvest(started)
        for sku in ("RETRO-CLOCK", "LAVA-LAMP"):
            known.harvest(_data(client, token, ADD, cart=cart, sku=sku))
        if method:
            placed = _data(client, token, CHECKOUT, cart=cart, method=method)["checkout"]
            assert placed["userErrors"] == [], placed
            known.harvest(placed)


def _data(client: httpx.Client, token: str | None, query: str, **variables: Any) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]
