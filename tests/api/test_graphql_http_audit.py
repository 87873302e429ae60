"""The graphql-http audit (npm `graphql-http`, its serverAudits: the GraphQL-over-HTTP spec's
MUSTs, SHOULDs and MAYs) against a real `omni serve`: 0 warnings and 0 errors. Node runs it,
from the versions locked in tests/node/package-lock.json (installed with `npm ci`). Without
node the test is skipped with the reason; in CI (OMNI_REQUIRE_NODE=1) that is a failure."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from adapters.settings import Settings
from bench.harness.server_process import running_supervisor

NODE_PROJECT = Path(__file__).resolve().parents[1] / "node"
FILES = ("package.json", "package-lock.json", "audit.mjs")

pytestmark = [pytest.mark.slow, pytest.mark.needs("node", "npm")]


def node_tools() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node is not None and npm is not None  # the mark sets the test aside, or fails it
    return node, npm


async def run(*command: str, cwd: Path, timeout: float) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_the_graphql_http_audit_reports_no_warning_and_no_error(
    settings: Settings, tmp_path: Path
) -> None:
    node, npm = node_tools()
    for name in FILES:
        shutil.copy(NODE_PROJECT / name, tmp_path / name)
    code, output = await run(npm, "ci", "--no-audit", "--no-fund", cwd=tmp_path, timeout=300)
    assert code == 0, output

    async with running_supervisor(settings, os.environ, 1, OMNI_SEED_DEMO="true") as (base, _):
        code, output = await run(node, "audit.mjs", f"{base}/graphql", cwd=tmp_path, timeout=120)

    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output
    *not_ok, summary = lines
    assert not_ok == [], json.dumps(not_ok, indent=2)
    assert summary["summary"] == {"ok": summary["audits"], "warn": 0, "error": 0}
    assert summary["audits"] >= 50 and code == 0
