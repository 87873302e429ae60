"""scale: several processes on one database, against one process, in the same run.

(a) addToCart throughput at 8 and 32 clients: `omni serve --workers 2` (two API workers on
one SO_REUSEPORT port beside one `omni projections run` worker, the recommended layout)
against one process (`omni serve`, the read models inside it), as a ratio; p99 at 32 clients
of the recommended layout against 100 ms.

(b) Push delay across processes: a customer's `myCart` subscription held on API process B,
the addToCart sent to API process A (two API processes on ports of their own beside one
projection worker, so which process is which is known): from sending the mutation to the
change arriving on B. p50 and p99, p99 against 50 ms.

(c) and (d), queries on a streaming replica against the primary alone (a read-heavy mix with
its CPU split, and the read-your-writes wait): bench/scale_replicas.py, which runs alone as
`scale-replicas` too.

Everything shares the machine's cores with PostgreSQL and the load generator, as in
bench/api.py; each client holds one keep-alive connection of bench/http.py's lean client.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from adapters.settings import Settings
from api.auth import Principal, Role, TokenService
from bench import scale_replicas
from bench.api import ADD, SKUS, GuestCarts, gql
from bench.common import Rate, ratio_line, timed_workers
from bench.harness.cluster import SECRET, running_cluster, subscribe
from bench.harness.server_process import running_server, running_supervisor
from bench.http import Connection

CLIENTS = (8, 32)
API_WORKERS = 2
PUSH_SAMPLES = 200
ROUNDS = 2  # turns per layout and client count
PUSH_TIMEOUT_SECONDS = 10
OVERRIDES = {
    "OMNI_SECRET_KEY": SECRET,
    "OMNI_RUN_SCHEDULER": "false",
    "OMNI_ENVIRONMENT": "production",
}


async def run(settings: Settings, seconds: float) -> list[str]:
    """Both layouts run side by side and are measured in turns (one, several, one, several),
    so a drift in the shared machine's speed touches both alike."""
    one: dict[int, Rate] = {}
    several: dict[int, Rate] = {}
    async with (
        running_server(settings, os.environ, **OVERRIDES) as single,
        running_supervisor(settings, os.environ, API_WORKERS, **OVERRIDES) as (supervised, _),
    ):
        for clients in CLIENTS:
            runs: dict[str, list[Rate]] = {single: [], supervised: []}
            for _ in range(ROUNDS):
                for base in runs:
                    runs[base].append(await _add_to_cart(base, clients, seconds / ROUNDS))
            one[clients] = Rate.merged(runs[single])
            several[clients] = Rate.merged(runs[supervised])
    delays = await _push_delays(settings)
    return _report(one, several, delays) + await scale_replicas.run(settings, seconds)


def _report(one: dict[int, Rate], several: dict[int, Rate], delays: Rate) -> list[str]:
    lines = [
        f"scale: addToCart over HTTP, {API_WORKERS} API workers + 1 projection worker "
        "(omni serve --workers 2) vs one process (omni serve)"
    ]
    for clients in CLIENTS:
        lines.append(f"  c={clients:2d} one process            {one[clients].describe('req')}")
        lines.append(
            f"  c={clients:2d} {API_WORKERS} API + 1 projection    "
            f"{several[clients].describe('req')}"
        )
        lines.append(
            ratio_line(
                f"{API_WORKERS} API + 1 projection / one process at c={clients}",
                several[clients].per_second / one[clients].per_second,
                None,
            )
        )
    lines.append(
        ratio_line(
            f"{API_WORKERS} API + 1 projection: addToCart p99 / 100 ms at c=32",
            several[32].percentile(0.99) / 0.1,
            1.0,
            higher_is_better=False,
        )
    )
    lines.append(
        f"scale: push delay across processes, addToCart on A -> myCart subscription on B, "
        f"{len(delays.latencies)} changes: p50 {delays.percentile(0.5) * 1000:.2f} ms, "
        f"p99 {delays.percentile(0.99) * 1000:.2f} ms"
    )
    lines.append(
        ratio_line(
            "push delay p99 / 50 ms", delays.percentile(0.99) / 0.05, 1.0, higher_is_better=False
        )
    )
    return lines


async def _add_to_cart(base: str, clients: int, seconds: float) -> Rate:
    """Each client adds to a guest cart of its own on a keep-alive connection of its own."""
    connections = [await Connection.open(base) for _ in range(clients)]
    carts = await GuestCarts.open(connections)
    try:
        return await timed_workers(clients, seconds, carts.add, warmup=3)
    finally:
        for connection in connections:
            await connection.close()


async def _push_delays(settings: Settings) -> Rate:
    """From sending addToCart to A until B's subscription shows the change, one at a time."""
    async with running_cluster(settings, os.environ, apis=2, projection_workers=1) as cluster:
        a, b = cluster.apis
        token = TokenService(SECRET).mint(Principal(role=Role.CUSTOMER, subject="cust-push"))
        sender = await Connection.open(a)
        cart = (await gql(sender, "mutation { startCart { cartId } }", token))["data"]
        cart_id = cart["startCart"]["cartId"]
        updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        watching = asyncio.create_task(
            subscribe(b, token, "subscription { myCart { itemCount } }", updates)
        )
        try:
            await asyncio.wait_for(updates.get(), PUSH_TIMEOUT_SECONDS)
            delays = []
            for sample in range(PUSH_SAMPLES):
                started = time.perf_counter()
                await gql(sender, ADD, token, cart=cart_id, sku=SKUS[sample % len(SKUS)])
                await asyncio.wait_for(_until_items(updates, sample + 1), PUSH_TIMEOUT_SECONDS)
                delays.append(time.perf_counter() - started)
        finally:
            watching.cancel()
            await sender.close()
    return Rate(len(delays), sum(delays), delays)


async def _until_items(updates: asyncio.Queue[dict[str, Any]], items: int) -> None:
    while ((await updates.get())["myCart"] or {}).get("itemCount") != items:
        pass
