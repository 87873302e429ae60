"""`omni projections run`: the read models in a process of their own, stopped cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from adapters.postgres.database import Database
from projections.catalog import all_projections
from projections.supervisor import projection_status
from projections.tracking import wait_for_checkpoint
from tests.shop import ctx, make_service

ROOT = Path(__file__).resolve().parents[2]


async def start_worker(database: Database) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "DATABASE_URL": database.dsn,
        "OMNI_DATABASE_SCHEMA": database.schema or "",
        "OMNI_POLL_INTERVAL": "60",  # so only notifications can wake it in time
    }
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "api.cli", "projections", "run"),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def test_a_projection_worker_process_keeps_every_read_model_live(
    database: Database,
) -> None:
    worker = await start_worker(database)
    names = [p.name for p in all_projections()]
    try:
        assert worker.stdout is not None
        started = await asyncio.wait_for(worker.stdout.readline(), 30)
        assert b"projection worker running" in started

        service = make_service(database.store)
        cart = (await service.start_cart(ctx())).result.cart_id
        added = await service.add_to_cart(cart, "RETRO-CLOCK", 2, ctx())

        for name in names:
            assert await wait_for_checkpoint(database.pool, name, added.position, timeout=10)
        lines = await database.pool.fetch(
            "SELECT sku, quantity FROM cart_line_view WHERE cart_id = $1", cart
        )
        assert [(r["sku"], r["quantity"]) for r in lines] == [("RETRO-CLOCK", 2)]
    finally:
        if worker.returncode is None:
            worker.send_signal(signal.SIGTERM)
        exit_code = await asyncio.wait_for(worker.wait(), 20)
    assert exit_code == 0
    states = {s.name: s.state for s in await projection_status(database.pool, names)}
    assert set(states.values()) == {"stopped"}, states
