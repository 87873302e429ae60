# Over 300 lines: the API benchmark and its executor comparison share one server harness.
"""api: add-to-cart mutations and myCart queries over HTTP against a real server process,
at 1, 8 and 32 clients; a plain Litestar JSON endpoint of the same process is the ceiling.

Two layouts: the read models in the API process (`omni serve`), and in an `omni projections
run` worker beside it (what several API processes on a bigger machine would use). The load
generator runs on the same two cores as the server and PostgreSQL, so all three compete; the
ratios are what this machine can say. Each simulated client holds one
keep-alive connection of the lean client in bench/http.py (httpx cost 0.7-1.2 ms of CPU
per request, more than the server's /ping, and capped /ping at ~850/s with 32 clients).

Last, the executor decision (issue 18 item 2): myCart with compiled plans against
graphql-core's own execution, over HTTP (two servers, alternating rounds) and in process
(the fastest of interleaved rounds).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from dataclasses import replace
from itertools import count
from pathlib import Path
from uuid import uuid4

import msgspec

from adapters.settings import Settings
from api.auth import Principal, Role, TokenService
from api.graphql.context import RequestContext
from api.graphql.engine.execution import GraphQLExecutor
from api.graphql.engine.storable import StorableTextExecutor
from api.graphql.schema import schema as api_schema
from api.server.composition import build_services
from bench.common import Rate, median, ratio_line, timed_workers
from bench.harness.server_process import drop_schema, running_server
from bench.http import Connection

SECRET = "bench-secret-of-at-least-thirty-two-bytes"
VENDURE_ADD_TO_CART = 80.0  # requests/s at 8-32 clients, the figure quoted in the issue
SKUS = [
    "RETRO-CLOCK",
    "LAVA-LAMP",
    "VINYL-PLAYER",
    "DESK-FAN",
    "TEA-KETTLE",
    "CANVAS-TOTE",
    "NOTEBOOK-A5",
    "BIKE-LIGHT",
    "ESPRESSO-POT",
    "WOOL-SCARF",
    "PLANT-POT",
    "HEADPHONES",
]
ADD = """mutation Add($cart: UUID!, $sku: String!) {
  addToCart(cartId: $cart, sku: $sku, quantity: 1) { position userErrors { code } } }"""
MY_CART = "query MyCart { myCart { id itemCount total { amount } lines { sku quantity } } }"
# The same cart refetched as Relay does (issue 19): by global id, through the Node interface.
NODE_CART = """query Refetch($id: ID!) { node(id: $id) { __typename id ... on Cart {
  itemCount total { amount } lines { id sku quantity } } } }"""
MY_CART_LINE_IDS = """query MyCartLineIds { myCart { id itemCount total { amount }
  lines { id sku quantity } } }"""
CART_LINES = 5  # the cart read: five lines


# (label, projections in a worker process of their own)
LAYOUTS = (("one process (omni serve)", False), ("API process + projection worker", True))
LIBRARY = "bench.baseline_app:library_execution"  # graphql-core's execute, no compiled plans
EXECUTOR_ROUNDS = 8  # pairs of short rounds, one per server: the two cores are shared
IN_PROCESS_ROUNDS, IN_PROCESS_READS = 7, 300


async def run(settings: Settings, seconds: float) -> list[str]:
    workers = int(os.environ.get("BENCH_API_WORKERS", "1"))
    overrides = {
        "OMNI_SECRET_KEY": SECRET,
        "OMNI_RUN_SCHEDULER": "false",
        "OMNI_ENVIRONMENT": "production",
    }
    lines = []
    for label, separate in LAYOUTS:
        async with running_server(
            settings, os.environ, workers, projection_worker=separate, **overrides
        ) as base:
            lines.append(f"api: {label}, {workers} API worker(s): requests/s over HTTP (p50, p99)")
            lines += await _measure(base, seconds)
    return lines + await _plans_against_library(settings, seconds, overrides)


async def _plans_against_library(
    settings: Settings, seconds: float, overrides: dict[str, str]
) -> list[str]:
    """Issue 18 item 2: compiled plans stay only if they pay >= 20% on the 5-line cart read.
    Two servers side by side, one answering through graphql-core's `execute` alone, read in
    short alternating rounds: each pair of rounds meets the same load from the rest of the
    machine, and the median of the pairs' ratios is what is reported."""
    customer = TokenService(SECRET).mint(Principal(role=Role.CUSTOMER, subject="cust-bench"))
    schema = f"srv_{uuid4().hex[:10]}"
    async with (
        running_server(settings, os.environ, schema=schema, **overrides) as plans,
        running_server(settings, os.environ, factory=LIBRARY, **overrides) as library,
    ):
        for base in (plans, library):
            setup = await Connection.open(base)
            await five_line_cart(setup, customer)
            await setup.close()
            await _reads(base, 8, 1.0, customer)  # warm: documents, plans, pool, caches
        lines = [
            f"api: myCart, compiled plans against graphql-core's execution ({EXECUTOR_ROUNDS}"
            " alternating pairs of rounds; medians of the rounds and of the pairs' ratios)"
        ]
        for clients in (1, 8, 32):
            pairs = []
            for _ in range(EXECUTOR_ROUNDS):
                with_plans = await _reads(plans, clients, seconds / 4, customer)
                without = await _reads(library, clients, seconds / 4, customer)
                pairs.append((with_plans, without))
            lines += _compared(clients, pairs)
        lines += await _in_process(settings, schema, customer)
    await drop_schema(settings, schema)
    return lines


async def _in_process(settings: Settings, schema: str, customer: str) -> list[str]:
    """The same read executed in this process, by the engine with plans and without, on the
    served schema: CPU per execution (this process's, asyncpg's client side included, no
    HTTP), the fastest of interleaved rounds, which load from elsewhere can only slow."""
    services = await build_services(msgspec.structs.replace(settings, secret_key=SECRET), schema)
    headers = {"authorization": f"Bearer {customer}"}
    plans, library = GraphQLExecutor(api_schema), GraphQLExecutor(api_schema)
    library._context_class = StorableTextExecutor
    context = RequestContext(services, headers)
    cart = (await plans.run(MY_CART, None, None, None, context)).body["data"]["myCart"]
    node = {"id": cart["id"]}
    for document in (MY_CART, NODE_CART):
        prepared = library._prepare(document)
        library._documents[document] = replace(prepared, plans=dict.fromkeys(prepared.plans))
    # (label, executor, document, variables): interleaved, so load from elsewhere meets all
    runs = [
        ("plans", plans, MY_CART, None),
        ("graphql-core", library, MY_CART, None),
        ("node plans", plans, NODE_CART, node),
        ("node graphql-core", library, NODE_CART, node),
        ("line ids plans", plans, MY_CART_LINE_IDS, None),
    ]
    fastest = {label: float("inf") for label, *_ in runs}
    try:
        for _ in range(IN_PROCESS_ROUNDS):
            for label, executor, document, variables in runs:
                started = time.process_time()
                for _ in range(IN_PROCESS_READS):
                    context = RequestContext(services, headers)
                    answer = await executor.run(document, variables, None, None, context)
                    assert "errors" not in answer.body, answer.body
                used = (time.process_time() - started) / IN_PROCESS_READS
                fastest[label] = min(fastest[label], used)
    finally:
        await services.database.close()
    with_plans, without = fastest["plans"], fastest["graphql-core"]
    us = {label: f"{seconds * 1e6:,.0f} us" for label, seconds in fastest.items()}
    return [
        f"  in process, fastest of {IN_PROCESS_ROUNDS} rounds of {IN_PROCESS_READS}: plans"
        f" {us['plans']} CPU/read, graphql-core {us['graphql-core']} CPU/read",
        ratio_line(
            "myCart in-process CPU per read, graphql-core / plans", without / with_plans, 1.2
        ),
        f"  the same cart by node(id:) through the Node interface (issue 19): plans"
        f" {us['node plans']}, graphql-core {us['node graphql-core']};"
        f" myCart with every line's global id: {us['line ids plans']}",
        ratio_line(
            "node(id:) in-process CPU per read, graphql-core / plans",
            fastest["node graphql-core"] / fastest["node plans"],
            1.2,
        ),
        ratio_line(
            "myCart / node(id:) CPU per read, both planned (node no dearer than 1.25x)",
            with_plans / fastest["node plans"],
            0.8,
        ),
    ]


def _compared(clients: int, pairs: list[tuple[tuple[float, float], ...]]) -> list[str]:
    """Each pair is ((req/s, server CPU us per read) with plans, the same without)."""
    rates = [median([pair[side][0] for pair in pairs]) for side in (0, 1)]
    cpus = [median([pair[side][1] for pair in pairs]) for side in (0, 1)]
    faster = median([plans[0] / without[0] for plans, without in pairs])
    cheaper = median([without[1] / plans[1] for plans, without in pairs])
    return [
        f"  c={clients:2d} myCart: plans {rates[0]:,.0f} req/s {cpus[0]:,.0f} us CPU/read;"
        f" graphql-core {rates[1]:,.0f} req/s {cpus[1]:,.0f} us CPU/read",
        ratio_line(f"myCart req/s, plans / graphql-core at c={clients}", faster, 1.2),
        ratio_line(f"myCart CPU per read, graphql-core / plans at c={clients}", cheaper, 1.2),
    ]


async def _reads(base: str, clients: int, seconds: float, customer: str) -> tuple[float, float]:
    """myCart from `clients` clients: req/s, and the server's CPU microseconds per read."""
    connections = [await Connection.open(base) for _ in range(clients)]
    server = _listening_pid(int(base.rsplit(":", 1)[1]))

    async def my_cart(worker: int) -> int:
        await gql(connections[worker], MY_CART, customer)
        return 1

    before = _cpu_seconds(server)
    rate = await timed_workers(clients, seconds, my_cart)
    used = _cpu_seconds(server) - before
    for connection in connections:
        await connection.close()
    return rate.per_second, used / max(rate.operations, 1) * 1e6


def _listening_pid(port: int) -> int:
    """The process serving `port` (one uvicorn worker: the server itself)."""
    found = subprocess.run(
        ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=True
    )
    match = re.search(r"pid=(\d+)", found.stdout)
    assert match is not None, found.stdout
    return int(match.group(1))


def _cpu_seconds(pid: int) -> float:
    """User and system CPU of a process, from /proc (fields 14 and 15 of its stat line)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _measure(base: str, seconds: float) -> list[str]:
    tokens = TokenService(SECRET)
    customer = tokens.mint(Principal(role=Role.CUSTOMER, subject="cust-bench"))
    setup = await Connection.open(base)
    await five_line_cart(setup, customer)
    await setup.close()
    lines = []
    for clients in (1, 8, 32):
        ping, adds, reads = await _at_concurrency(base, clients, seconds, customer)
        for label, rate in (
            ("plain JSON /ping", ping),
            ("addToCart mutation", adds),
            ("myCart query", reads),
        ):
            lines.append(f"  c={clients:2d} {label:22} {rate.describe('req')}")
        lines += _targets_against_ping(clients, ping, adds, reads)
        if clients in (8, 32):
            lines.append(
                ratio_line(
                    f"addToCart / Vendure's ~80 req/s at c={clients}",
                    adds.per_second / VENDURE_ADD_TO_CART,
                    5.0,
                )
            )
        if clients == 32:
            for label, rate in (("addToCart", adds), ("myCart", reads)):
                lines.append(
                    ratio_line(
                        f"{label} p99 / 100 ms at c=32",
                        rate.percentile(0.99) / 0.1,
                        1.0,
                        higher_is_better=False,
                    )
                )
    return lines


def _targets_against_ping(clients: int, ping: Rate, adds: Rate, reads: Rate) -> list[str]:
    """Issue 13's targets at 8 clients: myCart >= 0.4 and addToCart >= 0.25 of /ping."""
    targets = {"myCart": 0.4, "addToCart": 0.25} if clients == 8 else {}
    return [
        ratio_line(
            f"{label} / plain JSON /ping at c={clients}",
            rate.per_second / ping.per_second,
            targets.get(label),
        )
        for label, rate in (("myCart", reads), ("addToCart", adds))
    ]


async def _at_concurrency(
    base: str, clients: int, seconds: float, customer: str
) -> tuple[Rate, Rate, Rate]:
    """/ping, addToCart and myCart, each client on a keep-alive connection of its own."""
    connections = [await Connection.open(base) for _ in range(clients)]
    carts = await GuestCarts.open(connections)

    async def ping(worker: int) -> int:
        return await _get(connections[worker], "/ping")

    async def my_cart(worker: int) -> int:
        await gql(connections[worker], MY_CART, customer)
        return 1

    rates = [await timed_workers(clients, seconds, work) for work in (ping, carts.add, my_cart)]
    for connection in connections:
        await connection.close()
    return rates[0], rates[1], rates[2]


async def _get(connection: Connection, path: str) -> int:
    status, _ = await connection.get(path)
    assert status == 200
    return 1


async def gql(
    connection: Connection, query: str, token: str | None = None, **variables: object
) -> dict:  # type: ignore[type-arg]
    headers = {"authorization": f"Bearer {token}"} if token else {}
    _, body = await connection.post_json(
        "/graphql", {"query": query, "variables": variables}, headers
    )
    assert isinstance(body, dict) and "errors" not in body, body
    return body


async def guest_cart(connection: Connection) -> tuple[str, str]:
    started = (await gql(connection, "mutation { startCart { cartId cartToken } }"))["data"]
    return started["startCart"]["cartId"], started["startCart"]["cartToken"]


async def five_line_cart(connection: Connection, customer: str) -> None:
    """The customer's cart as `myCart` reads it in every benchmark: five lines, once."""
    if (await gql(connection, MY_CART, customer))["data"]["myCart"] is not None:
        return
    started = await gql(connection, "mutation { startCart { cartId } }", customer)
    cart_id = started["data"]["startCart"]["cartId"]
    for sku in SKUS[:CART_LINES]:
        await gql(connection, ADD, customer, cart=cart_id, sku=sku)


class GuestCarts:
    """Each client adds to a guest cart of its own, and starts another when a line is full;
    `add(worker)` is a `timed_workers` job."""

    def __init__(self, connections: list[Connection], carts: list[tuple[str, str]]) -> None:
        self.connections, self.carts = connections, carts
        self._sku = count()

    @classmethod
    async def open(cls, connections: list[Connection]) -> GuestCarts:
        return cls(connections, [await guest_cart(c) for c in connections])

    async def add(self, worker: int) -> int:
        connection = self.connections[worker]
        cart_id, token = self.carts[worker]
        sku = SKUS[next(self._sku) % len(SKUS)]
        body = await gql(connection, ADD, token, cart=cart_id, sku=sku)
        if body["data"]["addToCart"]["userErrors"]:  # a line reached its maximum
            self.carts[worker] = await guest_cart(connection)
        return 1
