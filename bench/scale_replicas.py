"""scale-replicas: queries on a streaming replica against the primary alone, in the same run.

A primary of the benchmark's own and a standby of it made by pg_basebackup (the embedded
package's binaries, or the machine's where DATABASE_URL is set), and two API processes on the
primary, each in a schema of its own: one reads everything from the primary, the other reads
its queries from the standby (OMNI_READ_DATABASE_URL). The two are measured in turns.

(c) A read-heavy mix: each client adds a unit to its guest cart, then reads ten times: its
cart at the add's position (consistentWith), then nine reads without a position (its cart,
a store's stock, the stores that can serve a SKU). Requests per second of the whole mix, and
where the CPU went: the primary's PostgreSQL, the standby's, the API process and this load
generator, in CPU seconds per second of run (the machine has two cores, so the layouts share
them: the replica relieves the primary's CPU, it does not add a core).

(d) Read-your-writes on the replica: one client, addToCart then the cart with consistentWith
at its position, one pair at a time, alternating the layouts: the read's latency on each; the
replica's extra is its wait for the standby to replay the projection's commit.
"""

from __future__ import annotations

import asyncio
import os
import time
from itertools import cycle
from pathlib import Path

import msgspec

from adapters.settings import Settings
from bench.api import ADD, SECRET, gql, guest_cart
from bench.common import Rate, ratio_line, timed_workers
from bench.harness.cpu import CpuMeter, process_started_with
from bench.harness.postgres_cluster import PrivateCluster, Standby, caught_up, replicated_cluster
from bench.harness.server_process import running_server
from bench.http import Connection

CLIENTS = 16
ROUNDS = 2
RYW_SAMPLES = 200
READS_PER_ADD = 10
CART = "query($id: UUID!, $after: String) { cart(id: $id, consistentWith: $after) { itemCount } }"
BROWSE = (
    "query($id: UUID!) { cart(id: $id) { itemCount lines { sku quantity } } }",
    'query { storeStock(locationId: "AMS-CENTRAAL", skus: ["LAVA-LAMP", "DESK-FAN"]) '
    "{ nodes { sku available } } }",
    'query { availability(sku: "LAVA-LAMP", latitude: 52.37, longitude: 4.89) '
    "{ nodes { locationId } } }",
)
OVERRIDES = {
    "OMNI_SECRET_KEY": SECRET,
    "OMNI_RUN_SCHEDULER": "false",
    "OMNI_ENVIRONMENT": "production",
}
LAYOUTS = ("primary alone", "primary + 1 replica")


async def run(settings: Settings, seconds: float) -> list[str]:
    with replicated_cluster() as (primary, standby):
        on_primary = msgspec.structs.replace(settings, database_url=primary.dsn)
        env = {**OVERRIDES, "DATABASE_URL": primary.dsn}
        async with (
            running_server(on_primary, os.environ, **env) as alone,
            running_server(
                on_primary, os.environ, **env, OMNI_READ_DATABASE_URL=standby.dsn
            ) as replicated,
        ):
            await caught_up(primary, standby)
            bases = dict(zip(LAYOUTS, (alone, replicated), strict=True))
            mixes, cpu = await _read_heavy(bases, primary, standby, seconds)
            waits = await _read_your_writes(bases)
    return _report(mixes, cpu, waits)


async def _read_heavy(
    bases: dict[str, str], primary: PrivateCluster, standby: Standby, seconds: float
) -> tuple[dict[str, Rate], dict[str, dict[str, float]]]:
    """Each layout in turns, ROUNDS times; the CPU of each turn summed per layout."""
    runs: dict[str, list[Rate]] = {layout: [] for layout in bases}
    cpu: dict[str, dict[str, float]] = {layout: {} for layout in bases}
    for _ in range(ROUNDS):
        for layout, base in bases.items():
            meter = CpuMeter(
                {
                    "primary PostgreSQL": _postmaster(primary.data),
                    "standby PostgreSQL": _postmaster(standby.data),
                    "API process": _server_pid(base),
                }
            )
            rate, used = await _mix(base, seconds / ROUNDS, meter)
            runs[layout].append(rate)
            for name, per_second in used.items():
                cpu[layout][name] = cpu[layout].get(name, 0.0) + per_second / ROUNDS
    return {layout: Rate.merged(rates) for layout, rates in runs.items()}, cpu


async def _mix(base: str, seconds: float, meter: CpuMeter) -> tuple[Rate, dict[str, float]]:
    """CLIENTS shoppers, each on a connection and a guest cart of its own; the CPU of the
    timed part."""
    connections = [await Connection.open(base) for _ in range(CLIENTS)]
    carts = [await guest_cart(connection) for connection in connections]
    browse = cycle(BROWSE)

    async def shop(worker: int) -> int:
        connection, (cart, token) = connections[worker], carts[worker]
        added = await gql(connection, ADD, token, cart=cart, sku="LAVA-LAMP")
        if added["data"]["addToCart"]["userErrors"]:  # the line is full: another cart
            carts[worker] = await guest_cart(connection)
            return 1
        position = added["data"]["addToCart"]["position"]
        await gql(connection, CART, token, id=cart, after=position)
        for _ in range(READS_PER_ADD - 1):
            await gql(connection, next(browse), token, id=cart)
        return 1 + READS_PER_ADD

    try:
        await asyncio.gather(*(shop(worker) for worker in range(CLIENTS)))  # warm, untimed
        meter.start()
        rate = await timed_workers(CLIENTS, seconds, shop)
        return rate, meter.stop()
    finally:
        for connection in connections:
            await connection.close()


async def _read_your_writes(bases: dict[str, str]) -> dict[str, Rate]:
    """addToCart, then the cart at its position: the read's latency, layouts alternating."""
    latencies: dict[str, list[float]] = {layout: [] for layout in bases}
    sessions = {layout: await Connection.open(base) for layout, base in bases.items()}
    carts = {layout: await guest_cart(c) for layout, c in sessions.items()}
    try:
        for sample in range(RYW_SAMPLES):
            for layout, connection in sessions.items():
                cart, token = carts[layout]
                if sample and sample % 90 == 0:  # before the line is full
                    carts[layout] = cart, token = await guest_cart(connection)
                added = await gql(connection, ADD, token, cart=cart, sku="DESK-FAN")
                position = added["data"]["addToCart"]["position"]
                started = time.perf_counter()
                read = await gql(connection, CART, token, id=cart, after=position)
                latencies[layout].append(time.perf_counter() - started)
                assert "errors" not in read, read
    finally:
        for connection in sessions.values():
            await connection.close()
    return {layout: Rate(len(got), sum(got), got) for layout, got in latencies.items()}


def _report(
    mixes: dict[str, Rate], cpu: dict[str, dict[str, float]], waits: dict[str, Rate]
) -> list[str]:
    alone, replicated = LAYOUTS
    lines = [
        f"scale-replicas: read-heavy mix ({READS_PER_ADD} reads per addToCart, "
        f"{CLIENTS} clients), requests/s over HTTP"
    ]
    for layout in LAYOUTS:
        split = ", ".join(f"{name} {value:.2f}" for name, value in cpu[layout].items())
        lines.append(f"  {layout:20} {mixes[layout].describe('req')}")
        lines.append(f"  {'':20} CPU s per s (2 cores): {split}")
    lines.append(
        ratio_line(
            f"{replicated} / {alone}, read-heavy mix",
            mixes[replicated].per_second / mixes[alone].per_second,
            None,
        )
    )
    per_request = {
        layout: cpu[layout]["primary PostgreSQL"] / mixes[layout].per_second for layout in LAYOUTS
    }
    label = "the primary's PostgreSQL CPU per request, with / without"
    lines.append(ratio_line(label, per_request[replicated] / per_request[alone], None))
    lines.append(
        f"scale-replicas: read-your-writes, the cart read at the add's position, "
        f"{RYW_SAMPLES} pairs"
    )
    for layout in LAYOUTS:
        rate = waits[layout]
        lines.append(
            f"  {layout:20} p50 {rate.percentile(0.5) * 1000:6.2f} ms  "
            f"p99 {rate.percentile(0.99) * 1000:6.2f} ms"
        )
    extra = waits[replicated].percentile(0.5) - waits[alone].percentile(0.5)
    lines.append(f"  the replica's wait (p50 difference): {extra * 1000:.2f} ms")
    return lines


def _postmaster(data: Path) -> int:
    return int((data / "postmaster.pid").read_text().split()[0])


def _server_pid(base: str) -> int:
    """The uvicorn process serving `base` (running_server started it, with its port)."""
    return process_started_with("--port", base.rsplit(":", 1)[1])
