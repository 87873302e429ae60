"""Observability: a real `omni serve` process with OTEL_EXPORTER_OTLP_ENDPOINT set exports
each request as one trace (request, GraphQL operation, resolvers, SQL) to a local OTLP/HTTP
receiver, and writes JSON log lines carrying the request id (and trace id) of the request
that caused them. Without the variable nothing of OpenTelemetry is installed."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from uuid import uuid4

import asyncpg
import httpx
import pytest
from opentelemetry import trace
from opentelemetry.proto.trace.v1.trace_pb2 import Span

from adapters.settings import Settings
from api.request_ids import REQUEST_ID_ATTRIBUTE
from bench.harness.otlp_receiver import OtlpReceiver, ReceivedSpan
from bench.harness.server_process import ROOT, drop_schema, free_port, until_healthy
from tests.api.conftest import Api

START_CART = "mutation { startCart { cartId cartToken } }"
ADD = """mutation Add($cart: UUID!, $sku: String!) {
  addToCart(cartId: $cart, sku: $sku, quantity: 1) { cart { itemCount } userErrors { code } } }"""
MY_CART = "query MyCart { myCart { id: cartId } }"
STOP_SECONDS = 15


@dataclass
class TracedServer:
    base: str
    receiver: OtlpReceiver
    log_file: Path

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.log_file.read_text().splitlines() if line]


@asynccontextmanager
async def omni_serve(settings: Settings, log_file: Path, **env: str) -> AsyncIterator[str]:
    """`omni serve` on a free port and a schema of its own, its stderr in `log_file`."""
    schema, port = f"otel_{uuid4().hex[:10]}", free_port()
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OMNI_DATABASE_SCHEMA": schema,
        "OMNI_DATA_DIR": settings.data_dir,
        "OMNI_RUN_SCHEDULER": "false",
        **env,
    }
    with log_file.open("wb") as stderr:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "api.cli", "serve", "--port", str(port)),
            cwd=ROOT,
            env=environment,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        await until_healthy(base, process)
        yield base
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_SECONDS)
            except TimeoutError:
                process.kill()
                await process.wait()
        await drop_schema(settings, schema)


@pytest.fixture(scope="module")
async def traced_server(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[TracedServer]:
    receiver = OtlpReceiver().start()
    log_file = tmp_path_factory.mktemp("telemetry") / "omni-serve.log"
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # export within 0.1 s instead of 5 s
        "OMNI_LOG_FORMAT": "json",
        "OMNI_SEED_DEMO": "true",
        "OMNI_DEMO_HISTORY_DAYS": "0",
    }
    try:
        async with omni_serve(settings, log_file, **env) as base:
            yield TracedServer(base, receiver, log_file)
    finally:
        receiver.close()


async def _post(
    client: httpx.AsyncClient, query: str, headers: dict[str, str], **variables: object
) -> httpx.Response:
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers=headers)  # fmt: skip
    assert response.status_code == 200, response.text
    return response


def _trace_of(spans: list[ReceivedSpan], request_id: str) -> list[ReceivedSpan]:
    roots = [s for s in spans if s.attributes.get(REQUEST_ID_ATTRIBUTE) == request_id]
    return [s for s in spans if roots and s.trace_id == roots[0].trace_id]


def _ancestors(span: ReceivedSpan, trace: list[ReceivedSpan]) -> list[str]:
    by_id = {s.span_id: s for s in trace}
    names = []
    while span.parent_id in by_id:
        span = by_id[span.parent_id]
        names.append(span.name)
    return names


async def test_an_add_to_cart_is_one_trace_of_its_operation_resolvers_and_sql(
    traced_server: TracedServer,
) -> None:
    async with httpx.AsyncClient(base_url=traced_server.base) as client:
        started = (await _post(client, START_CART, {})).json()["data"]["startCart"]
        guest = {"authorization": f"Bearer {started['cartToken']}"}
        added = await _post(
            client, ADD, guest | {"x-request-id": "till-7.retro-clock"},
            cart=started["cartId"], sku="RETRO-CLOCK",
        )  # fmt: skip
    assert added.json()["data"]["addToCart"]["cart"]["itemCount"] == 1
    request_id = added.headers["x-request-id"]
    assert request_id == "till-7.retro-clock"

    spans = traced_server.receiver.wait_for(lambda spans: bool(_trace_of(spans, request_id)))
    trace = _trace_of(spans, request_id)
    roots = [s for s in trace if not s.parent_id]
    assert [(r.name, r.kind) for r in roots] == [("POST /graphql", Span.SPAN_KIND_SERVER)]
    root = roots[0]
    assert root.attributes[REQUEST_ID_ATTRIBUTE] == request_id
    assert root.attributes["http.response.status_code"] == 200
    assert root.service == "omnicommerce"

    operation = [s for s in trace if s.name == "graphql.mutation Add"]
    assert len(operation) == 1 and operation[0].parent_id == root.span_id
    resolvers = [s for s in trace if s.name == "graphql.resolve Mutation.addToCart"]
    assert len(resolvers) == 1 and resolvers[0].parent_id == operation[0].span_id
    sql = [s for s in trace if s.kind == Span.SPAN_KIND_CLIENT]
    assert sql, [s.name for s in trace]
    assert all(s.attributes.get("db.system") == "postgresql" for s in sql)
    # The statements the use case ran are inside the resolver that ran it.
    assert any("graphql.resolve Mutation.addToCart" in _ancestors(s, trace) for s in sql)
    # startCart was a trace of its own, and no background poll started one.
    assert all(s.trace_id == root.trace_id or s.parent_id or s.kind == Span.SPAN_KIND_SERVER
               for s in spans)  # fmt: skip


async def test_json_log_lines_carry_the_request_and_trace_ids_of_their_request(
    traced_server: TracedServer,
) -> None:
    async with httpx.AsyncClient(base_url=traced_server.base) as client:
        refused = await _post(client, MY_CART, {})  # no token: refused, logged at INFO
    request_id = refused.headers["x-request-id"]
    assert refused.json()["errors"][0]["extensions"]["code"] == "NOT_AUTHENTICATED"

    def refusal_logged() -> list[dict]:
        lines = traced_server.json_lines()
        return [line for line in lines if line.get("request_id") == request_id]

    for _ in range(50):
        if refusal_logged():
            break
        await asyncio.sleep(0.1)
    [line] = refusal_logged()
    assert line["level"] == "INFO" and line["logger"] == "omnicommerce.graphql"
    assert line["message"].startswith("refused at ['myCart']")
    assert {"time", "level", "logger", "message", "request_id", "trace_id"} <= line.keys()
    spans = traced_server.receiver.wait_for(lambda spans: bool(_trace_of(spans, request_id)))
    assert line["trace_id"] == _trace_of(spans, request_id)[0].trace_id


async def test_without_an_otlp_endpoint_nothing_of_opentelemetry_is_installed(api: Api) -> None:
    assert api.services.settings.otlp_endpoint is None
    response = await api.client.post("/graphql", json={"query": MY_CART})
    generated = response.headers["x-request-id"]
    assert len(generated) == 16 and int(generated, 16) >= 0

    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    assert not hasattr(asyncpg.Connection.fetch, "__wrapped__")  # no SQL instrumentation
    # In a process of its own: this one has imported the tracing module for other tests.
    loaded = subprocess.run(
        [sys.executable, "-c", APP_WITHOUT_ENDPOINT], cwd=ROOT, capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["False", "False"]  # neither our module nor the SDK


APP_WITHOUT_ENDPOINT = """
import sys
from adapters.settings import Settings
from api.server.app import create_app
create_app(Settings())
print("api.server.telemetry" in sys.modules, "opentelemetry.sdk" in sys.modules)
"""


@pytest.mark.parametrize(
    ("sent", "echoed"),
    [("pos-sync/till-3:42", True), ("two words", False), ("x" * 200, False), ("", False)],
)
async def test_a_sane_request_id_is_echoed_and_any_other_replaced(
    api: Api, sent: str, echoed: bool
) -> None:
    response = await api.client.get("/health/live", headers={"x-request-id": sent})
    answered = response.headers["x-request-id"]
    assert (answered == sent) is echoed
    assert echoed or len(answered) == 16
