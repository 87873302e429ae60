"""What a bounds test checks after each request: every read model is running and has applied
everything written so far, so no accepted value stopped one."""

from __future__ import annotations

import asyncio
import time

from tests.api.conftest import Api


async def every_projection_at_the_head(api: Api, seconds: float = 20.0) -> None:
    """Each projection `running` with nothing left to apply, within `seconds`; else the
    assertion names the ones that are not."""
    deadline = time.monotonic() + seconds
    while True:
        report = (await api.client.get("/health")).json()
        behind = [
            (p["name"], p["state"], p["lag_events"], p.get("error"))
            for p in report["projections"]
            if p["state"] != "running" or p["lag_events"] != 0
        ]
        if not behind or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert not behind, f"read models not running at the head: {behind}"
