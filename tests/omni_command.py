"""The real `omni` command (and uvicorn's factory) in a process of its own, for tests of what
an operator sees: exit status, stdout and stderr."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from adapters.postgres.database import Database

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Finished:
    status: int
    out: str
    err: str

    @property
    def refusal(self) -> str:
        """What an operator reads when the command refuses: asserted to be one sentence."""
        assert self.status != 0, self.out
        assert "Traceback" not in self.err, self.err
        lines = self.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].endswith("."), self.err
        return lines[0]


def env_of(database: Database | None = None, **settings: str) -> dict[str, str]:
    """This process's environment, on `database`'s schema, with `settings` on top."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if database is not None:
        env |= {"DATABASE_URL": database.dsn, "OMNI_DATABASE_SCHEMA": database.schema or ""}
    return env | settings


async def run(*command: str, env: Mapping[str, str]) -> Finished:
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), TIMEOUT_SECONDS)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())


async def omni(*arguments: str, env: Mapping[str, str]) -> Finished:
    return await run(sys.executable, "-m", "api.cli", *arguments, env=env)


async def uvicorn_factory(port: int, env: Mapping[str, str]) -> Finished:
    """`uvicorn --factory api.server.app:from_environment`, as deployments start the service; only
    for settings it must refuse (it would serve until killed otherwise)."""
    return await run(
        *(sys.executable, "-m", "uvicorn", "--factory", "api.server.app:from_environment"),
        *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
        env=env,
    )
