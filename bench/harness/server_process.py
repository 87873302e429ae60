"""A real server process on a free port, in a database schema of its own: what end-to-end
tests and the API benchmark talk to over HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO
from uuid import uuid4

import httpx

from adapters.postgres.database import server_for
from adapters.postgres.pool import connect
from adapters.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def running_server(
    settings: Settings,
    base_env: Mapping[str, str],
    workers: int = 1,
    projection_worker: bool = False,
    port: int | None = None,
    schema: str | None = None,
    factory: str = "api.server.app:from_environment",
    stderr: IO[bytes] | None = None,
    **overrides: str,
) -> AsyncIterator[str]:
    """Start `uvicorn api.server.app:from_environment`, wait until /health/ready answers, yield
    its base URL; stop it and drop its schema afterwards. `overrides` are OMNI_* settings. With
    `projection_worker`, the read models run in an `omni projections run` process of their
    own instead of in the API processes. A caller that names the schema owns it (a restart
    test starts a second server on the same port and schema) and drops it with
    `drop_schema`. `factory` builds the app (the telemetry bench's baseline is another).
    `stderr` takes the server's log (the fuzzer reads it), else it goes to the test's."""
    owns_schema = schema is None
    schema, port = schema or f"srv_{uuid4().hex[:10]}", port or free_port()
    env = {
        **base_env,
        "PYTHONPATH": str(ROOT),
        "OMNI_DATABASE_SCHEMA": schema,
        "OMNI_DATA_DIR": settings.data_dir,
        **overrides,
    }
    if projection_worker:
        env["OMNI_RUN_PROJECTIONS"] = "false"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        factory,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        cwd=ROOT,
        env=env,
        stderr=stderr,
    )
    base = f"http://127.0.0.1:{port}"
    worker = None
    try:
        await until_healthy(base, process)
        if projection_worker:  # after the server migrated and seeded the schema
            worker = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "api.cli",
                "projections",
                "run",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.DEVNULL,
            )
        yield base
    finally:
        for running in (process, worker):
            if running is not None and running.returncode is None:
                running.terminate()
                await asyncio.wait_for(running.wait(), 20)
        if owns_schema:
            await drop_schema(settings, schema)


async def until_healthy(base: str, process: asyncio.subprocess.Process) -> None:
    async with httpx.AsyncClient(base_url=base) as client:
        for _ in range(START_TIMEOUT_SECONDS * 10):
            if process.returncode is not None:
                raise RuntimeError("the server exited during start-up")
            try:
                # /health/ready, not /health: a long transaction elsewhere on a shared server makes
                # /health report degraded, which says nothing about this server having started.
                if (await client.get("/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not become healthy")


async def drop_schema(settings: Settings, schema: str) -> None:
    dsn, _ = server_for(settings)
    connection = await connect(dsn)
    await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    await connection.close()


@asynccontextmanager
async def running_supervisor(
    settings: Settings, base_env: Mapping[str, str], workers: int, **overrides: str
) -> AsyncIterator[tuple[str, asyncio.subprocess.Process]]:
    """`omni serve --workers N` on a free port and a schema of its own, once /health/ready
    answers: yields its base URL and the supervisor. Afterwards SIGTERM, and SIGKILL to its
    whole process group if anything is left, then the schema is dropped."""
    schema, port = f"srv_{uuid4().hex[:10]}", free_port()
    env = {
        **base_env,
        "PYTHONPATH": str(ROOT),
        "OMNI_DATABASE_SCHEMA": schema,
        "OMNI_DATA_DIR": settings.data_dir,
        **overrides,
    }
    command = ["-m", "api.cli", "serve", "--workers", str(workers), "--port", str(port)]
    supervisor = await asyncio.create_subprocess_exec(
        *(sys.executable, *command),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        start_new_session=True,  # its workers can be killed as a group, whatever happens
    )
    base = f"http://127.0.0.1:{port}"
    try:
        await until_healthy(base, supervisor)
        yield base, supervisor
    finally:
        if supervisor.returncode is None:
            supervisor.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(supervisor.wait(), 20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(supervisor.pid, signal.SIGKILL)
        await drop_schema(settings, schema)
