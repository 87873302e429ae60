"""What a refused request must leave as it was, read from /health as an operator would: the
event store's committed head (nothing written) and every read model's projection (running).

The committed head, not the visible one: on a shared server another session's open
transaction may hide this test's own set-up writes at the first look and not at the second."""

from __future__ import annotations

import asyncio
from typing import Any

START_SECONDS = 20


async def _health(client: Any) -> tuple[str, dict[str, str]]:
    body = (await client.get("/health")).json()
    states = {p["name"]: p["state"] for p in body["projections"]}
    return body["event_store"]["committed_head"], states


async def committed_head(client: Any) -> str:
    """The head, once every projection is running (they start with the app, one by one)."""
    for _ in range(START_SECONDS * 10):
        head, states = await _health(client)
        if states and set(states.values()) == {"running"}:
            return head
        await asyncio.sleep(0.1)
    raise AssertionError(f"the projections did not start: {states}")


async def assert_unharmed(client: Any, head_before: str) -> None:
    head, states = await _health(client)
    assert head == head_before, "a refused request wrote"
    assert set(states.values()) == {"running"}, states
