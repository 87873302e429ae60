# Over 300 lines: the API benchmark and its executor comparison share one server harness.
"""api: myCart (a customer's five-line cart) and addToCart over HTTP against a real server
process, at 8 and 32 keep-alive connections of Debian's `wrk` (bench/harness/wrk.py: C, one
thread, a few percent of a core), with the server's, PostgreSQL's and wrk's CPU per request
from /proc. Every ratio is against something measured in the same run: `/ping`, a plain
Litestar JSON endpoint of the same process, and addToCart answering its position only
against the same add answering the cart it decided on (`cart { lines total }`), the two in
alternating rounds. Two layouts: one process, and `omni serve --workers 2`'s two API
processes (reads should use the second core). Issue 19's targets are printed met or missed.
Last of all, issue 22's checkout with points against without (bench/checkout_points.py).

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

from adapters.postgres.database import server_for
from adapters.postgres.pool import connect
from adapters.settings import Settings
from api.auth import Principal, Role, TokenService
from api.graphql.context import RequestContext
from api.graphql.engine.execution import GraphQLExecutor
from api.graphql.engine.storable import StorableTextExecutor
from api.graphql.schema import schema as api_schema
from api.server.composition import build_services
from bench import checkout_points
from bench.common import median, ratio_line, target_line, timed_workers
from bench.harness import wrk
from bench.harness.cpu import CpuMeter, process_started_with
from bench.harness.server_process import drop_schema, running_server
from bench.harness.wrk import ensure_wrk
from bench.http import Connection

SECRET = "bench-secret-of-at-least-thirty-two-bytes"
MASTER_KEY = "bench-master-key-of-at-least-thirty-two-bytes"
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
MY_CART = "query MyCart { myCart { id: cartId itemCount total { amount } lines { sku quantity } } }"
# The same cart refetched as Relay does (issue 19): by global id, through the Node interface.
NODE_CART = """query Refetch($id: ID!) { node(id: $id) { __typename id ... on Cart {
  itemCount total { amount } lines { id sku quantity } } } }"""
MY_CART_NODE_ID = "query MyCartNodeId { myCart { id } }"  # its global id, for node(id:)
MY_CART_LINE_IDS = """query MyCartLineIds { myCart { id: cartId itemCount total { amount }
  lines { id sku quantity } } }"""
CART_LINES = 5  # the cart read: five lines


# (label, API worker processes): reads on two cores should use the second
LAYOUTS = (("one process (omni serve)", 1), ("omni serve --workers 2", 2))
GUEST_CARTS = 64
ADD_PAIRS = 4  # alternating rounds of the two adds; their ratio: the median of the pairs'
ADD_POSITION = """mutation Add($cart: UUID!, $sku: String!) {
  addToCart(cartId: $cart, sku: $sku, quantity: 1) { position userErrors { code } } }"""
ADD_CART = """mutation AddCart($cart: UUID!, $sku: String!) {
  addToCart(cartId: $cart, sku: $sku, quantity: 1) {
    position userErrors { code } cart { lines { sku quantity } total { amount } } } }"""
ADD_SHAPES = {"position": ADD_POSITION, "cart": ADD_CART}
LIBRARY = "bench.baseline_app:library_execution"  # graphql-core's execute, no compiled plans
EXECUTOR_ROUNDS = 8  # pairs of short rounds, one per server: the two cores are shared
IN_PROCESS_ROUNDS, IN_PROCESS_READS = 7, 300


async def run(settings: Settings, seconds: float) -> list[str]:
    overrides = {
        "OMNI_SECRET_KEY": SECRET,
        "OMNI_RUN_SCHEDULER": "false",
        "OMNI_ENVIRONMENT": "production",
        "OMNI_MASTER_KEY": MASTER_KEY,  # production refuses the development key
    }
    ensure_wrk()
    lines, reads_at_32 = [], {}
    for label, workers in LAYOUTS:
        async with running_server(settings, os.environ, workers, **overrides) as base:
            lines.append(
                f"api: {label}, measured with wrk (one thread, keep-alive): req/s, p50, p99;"
                " CPU per request of the server, PostgreSQL and wrk"
            )
            measured, reads_at_32[workers] = await _measure(settings, base, seconds, workers)
            lines += measured
    lines.append(
        ratio_line(
            "myCart at c=32, 2 API workers / one process", reads_at_32[2] / reads_at_32[1], None
        )
    )
    lines += await _plans_against_library(settings, seconds, overrides)
    return lines + await checkout_points.run(settings)  # issue 22: redeeming points, same run


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
    cart = (await plans.run(MY_CART_NODE_ID, None, None, None, context)).body["data"]["myCart"]
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


async def _measure(
    settings: Settings, base: str, seconds: float, workers: int
) -> tuple[list[str], float]:
    """/ping, myCart, and the two addToCart shapes at 8 and 32 connections, the two adds in
    alternating rounds; the lines to print, and myCart's req/s at 32 connections."""
    customer = TokenService(SECRET).mint(Principal(role=Role.CUSTOMER, subject="cust-bench"))
    setup = await Connection.open(base)
    await five_line_cart(setup, customer)
    carts = [await guest_cart(setup) for _ in range(GUEST_CARTS)]
    await setup.close()
    meter = CpuMeter(
        {
            "server": process_started_with("--port", base.rsplit(":", 1)[1]),
            **await _postgres(settings),
        }
    )
    read = [(customer, _body(MY_CART, {}))]
    adds = {shape: _add_bodies(query, carts) for shape, query in ADD_SHAPES.items()}
    await wrk.run(base + "/graphql", 8, 1, read)  # warm: documents, plans, pool, caches
    await wrk.run(base + "/graphql", 8, 1, adds["position"])
    lines, reads_at_32 = [], 0.0
    for clients in (8, 32):
        runs: dict[str, list[tuple[wrk.WrkRun, dict[str, float]]]] = {}
        for name, url, bodies, timed in (
            ("/ping", base + "/ping", None, seconds),
            ("myCart", base + "/graphql", read, seconds),
            *(
                (f"add:{shape}", base + "/graphql", bodies, max(seconds / 2, 1))
                for _ in range(ADD_PAIRS)
                for shape, bodies in adds.items()
            ),
        ):
            meter.start()
            run = await wrk.run(url, clients, timed, bodies)
            runs.setdefault(name, []).append((run, meter.stop()))
        for name, label in LABELS.items():
            lines.append(_described(clients, label, runs[name]))
        rate = {name: _merged_rate(measured) for name, measured in runs.items()}
        reads_at_32 = rate["myCart"] if clients == 32 else reads_at_32
        pairs = zip(runs["add:cart"], runs["add:position"], strict=True)
        ratios = [cart.per_second / position.per_second for (cart, _), (position, _) in pairs]
        cpu = {shape: _cpu_per_request(runs[f"add:{shape}"])["server"] for shape in adds}
        lines += [
            ratio_line(
                f"addToCart {{ cart {{ lines total }} }} / position only at c={clients}",
                median(ratios),
                0.9,
            ),
            ratio_line(
                f"  server CPU per add, position only / with the cart at c={clients}",
                cpu["position"] / cpu["cart"],
                None,
            ),
            ratio_line(f"myCart / /ping at c={clients}", rate["myCart"] / rate["/ping"], None),
            ratio_line(
                f"addToCart / /ping at c={clients}", rate["add:position"] / rate["/ping"], None
            ),
        ]
        if workers == 1:
            lines += _targets(clients, runs, rate)
    return lines, reads_at_32


LABELS = {
    "/ping": "plain JSON /ping",
    "myCart": "myCart (5 lines)",
    "add:position": "addToCart { position }",
    "add:cart": "addToCart { cart {..} }",
}


def _targets(
    clients: int, runs: dict[str, list[tuple[wrk.WrkRun, dict[str, float]]]], rate: dict
) -> list[str]:
    """Issue 19's targets for one process: server CPU <= 0.3 ms per cart read, >= 3,000
    reads/s at 32 connections, p99 < 50 ms at 32 connections for reads and adds."""
    if clients != 32:
        return []
    read_cpu = _cpu_per_request(runs["myCart"])["server"]
    p99 = {name: max(run.p99 for run, _ in runs[name]) for name in ("myCart", "add:position")}
    return [
        target_line("server CPU per myCart at c=32", read_cpu * 1e3, 0.3, "ms", higher=False),
        target_line("myCart req/s at c=32, one process", rate["myCart"], 3000, "req/s"),
        target_line("myCart p99 at c=32", p99["myCart"] * 1e3, 50, "ms", higher=False),
        target_line("addToCart p99 at c=32", p99["add:position"] * 1e3, 50, "ms", higher=False),
    ]


def _merged_rate(measured: list[tuple[wrk.WrkRun, dict[str, float]]]) -> float:
    return sum(run.requests for run, _ in measured) / sum(run.seconds for run, _ in measured)


def _cpu_per_request(measured: list[tuple[wrk.WrkRun, dict[str, float]]]) -> dict[str, float]:
    """CPU seconds per request of the server, PostgreSQL and wrk, over the rounds."""
    requests = sum(run.requests for run, _ in measured)
    used = {
        name: sum(cpu[name] * run.seconds for run, cpu in measured)
        for name in ("server", "postgres")
    }
    used["wrk"] = sum(run.client_cpu for run, _ in measured)
    used["else"] = sum(cpu["everything else"] * run.seconds for run, cpu in measured)
    return {name: seconds / max(requests, 1) for name, seconds in used.items()}


def _described(
    clients: int, label: str, measured: list[tuple[wrk.WrkRun, dict[str, float]]]
) -> str:
    rate = _merged_rate(measured)
    p50 = median([run.p50 for run, _ in measured])
    p99 = max(run.p99 for run, _ in measured)
    cpu = _cpu_per_request(measured)
    bad = sum(run.bad for run, _ in measured)
    return (
        f"  c={clients:2d} {label:24} {rate:8,.0f} req/s  p50 {p50 * 1e3:6.2f} ms"
        f"  p99 {p99 * 1e3:6.2f} ms  cpu/req: server {cpu['server'] * 1e6:5,.0f} us"
        f"  pg {cpu['postgres'] * 1e6:4,.0f} us  wrk {cpu['wrk'] * 1e6:3,.0f} us"
        f"  (others on the machine {cpu['else'] * 1e6:,.0f} us)"
        + (f"  {bad} NOT CLEAN" if bad else "")
    )


async def _postgres(settings: Settings) -> dict[str, int]:
    """PostgreSQL's postmaster (its backends are below it): the parent of a backend. On a
    shared server its CPU includes other people's work."""
    dsn, _ = server_for(settings)
    connection = await connect(dsn)
    try:
        backend = await connection.fetchval("SELECT pg_backend_pid()")
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
    finally:
        await connection.close()
    return {"postgres": int(fields[1])}


def _body(query: str, variables: dict[str, object]) -> str:
    return msgspec.json.encode({"query": query, "variables": variables}).decode()


def _add_bodies(query: str, carts: list[tuple[str, str]]) -> list[tuple[str | None, str]]:
    """Each cart in turn, each SKU in turn: 64 carts keep two requests in flight off the
    same cart (a retry would be measured), and lines far below their maximum."""
    return [
        (token, _body(query, {"cart": cart_id, "sku": SKUS[turn % len(SKUS)]}))
        for turn in range(len(SKUS))
        for cart_id, token in carts
    ]


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
