"""telemetry: what observability costs a request. Three real server processes, up at once,
measured in interleaved rounds with bench/api.py's request mix (addToCart, myCart) at 8
clients:

- baseline: the API without its request-id wrapper (bench/baseline_app.py), which is what a
  request went through before observability;
- tracing off: the API as shipped, without OTEL_EXPORTER_OTLP_ENDPOINT (request ids on,
  nothing of OpenTelemetry installed): its ratio to the baseline should be ~1.00;
- tracing on: exporting every request's trace to a local OTLP/HTTP receiver (a process of
  its own, bench/harness/otlp_receiver.py): informational, what turning tracing on costs.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from adapters.settings import Settings
from bench.api import MY_CART, SECRET, GuestCarts, five_line_cart, gql
from bench.common import Rate, ratio_line, timed_workers
from bench.harness.server_process import ROOT, running_server
from bench.http import Connection

CLIENTS = 8
ROUNDS = 3
BASELINE, OFF, ON = "baseline (no request ids)", "tracing off", "tracing on (local OTLP)"


async def run(settings: Settings, seconds: float) -> list[str]:
    overrides = {
        "OMNI_SECRET_KEY": SECRET,
        "OMNI_RUN_SCHEDULER": "false",
        "OMNI_ENVIRONMENT": "production",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    async with AsyncExitStack() as stack:
        endpoint = await stack.enter_async_context(otlp_receiver_process())
        servers = {
            BASELINE: running_server(
                settings, env, factory="bench.baseline_app:without_request_ids", **overrides
            ),
            OFF: running_server(settings, env, **overrides),
            ON: running_server(
                settings, {**env, "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint}, **overrides
            ),
        }
        bases = {label: await stack.enter_async_context(s) for label, s in servers.items()}
        adds: dict[str, list[Rate]] = {label: [] for label in bases}
        reads: dict[str, list[Rate]] = {label: [] for label in bases}
        order = list(bases.items())
        for round_number in range(ROUNDS):
            # Interleaved, so drift on a shared machine hits all three; rotated, so none
            # always goes first.
            for label, base in order[round_number:] + order[:round_number]:
                add, read = await _mix(base, seconds)
                adds[label].append(add)
                reads[label].append(read)
    lines = _report(
        {label: Rate.merged(runs) for label, runs in adds.items()},
        {label: Rate.merged(runs) for label, runs in reads.items()},
        seconds,
    )
    wrapper = await _request_id_wrapper_cost()
    lines.append(f"  request-id wrapper alone, in process: {wrapper * 1e6:.1f} us per request")
    return lines


async def _request_id_wrapper_cost(requests: int = 50_000) -> float:
    """Seconds per request the request-id wrapper adds around an app that answers at once:
    what the HTTP ratios above cannot resolve below their noise."""
    from api.request_ids import RequestIdMiddleware

    async def answer(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})

    async def discard(message: Any) -> None:
        pass

    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": [(b"a", b"b")] * 8}

    async def timed(app: Any) -> float:
        started = time.perf_counter()
        for _ in range(requests):
            await app(scope, None, discard)
        return (time.perf_counter() - started) / requests

    return await timed(RequestIdMiddleware(answer)) - await timed(answer)


def _report(adds: dict[str, Rate], reads: dict[str, Rate], seconds: float) -> list[str]:
    lines = [
        f"telemetry: requests/s at c={CLIENTS}, {ROUNDS} interleaved rounds of "
        f"{seconds:g} s each (p50, p99)"
    ]
    for kind, rates in (("addToCart", adds), ("myCart", reads)):
        for label, rate in rates.items():
            lines.append(f"  {kind:10} {label:26} {rate.describe('req')}")
    for kind, rates in (("addToCart", adds), ("myCart", reads)):
        baseline = rates[BASELINE].per_second
        lines.append(
            ratio_line(f"{kind} tracing off / baseline", rates[OFF].per_second / baseline, 0.95)
        )
        lines.append(
            ratio_line(f"{kind} tracing on / baseline", rates[ON].per_second / baseline, None)
        )
    return lines


async def _mix(base: str, seconds: float) -> tuple[Rate, Rate]:
    """bench/api.py's addToCart (guest carts) and myCart (a customer's five-line cart)."""
    from api.auth import Principal, Role, TokenService

    customer = TokenService(SECRET).mint(Principal(role=Role.CUSTOMER, subject="cust-bench"))
    connections = [await Connection.open(base) for _ in range(CLIENTS)]
    try:
        await five_line_cart(connections[0], customer)
        carts = await GuestCarts.open(connections)

        async def my_cart(worker: int) -> int:
            await gql(connections[worker], MY_CART, customer)
            return 1

        return (
            await timed_workers(CLIENTS, seconds, carts.add, warmup=2),
            await timed_workers(CLIENTS, seconds, my_cart, warmup=2),
        )
    finally:
        for connection in connections:
            await connection.close()


@asynccontextmanager
async def otlp_receiver_process() -> AsyncIterator[str]:
    """A local OTLP/HTTP receiver in a process of its own; yields its endpoint."""
    with tempfile.TemporaryDirectory() as folder:
        endpoint_file = Path(folder) / "endpoint"
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.harness.otlp_receiver", str(endpoint_file), cwd=ROOT
        )
        try:
            for _ in range(100):
                if endpoint_file.exists() and endpoint_file.read_text():
                    break
                await asyncio.sleep(0.05)
            yield endpoint_file.read_text()
        finally:
            process.kill()
            await asyncio.wait_for(process.wait(), 10)
