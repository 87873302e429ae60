"""Issue 17, item 1: one anonymous request's event must not stop a read model for everyone.

A cart started with a 3,000-character device id overflowed the btree of cart_touch_view's
primary key, and cart_continuity stopped for every customer. Now that stream alone is
parked: other carts keep moving and read fresh, the parked cart reads STALE_READ naming the
projection, /health says degraded with the count, and /metrics shows it. The event is
written straight through the event store (the API will refuse such a device id soon).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from uuid import uuid4

import msgspec
import pytest

from adapters.postgres.database import Database
from adapters.settings import Settings
from api.auth import Role
from domain.cart.model import Cart
from domain.ports import Position
from domain.values import Actor, ActorKind, Channel, Context, stock_item_id
from projections.catalog import all_projections
from projections.dead_letter_actions import request
from projections.supervisor import ProjectionSupervisor
from tests.api.conftest import Api, app_under_test
from tests.api.test_health import health, health_until
from tests.integration.test_projection_runner import until

START = 'mutation { startCart(deviceId: "phone") { cartId cartToken position } }'
ADD = """mutation($cart: UUID!, $sku: String!) {
  addToCart(cartId: $cart, sku: $sku) { position userErrors { code } } }"""
CART = """query($id: UUID!, $after: String) { cart(id: $id, consistentWith: $after) {
  id: cartId lines { sku quantity } } }"""
# Random hex does not compress: 3,000 characters make an index row of about 3,030 bytes.
LONG_DEVICE = secrets.token_hex(1500)


@asynccontextmanager
async def event_store_of(api: Api) -> AsyncIterator[Database]:
    """The app's database, opened as another process would: straight to the event store."""
    on_app = msgspec.structs.replace(
        api.services.settings, database_schema=api.services.database.schema
    )
    database = await Database.open(on_app, schema=on_app.database_schema, pool_size=2)
    try:
        yield database
    finally:
        await database.close()


async def start_poisoned_cart(database: Database) -> tuple[Cart, Position]:
    cart = Cart.create(uuid4(), Channel.WEB, LONG_DEVICE, None, at=datetime.now(UTC))
    context = Context(
        channel=Channel.WEB, device_id=LONG_DEVICE, actor=Actor(ActorKind.GUEST, "anonymous")
    )
    appended = await database.store.append(cart.collect_events(), context)
    return cart, appended.last_position


async def add(api: Api, cart_id: str, token: str, sku: str) -> str:
    payload = (await api.data(ADD, token, cart=cart_id, sku=sku))["addToCart"]
    assert payload["userErrors"] == [], payload
    return payload["position"]  # type: ignore[no-any-return]


@pytest.mark.read_your_writes
async def test_a_poison_cart_parks_alone_and_reads_stale_while_other_carts_move(
    api: Api,
) -> None:
    admin = api.token(Role.ADMIN, "ops")
    started = (await api.data(START))["startCart"]
    other, other_token = started["cartId"], started["cartToken"]
    await add(api, other, other_token, "RETRO-CLOCK")
    async with event_store_of(api) as database:
        poisoned, poisoned_at = await start_poisoned_cart(database)
    code, report = await health_until(api, "degraded")

    assert code == 503 and report["parked_streams"] == {"cart_continuity": 1}, report
    continuity = next(p for p in report["projections"] if p["name"] == "cart_continuity")
    assert (continuity["state"], continuity["parked_streams"]) == ("running", 1)
    metrics = (await api.client.get("/metrics")).text
    assert 'omni_projection_dead_letters{projection="cart_continuity"} 1.0' in metrics
    assert 'omni_projection_dead_letters{projection="orders"} 0.0' in metrics

    # Every other customer's cart keeps moving, and reads fresh.
    after = await add(api, other, other_token, "LAVA-LAMP")
    body = await api.gql(CART, other_token, id=other, after=after)
    assert "errors" not in body, body["errors"]
    assert [line["sku"] for line in body["data"]["cart"]["lines"]] == ["RETRO-CLOCK", "LAVA-LAMP"]

    # The parked cart says so, naming the projection, and asking again will not help.
    body = await api.gql(CART, admin, id=str(poisoned.id), after=poisoned_at.token())
    [stale] = body["errors"]
    assert stale["extensions"]["code"] == "STALE_READ"
    assert stale["extensions"]["projections"] == ["cart_continuity"]
    assert stale["extensions"]["parkedStream"] == str(poisoned.id)
    assert stale["extensions"]["retryable"] is False
    assert stale["extensions"]["position"] == poisoned_at.token()
    assert "cart_continuity" in stale["message"] and stale["path"] == ["cart"]
    parked = await api.db.fetchrow("SELECT * FROM projection_dead_letters")
    assert "index row size" in parked["error"] and "cart_touch_view_pkey" in parked["error"]


async def test_health_is_ok_again_once_the_parked_stream_is_skipped(api: Api) -> None:
    async with event_store_of(api) as database:
        poisoned, _ = await start_poisoned_cart(database)
        await health_until(api, "degraded")
        await request(database.pool, "cart_continuity", poisoned.id, "skip", "ops-ada")
    code, report = await health_until(api, "ok")
    assert code == 200 and "parked_streams" not in report, report
    assert (await health(api))[1]["status"] == "ok"
    skipped = await api.db.fetchrow("SELECT * FROM projection_dead_letter_actions")
    assert (skipped["outcome"], skipped["requested_by"]) == ("skipped", "ops-ada")
    assert skipped["skipped_topic"].endswith("Cart.Created")


async def test_an_api_process_running_no_projections_hears_what_is_parked_and_released(
    settings: Settings,
) -> None:
    """The read models run elsewhere (here: a supervisor on a pool of its own): this API
    process learns of the parked stream, and of its release, from the notifications alone."""
    without_projections = msgspec.structs.replace(settings, run_projections=False)
    async with app_under_test(without_projections) as api, event_store_of(api) as db:
        supervisor = ProjectionSupervisor(
            db.store, all_projections(), db.dsn, db.schema, poll_interval=0.1
        )
        await supervisor.follow_other_processes()
        supervisor.start()
        try:
            poisoned, at = await start_poisoned_cart(db)
            await until(lambda: supervisor.parked.head("cart_continuity", poisoned.id), 20)
            admin = api.token(Role.ADMIN, "ops")

            async def read() -> dict:
                return await api.gql(CART, admin, id=str(poisoned.id), after=at.token())

            await until(lambda: _has_stale(read()), 10)
            await request(db.pool, "cart_continuity", poisoned.id, "skip", "ops-ada")
            await until(lambda: _has_no_errors(read()), 10)
        finally:
            await supervisor.stop()
    assert not api.services.projections.parked


async def _has_stale(answer: Awaitable[dict]) -> bool:
    errors = (await answer).get("errors", [])
    return [e["extensions"]["code"] for e in errors] == ["STALE_READ"]


async def _has_no_errors(answer: Awaitable[dict]) -> bool:
    return "errors" not in await answer


MY_CART = "query($after: String) { myCart(consistentWith: $after) { id: cartId } }"
RECEIVE = """mutation($qty: Int!) { receiveStock(locationId: "AMS-ZUID", sku: "DESK-FAN",
  quantity: $qty, reference: "delivery 17") { position userErrors { code } } }"""
STOCK = """query($after: String) { storeStock(locationId: "AMS-ZUID",
  skus: ["DESK-FAN", "LAVA-LAMP"], consistentWith: $after) { nodes { sku onHand } } }"""


@pytest.mark.read_your_writes
async def test_my_cart_and_stock_levels_of_parked_streams_read_stale(api: Api) -> None:
    """Read models that cannot hold what the write side accepts (a constraint stands in for
    the bug): the customer's current cart and one stock item park; their reads say so."""
    await api.db.execute("ALTER TABLE cart_line_view ADD CONSTRAINT few CHECK (quantity <= 5)")
    await api.db.execute("ALTER TABLE stock_view ADD CONSTRAINT small CHECK (on_hand < 1000)")
    ada, admin = api.token(Role.CUSTOMER, "cust-ada"), api.token(Role.ADMIN, "ops")
    cart = (await api.data(START, ada))["startCart"]["cartId"]
    added = await add(api, cart, ada, "RETRO-CLOCK")
    body = await api.gql(MY_CART, ada, after=added)
    assert "errors" not in body and body["data"]["myCart"]["id"] == cart
    for _ in range(6):
        added = await add(api, cart, ada, "RETRO-CLOCK")
    received = (await api.data(RECEIVE, admin, qty=5000))["receiveStock"]["position"]

    body = await api.gql(MY_CART, ada, after=added)
    assert [e["extensions"]["parkedStream"] for e in body["errors"]] == [cart], body
    body = await api.gql(STOCK, admin, after=received)
    [stale] = body["errors"]
    assert stale["extensions"]["parkedStream"] == str(stock_item_id("AMS-ZUID", "DESK-FAN"))
    assert stale["extensions"]["projections"] == ["store_inventory"]
    assert [n["sku"] for n in body["data"]["storeStock"]["nodes"]] == ["DESK-FAN", "LAVA-LAMP"]
