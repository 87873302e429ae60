"""`omni projections dead-letters` end to end, on a real read model and PostgreSQL: list what
is parked, retry a stream after the operator fixed the read model (performed by the
`omni projections run` worker that holds the lease), and skip a stream's head when no
worker runs (the command takes the lease and performs it itself).

The "bug" is a constraint a read model's migration added that the write side does not
share: cart lines of more than 5 units are refused by cart_line_view.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import UUID

from adapters.postgres.database import Database
from domain.ports import Position
from projections.tracking import wait_for_checkpoint
from tests.integration.test_projection_runner import until
from tests.shop import ctx, make_service

ROOT = Path(__file__).resolve().parents[2]
NARROW_LINES = "ALTER TABLE cart_line_view ADD CONSTRAINT at_most_five CHECK (quantity <= 5)"
WIDE_LINES = "ALTER TABLE cart_line_view DROP CONSTRAINT at_most_five"


def environment(database: Database) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database.dsn,
        "OMNI_DATABASE_SCHEMA": database.schema or "",
        "OMNI_POLL_INTERVAL": "60",  # so only notifications wake the worker in time
    }


async def omni(database: Database, *words: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "api.cli", "projections", "dead-letters", *words),
        cwd=ROOT,
        env=environment(database),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, output.decode()


@asynccontextmanager
async def worker(database: Database) -> AsyncIterator[None]:
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "api.cli", "projections", "run"),
        cwd=ROOT,
        env=environment(database),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        started = await asyncio.wait_for(process.stdout.readline(), 30)
        assert b"projection worker running" in started
        yield
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 20) == 0


async def cart_with(database: Database, *lines: tuple[str, int]) -> tuple[UUID, Position]:
    service = make_service(database.store)
    started = await service.start_cart(ctx())
    cart_id, last = started.result.cart_id, started.position
    for sku, quantity in lines:
        last = (await service.add_to_cart(cart_id, sku, quantity, ctx())).position
    return cart_id, last


async def lines_of(database: Database, cart_id: UUID) -> list[tuple[str, int]]:
    rows = await database.pool.fetch(
        "SELECT sku, quantity FROM cart_line_view WHERE cart_id = $1 ORDER BY position", cart_id
    )
    return [(row["sku"], row["quantity"]) for row in rows]


async def settled(database: Database, position: Position) -> None:
    assert await wait_for_checkpoint(database.pool, "cart_continuity", position, timeout=20)


async def test_list_then_retry_after_the_fix_through_the_worker_holding_the_lease(
    database: Database,
) -> None:
    async with worker(database):
        await database.pool.execute(NARROW_LINES)
        big, _ = await cart_with(database, ("RETRO-CLOCK", 7))
        small, last = await cart_with(database, ("LAVA-LAMP", 2))
        await settled(database, last)
        assert await lines_of(database, small) == [("LAVA-LAMP", 2)]

        code, listed = await omni(database)
        assert code == 0
        [row] = [line for line in listed.splitlines() if str(big) in line]
        assert row.startswith("cart_continuity") and "at_most_five" in row, listed
        assert "Cart.LineAdded" in row and " 2 " in row  # the first parked version
        assert (await omni(database, "orders"))[1].strip() == "nothing is parked"

        code, out = await omni(database, "retry", "cart_continuity", str(big), "--by", "ops-ada")
        assert code == 1 and "still parked" in out and "at_most_five" in out, out
        assert await lines_of(database, big) == []

        await database.pool.execute(WIDE_LINES)
        code, out = await omni(database, "retry", "cart_continuity", str(big), "--by", "ops-ada")
        assert code == 0 and "applied" in out, out
        assert await lines_of(database, big) == [("RETRO-CLOCK", 7)]
        assert (await omni(database, "cart_continuity"))[1].strip() == "nothing is parked"
    actions = await database.pool.fetch(
        "SELECT requested_by, action, outcome FROM projection_dead_letter_actions ORDER BY id"
    )
    assert [tuple(a) for a in actions] == [
        ("ops-ada", "retry", "still parked"),
        ("ops-ada", "retry", "applied"),
    ]


async def test_skip_with_no_worker_running_drops_the_head_and_applies_the_rest(
    database: Database,
) -> None:
    async with worker(database):
        await database.pool.execute(NARROW_LINES)
        big, last = await cart_with(database, ("RETRO-CLOCK", 7), ("LAVA-LAMP", 1))
        await settled(database, last)

        async def parked() -> bool:
            return bool(
                await database.pool.fetchval("SELECT count(*) FROM projection_dead_letters")
            )

        await until(parked, timeout=10)
    code, out = await omni(database, "skip", "cart_continuity", str(big), "--by", "ops-bo")
    assert code == 0 and "skipped" in out, out
    # Dropped for good: the 7 clocks; the line added after it is applied.
    assert await lines_of(database, big) == [("LAVA-LAMP", 1)]
    skip = await database.pool.fetchrow("SELECT * FROM projection_dead_letter_actions")
    assert (skip["requested_by"], skip["action"], skip["outcome"]) == ("ops-bo", "skip", "skipped")
    assert skip["skipped_version"] == 2 and skip["skipped_topic"].endswith("Cart.LineAdded")
    assert "at_most_five" in skip["skipped_error"] and skip["done_at"] is not None
    code, out = await omni(database, "skip", "cart_continuity", str(big))
    assert code == 1 and "not parked" in out
