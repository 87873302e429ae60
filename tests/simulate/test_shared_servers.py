"""`omni simulate` and a server someone else uses: it refuses, in one sentence, to drive a
server that already has orders unless asked to (`--allow-shared`), and its pickers work only
the simulation's own orders, never one a real customer placed."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole, TokenService
from bench.harness import staff_documents as documents
from bench.harness.server_process import ROOT, running_server
from simulate.client import Api
from simulate.clock import SimClock
from simulate.shared import orders_on
from simulate.staff import OPEN_PICKUPS, Notices, Pickers

SECRET = "simulate-shared-server-secret-of-32-bytes-or-more"
PICKUP = "query($id: UUID!) { pickup(id: $id) { status } }"


def mint(role: str, subject: str, stores: tuple[str, ...], staff_role: str | None,
         channel: str | None) -> str:  # fmt: skip
    return TokenService(SECRET).mint(Principal(
        role=Role(role), subject=subject, stores=stores, expires_at=int(time.time() + 600),
        staff_role=StaffRole(staff_role) if staff_role else None,
    ))  # fmt: skip


@pytest.fixture(scope="module")
async def shared(settings: Settings) -> AsyncIterator[str]:
    """A server on the real clock where Grace has ordered for pickup at Amsterdam Centraal."""
    async with running_server(
        settings, os.environ, OMNI_SEED_DEMO="true", OMNI_SECRET_KEY=SECRET
    ) as base:
        yield base


async def order_for_pickup(api: Api, customer: str) -> str:
    token = api.token("customer", customer)
    cart = (await api.query(documents.START_CART, token))["startCart"]["cartId"]
    await api.query(documents.ADD_TO_CART, token, cart=cart, sku="RETRO-CLOCK", quantity=1)
    placed = (await api.query(documents.CHECKOUT_FOR_PICKUP, token, cart=cart,
                              store="AMS-CENTRAAL"))["checkout"]  # fmt: skip
    assert placed["userErrors"] == [], placed
    return str(placed["pickupId"])


async def on_the_board(api: Api) -> set[str]:
    staff = api.token("staff", "staff-look", "AMS-CENTRAAL", staff_role="manager")
    listed = await api.query(OPEN_PICKUPS, staff, store="AMS-CENTRAAL")
    return {pickup["id"] for pickup in listed["pickups"]["nodes"]}


async def status_of(api: Api, pickup_id: str) -> str:
    staff = api.token("staff", "staff-look", "AMS-CENTRAAL", staff_role="manager")
    return str((await api.query(PICKUP, staff, id=pickup_id))["pickup"]["status"])


async def test_a_server_with_orders_is_refused_in_one_sentence(
    shared: str, settings: Settings, tmp_path: Path
) -> None:
    api = Api(shared, mint)
    admin = api.token("admin", "head-office")
    try:
        await order_for_pickup(api, "cust-grace")
        while await orders_on(api, admin) == 0:  # the journeys read model takes it in
            await asyncio.sleep(0.1)
        before = await orders_on(api, admin)
        env = {**os.environ, "OMNI_DATA_DIR": settings.data_dir, "PYTHONPATH": str(ROOT),
               "OMNI_SECRET_KEY": SECRET}  # fmt: skip
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "api.cli", "simulate", "--customers", "8", "--url", shared,
            "--out", str(tmp_path), cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 120)
        after = await orders_on(api, admin)
    finally:
        await api.close()

    assert process.returncode == 1
    assert out.decode() == ""
    sentence = err.decode().strip()
    assert len(sentence.splitlines()) == 1, sentence
    assert sentence.startswith(f"the server at {shared} already has {before} orders")
    assert "--allow-shared" in sentence
    assert after == before  # it simulated nothing
    assert not (tmp_path / "report.html").exists()


async def test_the_simulations_pickers_work_only_its_own_orders(shared: str) -> None:
    api = Api(shared, mint)
    admin = api.token("admin", "head-office")
    errors: list[str] = []
    try:
        real = await order_for_pickup(api, "cust-grace")
        ours = await order_for_pickup(api, "cust-alan")
        clock = SimClock(api, admin, speed=3600)  # 40 minutes in under a second
        await clock.sync()
        pickers = Pickers(api, clock, "AMS-CENTRAAL", Notices(), 1, errors, {ours})
        while {real, ours} - await on_the_board(api):  # both open there, for anyone to take
            await asyncio.sleep(0.1)
        pickers.day_over.set()  # work until none of theirs is open
        await asyncio.wait_for(pickers.work(), 60)
        statuses = await status_of(api, ours), await status_of(api, real)
    finally:
        await api.close()

    assert errors == []
    assert pickers.made_ready == 1
    assert statuses == ("READY", "REQUESTED")
