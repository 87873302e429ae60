"""A simulation's clock skipped over HTTP moves every process on the schema: both uvicorn
workers of the server, and another process's clock (here: this test's own Database)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import msgspec
import pytest

from adapters.postgres.business_clock import SharedBusinessClock
from adapters.postgres.database import Database
from adapters.settings import Settings
from api.auth import Principal, Role, TokenService
from api.server.composition import shared_clock_of
from bench.harness.server_process import drop_schema, running_server

SECRET = "shared-clock-secret-of-at-least-32-bytes"
START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
CLOCK = "{ serverClock { now speed canSkip } }"
SKIP = """mutation($to: DateTime!) { skipClock(to: $to) {
  userErrors { code } clock { now canSkip } } }"""
NOTIFIED_WITHIN_SECONDS = 10.0


@pytest.fixture
async def simulation(settings: Settings) -> AsyncIterator[tuple[str, SharedBusinessClock]]:
    """A two-worker server on a simulated clock, and a clock of this process on its schema."""
    schema = f"srv_{uuid4().hex[:10]}"
    overrides = {"OMNI_SECRET_KEY": SECRET, "OMNI_CLOCK_START": START.isoformat()}
    try:
        async with running_server(
            settings, os.environ, workers=2, schema=schema, **overrides
        ) as base:
            database = await Database.open(settings, schema=schema, pool_size=2)
            simulated = msgspec.structs.replace(settings, clock_speed=60.0)
            _, shared = await shared_clock_of(simulated, database)
            assert shared is not None
            try:
                yield base, shared
            finally:
                await shared.stop()
                await database.close()
    finally:
        await drop_schema(settings, schema)


def admin() -> str:
    principal = Principal(role=Role.ADMIN, subject="head-office", expires_at=int(time.time() + 600))
    return TokenService(SECRET).mint(principal)


async def ask(base: str, query: str, **variables: object) -> dict:
    """One request on a connection of its own, so that either worker may answer it."""
    async with httpx.AsyncClient(base_url=base, timeout=20) as http:
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {admin()}"},
        )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]  # type: ignore[no-any-return]


async def every_worker_reads_after(base: str, instant: datetime) -> bool:
    """Twenty answers in a row at or after `instant` (polled, bounded): with two workers
    taking connections at random, one left behind would show."""
    async with asyncio.timeout(NOTIFIED_WITHIN_SECONDS):
        while True:
            answers = [await ask(base, CLOCK) for _ in range(20)]
            if all(datetime.fromisoformat(a["serverClock"]["now"]) >= instant for a in answers):
                return True
            await asyncio.sleep(0.05)


async def test_a_skip_over_http_moves_every_process_on_the_schema(
    simulation: tuple[str, SharedBusinessClock],
) -> None:
    base, elsewhere = simulation
    month_later = START + timedelta(days=31)
    assert elsewhere.clock.now() < month_later  # it adopted the server's start

    skipped = (await ask(base, SKIP, to=month_later.isoformat()))["skipClock"]
    back = (await ask(base, SKIP, to=START.isoformat()))["skipClock"]

    assert skipped["userErrors"] == [] and skipped["clock"]["canSkip"] is True
    assert datetime.fromisoformat(skipped["clock"]["now"]) >= month_later
    assert back["userErrors"] == [{"code": "INVALID_INPUT"}] and back["clock"] is None
    async with asyncio.timeout(NOTIFIED_WITHIN_SECONDS):
        while elsewhere.clock.now() < month_later:
            await asyncio.sleep(0.02)
    assert await every_worker_reads_after(base, month_later)
