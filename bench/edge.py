"""edge: what refusing unreadable bodies and text PostgreSQL cannot store costs an addToCart
(issue 17: under 2% of its server CPU).

The work the checks add to bench/api.py's addToCart request (the body's decoding guard, the
variables' depth, the coerced variables' text, the two headers copied into events), each
timed in this process as the request's own step with and without its check; against the
server CPU one addToCart costs, measured in the same run: a real server process (`omni
serve` layout, read models in process) at 8 clients, its CPU read from /proc. A document's
literals are checked once per distinct document (cached with it), not per request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from uuid import uuid4

import httpx
from graphql import parse

from adapters.settings import Settings
from api.graphql.context import RequestContext
from api.graphql.engine.fast_fields import FastLeafExecutor
from api.graphql.engine.http import _require_shallow, decode_request, encode_json
from api.graphql.engine.storable import refuse_unstorable
from api.graphql.schema import schema
from api.http_errors import decode_body
from bench.api import ADD, SECRET, GuestCarts
from bench.common import timed_workers
from bench.harness.server_process import running_server
from bench.http import Connection

CLIENTS = 8
ROUNDS = 7
REQUESTS_PER_ROUND = 20_000
TARGET_SHARE = 0.02


async def run(settings: Settings, seconds: float) -> list[str]:
    lines = [
        "edge: what the checks add to one addToCart, in process (the fastest of "
        f"{ROUNDS} interleaved rounds of {REQUESTS_PER_ROUND:,} calls, with and without)"
    ]
    added = 0.0
    for label, with_check, without in _steps():
        cost = _added(with_check, without)
        added += cost
        lines.append(f"  {label:50} {cost * 1e6:8.2f} us")
    server_cpu, adds = await _server_cpu_per_add(settings, seconds)
    share = added / server_cpu
    verdict = "PASS" if share < TARGET_SHARE else "MISS"
    server = f"server CPU per addToCart (c={CLIENTS}, {adds:,} adds)"
    return [
        *lines,
        f"  {'all the checks, per request':50} {added * 1e6:8.2f} us",
        f"  {server:50} {server_cpu * 1e6:8.0f} us",
        f"  {'checks / server CPU per addToCart':50} {share:8.2%}"
        f"  (target < {TARGET_SHARE:.0%}: {verdict})",
    ]


Step = Callable[[], object]


def _steps() -> list[tuple[str, Step, Step]]:
    """Each step of the request the checks touch: (what, with the check, without it)."""
    body = encode_json({"query": ADD, "variables": {"cart": str(uuid4()), "sku": "DESK-FAN"}})
    variables = decode_request(body).variables
    document, graphql_schema = parse(ADD), schema._schema
    headers = {"x-omni-device": "phone-7f3a", "x-correlation-id": str(uuid4())}
    context = RequestContext(services=None, headers=headers)  # type: ignore[arg-type]
    # What StorableTextExecutor.build adds to graphql-core's build (~25 us here, and too
    # noisy on a shared machine to time the difference whole).
    built = FastLeafExecutor.build(graphql_schema, document, raw_variable_values=variables)
    assert not isinstance(built, list), built

    return [
        (
            "body decoding guard",
            lambda: decode_body(decode_request, body),
            lambda: decode_request(body),
        ),
        ("variables' depth (64 levels)", lambda: _require_shallow(variables), lambda: None),
        ("coerced variables' text", lambda: refuse_unstorable(built), lambda: built),
        (
            "X-Omni-Device, X-Correlation-Id text",
            lambda: (context._header("x-omni-device"), context._header("x-correlation-id")),
            lambda: (headers.get("x-omni-device"), headers.get("x-correlation-id")),
        ),
    ]


def _added(with_check: Step, without: Step) -> float:
    """Seconds per call the check adds: the fastest of ROUNDS rounds each (the least
    disturbed by the machine), the two interleaved so that both see the same machine."""
    fastest = [float("inf"), float("inf")]
    for _ in range(ROUNDS):
        for which, step in enumerate((with_check, without)):
            started = time.perf_counter()
            for _ in range(REQUESTS_PER_ROUND):
                step()
            elapsed = (time.perf_counter() - started) / REQUESTS_PER_ROUND
            fastest[which] = min(fastest[which], elapsed)
    return fastest[0] - fastest[1]


async def _server_cpu_per_add(settings: Settings, seconds: float) -> tuple[float, int]:
    overrides = {"OMNI_SECRET_KEY": SECRET, "OMNI_RUN_SCHEDULER": "false"}
    async with running_server(settings, os.environ, **overrides) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            pid = int((await client.get("/health/live")).headers["x-omni-pid"])
        connections = [await Connection.open(base) for _ in range(CLIENTS)]
        carts = await GuestCarts.open(connections)
        await timed_workers(CLIENTS, 1.0, carts.add)  # warm: plans, pool, caches
        before = _cpu_seconds(pid)
        rate = await timed_workers(CLIENTS, seconds, carts.add)
        spent = _cpu_seconds(pid) - before
        for connection in connections:
            await connection.close()
    return spent / rate.operations, rate.operations


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
