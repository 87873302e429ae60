"""A deployment of several real processes on one database schema: API processes started with
OMNI_RUN_PROJECTIONS=false (uvicorn, as server_process.py starts one) beside
`omni projections run` workers. Every process is killed on the way out, whatever happened,
and every wait has a timeout."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import httpx
import websockets

from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole, TokenService
from bench.harness.server_process import ROOT, drop_schema, free_port, until_healthy

SECRET = "scale-secret-of-at-least-thirty-two-bytes"
WORKER_START_SECONDS = 30
STOP_SECONDS = 10


@dataclass
class Cluster:
    settings: Settings
    env: dict[str, str]
    schema: str
    apis: list[str] = field(default_factory=list)
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    projection_workers: list[asyncio.subprocess.Process] = field(default_factory=list)
    tokens: TokenService = field(default_factory=lambda: TokenService(SECRET))

    async def start_api(self, seed: bool) -> str:
        """An API process on a port of its own, serving once /health/ready says so."""
        port = free_port()
        env = {**self.env, "OMNI_SEED_DEMO": "true" if seed else "false"}
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "uvicorn", "--factory", "api.server.app:from_environment"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            cwd=ROOT,
            env=env,
        )
        self.processes.append(process)
        base = f"http://127.0.0.1:{port}"
        await until_healthy(base, process)
        self.apis.append(base)
        return base

    async def start_projection_worker(self) -> asyncio.subprocess.Process:
        """`omni projections run`, once it says it runs."""
        process = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "api.cli", "projections", "run"),
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        self.processes.append(process)
        assert process.stdout is not None
        started = await asyncio.wait_for(process.stdout.readline(), WORKER_START_SECONDS)
        assert b"projection worker running" in started, started
        self.projection_workers.append(process)
        return process

    async def stop(self) -> None:
        for process in self.processes:
            await stop_process(process)

    def token(self, role: Role, subject: str, *stores: str) -> str:
        staff_role = StaffRole.MANAGER if role is Role.STAFF else None
        expires = int(time.time() + 600)
        principal = Principal(
            role=role, subject=subject, stores=stores, staff_role=staff_role, expires_at=expires
        )
        return self.tokens.mint(principal)


async def stop_process(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, then SIGKILL if it has not gone within STOP_SECONDS."""
    if process.returncode is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_SECONDS)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await asyncio.wait_for(process.wait(), STOP_SECONDS)


@asynccontextmanager
async def running_cluster(
    settings: Settings, base_env: Mapping[str, str], apis: int = 2, projection_workers: int = 2
) -> AsyncIterator[Cluster]:
    """`apis` API processes (the first seeds the demo) and `projection_workers` workers, the
    first started before the second so it holds every lease and the second stands by."""
    schema = f"scale_{uuid4().hex[:10]}"
    env = {
        **base_env,
        "PYTHONPATH": str(ROOT),
        "OMNI_DATABASE_SCHEMA": schema,
        "OMNI_DATA_DIR": settings.data_dir,
        "OMNI_SECRET_KEY": SECRET,
        "OMNI_RUN_PROJECTIONS": "false",
        "OMNI_RUN_SCHEDULER": "false",
        "OMNI_POLL_INTERVAL": "0.5",
        "OMNI_POOL_SIZE": "12",
    }
    cluster = Cluster(settings, env, schema)
    try:
        await cluster.start_api(seed=True)  # migrates and seeds before anyone else starts
        for _ in range(projection_workers):
            await cluster.start_projection_worker()
        await asyncio.gather(*(cluster.start_api(seed=False) for _ in range(apis - 1)))
        yield cluster
    finally:
        await cluster.stop()
        await drop_schema(settings, schema)


async def gql(
    client: httpx.AsyncClient, base: str, query: str, token: str | None = None, **variables: Any
) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        f"{base}/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]  # type: ignore[no-any-return]


async def subscribe(base: str, token: str, query: str, out: asyncio.Queue[dict[str, Any]]) -> None:
    """Hold a graphql-transport-ws subscription, putting each result's data on `out`."""
    url = base.replace("http", "ws") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}}))
        async for raw in ws:
            message = json.loads(raw)
            assert message["type"] == "next", message
            await out.put(message["payload"]["data"])
