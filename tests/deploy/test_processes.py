"""One host of deploy/systemd/, brought up on this machine from the manifests themselves: the
processes omnicommerce.target starts, each with the command line and environment its unit
gives it, against a fresh schema of the tests' PostgreSQL, a three-node JetStream cluster, a
mail server and an OTLP collector. Every process comes up healthy; they work together (a
write through one API process read through the other, a ready pickup mailed through the
relay and the notifier, the timer's tick, traces exported); each stops cleanly on SIGTERM
within its unit's TimeoutStopSec."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest

from adapters.clock import SystemClock
from adapters.nats.cluster import NatsCluster
from adapters.nats.server import free_port
from adapters.postgres.customers import upsert_customers
from adapters.postgres.database import Database
from adapters.settings import Settings
from bench.harness.otlp_receiver import OtlpReceiver
from domain.order.model import Fulfillment, FulfillmentMethod
from projections.catalog import all_projections
from tests.deploy.host import MANIFESTS, LocalHost, Running
from tests.deploy.units import Unit, load_units, start_plan
from tests.outbox.test_notifier import CUSTOMERS, Inbox
from tests.outbox.test_relay import shop_service
from tests.shop import STAFF, as_uuid, ctx

TARGET = "omnicommerce.target"
UP_SECONDS = 60
START_CART = 'mutation { startCart(deviceId: "phone") { cartId cartToken position } }'
CART = "query($id: UUID!, $after: String) { cart(id: $id, consistentWith: $after) { id: cartId } }"
PICKUP_CODE = re.compile(r"this code at the pickup counter: (\w+)")


class Host:
    """The host's units and where this machine differs from the example hosts."""

    def __init__(self, local: LocalHost, elsewhere: Mapping[str, str]) -> None:
        self.local, self.elsewhere = local, dict(elsewhere)
        self.units: dict[str, Unit] = load_units(MANIFESTS)
        self.apis: dict[str, str] = {}  # unit -> base URL
        self.running: list[Running] = []

    async def start(self, unit: str) -> None:
        overrides = dict(self.elsewhere)
        if unit.startswith("omni-api@"):  # the instance names the port: here, a free one
            port = free_port()
            overrides["OMNI_PORT"] = str(port)
            self.apis[unit] = f"http://127.0.0.1:{port}"
        process = self.local.process(self.units, unit, **overrides)
        self.running.append(await self.local.start(process))

    async def run_once(self, unit: str) -> tuple[int, str]:
        return await self.local.run_once(self.local.process(self.units, unit, **self.elsewhere))

    async def operator(self, unit: str, *command: str) -> str:
        """`omni COMMAND` typed on the host with the environment of `unit`; its output."""
        process = self.local.process(self.units, unit, **self.elsewhere)
        typed = dataclasses.replace(
            process, unit=f"operator {' '.join(command)}", argv=[process.argv[0], *command]
        )
        status, out = await self.local.run_once(typed)
        assert status == 0, out
        return out

    async def until(self, check: Callable[[], Awaitable[bool]], what: str) -> None:
        deadline = time.monotonic() + UP_SECONDS
        while not await check():
            for process in self.running:
                assert process.alive, f"{process.process.unit} exited: {process.journal()}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            await asyncio.sleep(0.2)


async def ready(api: str) -> bool:
    try:
        async with httpx.AsyncClient() as client:
            return (await client.get(f"{api}/health/ready")).status_code == 200
    except httpx.TransportError:
        return False


async def graphql(api: str, query: str, token: str | None = None, **variables: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(timeout=20) as client:
        answer = await client.post(
            f"{api}/graphql", json={"query": query, "variables": variables}, headers=headers
        )
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]


def states(table: str) -> dict[str, str]:
    """The first two columns of a status table's rows: name (or state) and state."""
    rows = [line.split() for line in table.splitlines()[1:] if line.strip()]
    return {row[0]: row[1] for row in rows if len(row) > 1}


async def every_projection_running(host: Host) -> bool:
    table = await host.operator("omni-projections@1.service", "projections", "status")
    return all(states(table).get(p.name) == "running" for p in all_projections())


async def relay_running(host: Host) -> bool:
    table = await host.operator("omni-outbox@1.service", "outbox", "status")
    return table.splitlines()[-1].split()[0] == "running"


async def caught_up(host: Host) -> bool:
    """Every read model and the relay at the head, the relay having published."""
    projections = await host.operator("omni-projections@1.service", "projections", "status")
    lags = [row.split()[3] for row in projections.splitlines()[1:]]
    relay = (await host.operator("omni-outbox@1.service", "outbox", "status")).splitlines()[-1]
    state, _, lag, _, published = relay.split()[:5]
    return set(lags) == {"0"} and (state, lag) == ("running", "0") and int(published) > 0


async def a_pickup_made_ready(settings: Settings, dsn: str, schema: str, master_key: str) -> str:
    """Ada's click-and-collect order, picked and ready at Amsterdam Centraal, written as the
    staff's tablet would (with the host's master key, as every process there); its code."""
    writer = msgspec.structs.replace(settings, database_url=dsn, master_key=master_key)
    database = await Database.open(writer, schema=schema)
    try:
        async with database.pool.acquire() as connection:
            await upsert_customers(connection, CUSTOMERS)
        service = await shop_service(database, SystemClock())
        await service.receive_stock("AMS-CENTRAAL", "RETRO-CLOCK", 5, "delivery", STAFF)
        cart = (await service.start_cart(ctx(), customer_id="cust-ada")).result.cart_id
        await service.add_to_cart(cart, "RETRO-CLOCK", 1, ctx())
        pickup = Fulfillment(FulfillmentMethod.PICKUP, "AMS-CENTRAAL")
        placed = (await service.checkout(cart, pickup, ctx(), payment_token="tok")).result
        await service.start_picking(as_uuid(placed.pickup_id), "staff-bo", STAFF)
        ready = await service.mark_ready(as_uuid(placed.pickup_id), "A1", STAFF)
        return ready.result.pickup_code or ""
    finally:
        await database.close()


async def mailed_codes(inbox: Inbox) -> list[str]:
    bodies = (m.get_payload(decode=True).decode() for m in inbox.messages)
    return [match.group(1) for body in bodies if (match := PICKUP_CODE.search(body))]


@pytest.mark.slow
async def test_the_target_comes_up_healthy_works_together_and_stops_cleanly(
    tmp_path: Path,
    settings: Settings,
    primary: tuple[str, str],
    nats_cluster: NatsCluster,
    mail_server: tuple[Inbox, int],
    collector: OtlpReceiver,
) -> None:
    (dsn, schema), (inbox, smtp_port) = primary, mail_server
    signing_key, master_key = secrets.token_urlsafe(48), secrets.token_urlsafe(48)
    operator_secrets = {
        "DATABASE_URL": dsn,
        "OMNI_SECRET_KEY": signing_key,
        "OMNI_MASTER_KEY": master_key,
    }
    local = LocalHost(tmp_path / "host", operator_secrets)
    host = Host(
        local,
        elsewhere={
            "OMNI_DATABASE_SCHEMA": schema,  # a schema of this test's own on the tests' server
            "NATS_URL": nats_cluster.url,
            "OMNI_SMTP_PORT": str(smtp_port),
            "OTEL_EXPORTER_OTLP_ENDPOINT": collector.endpoint,
        },
    )
    plan = start_plan(host.units, TARGET)

    for unit in plan.first:
        status, out = await host.run_once(unit)
        assert status == 0, out
    for unit in plan.services:
        await host.start(unit)
    try:
        for api in host.apis.values():
            await host.until(lambda api=api: ready(api), f"{api}/health/ready")
        await host.until(lambda: every_projection_running(host), "every projection running")
        await host.until(lambda: relay_running(host), "the outbox relay running")

        # A guest's write through one API process, read through the other: the read models
        # are the projection workers' (the API processes run none).
        first, second = host.apis.values()
        started = (await graphql(first, START_CART))["startCart"]
        read = await graphql(
            second, CART, started["cartToken"], id=started["cartId"], after=started["position"]
        )
        assert read["cart"]["id"] == started["cartId"]

        code = await a_pickup_made_ready(settings, dsn, schema, master_key)
        await host.until(lambda: _arrived(inbox, code), "the pickup-ready mail")
        await host.until(lambda: caught_up(host), "read models and relay at the head")

        for unit in plan.timed:
            status, out = await host.run_once(unit)
            assert status == 0 and re.search(r"^fired \d+, refused \d+$", out, re.M), out
    finally:
        # In parallel, as systemd stops a target's units.
        cleanly = await asyncio.gather(*(r.stopped_cleanly() for r in host.running))
        stopped = {r.process.unit: clean for r, clean in zip(host.running, cleanly, strict=True)}

    assert stopped == {unit: True for unit in plan.services}
    journals = {r.process.unit: r.journal() for r in host.running}
    assert [unit for unit, text in journals.items() if "Traceback" in text] == []
    # Tokens are JWTs ("eyJ..."): the production welcome prints none into the journal.
    assert [unit for unit in host.apis if "eyJ" in journals[unit]] == []
    assert await mailed_codes(inbox) == [code]
    traced = collector.wait_for(lambda spans: len(graphql_requests(spans)) >= 2)
    assert len(graphql_requests(traced)) == 2  # one from each API process


def graphql_requests(spans: list[Any]) -> list[Any]:
    return [s for s in spans if s.name == "POST /graphql" and s.service == "omnicommerce-api"]


async def _arrived(inbox: Inbox, code: str) -> bool:
    return code in await mailed_codes(inbox)
