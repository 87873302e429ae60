"""A private server for the simulation: `uvicorn api.server.app:from_environment` in a process of
its own, on a free port, with the environment the command line prepared (a database schema of
its own, a simulated clock, an outbox on a NATS server of its own); beside it, `omni notify run`
mails its customers. The simulator only starts them and talks to the server over HTTP."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

START_TIMEOUT_SECONDS = 120  # the first start of the embedded PostgreSQL takes a while


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def answers(base_url: str) -> bool:
    """Whether a server answers its liveness check there."""
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=2.0) as client:
            return (await client.get("/health/live")).status_code == 200
    except httpx.HTTPError:
        return False


@asynccontextmanager
async def private_server(
    environment: Mapping[str, str], log: Path, port: int
) -> AsyncIterator[str]:
    """Start the server on `port`, wait until it answers, yield its base URL; stop it
    afterwards. Its output goes to `log`, not over the progress bar."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "uvicorn", "--factory", "api.server.app:from_environment",
            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            "--no-access-log", env=dict(environment), stdout=output, stderr=output,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            await _until_up(base, process, log)
            yield base
        finally:
            if process.returncode is None:
                process.terminate()
                await asyncio.wait_for(process.wait(), 30)


@asynccontextmanager
async def side_process(
    environment: Mapping[str, str], log: Path, *command: str
) -> AsyncIterator[None]:
    """`omni <command>` (the notifier) beside the server, on the same environment, while the
    block runs; a RuntimeError if it exits on its own."""
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "api.cli", *command, env=dict(environment),
            stdout=output, stderr=output,
        )  # fmt: skip
        try:
            yield
        finally:
            if process.returncode is None:
                process.terminate()
                await asyncio.wait_for(process.wait(), 30)
            elif process.returncode != 0:
                raise RuntimeError(f"`omni {' '.join(command)}` exited early; see {log}")


async def _until_up(base: str, process: asyncio.subprocess.Process, log: Path) -> None:
    for _ in range(START_TIMEOUT_SECONDS * 10):
        if process.returncode is not None:
            raise RuntimeError(f"the simulation's server exited while starting; see {log}")
        if await answers(base):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"the simulation's server did not start in time; see {log}")
