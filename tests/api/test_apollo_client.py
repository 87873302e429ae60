"""Apollo Client 4 (npm `@apollo/client`) against a real `omni serve` (issue 19 item 1): its
InMemoryCache normalises carts, lines and products by `__typename` and the global `id`, and a
Relay-style refetch through `node(id:)` updates the entry a typed query wrote. Node runs
tests/node/apollo.mjs from the versions locked in tests/node/package-lock.json (`npm ci`).
Without node the test is skipped with the reason; in CI (OMNI_REQUIRE_NODE=1) that is a
failure."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from adapters.settings import Settings
from bench.harness.server_process import running_supervisor
from tests.api.test_graphql_http_audit import NODE_PROJECT, node_tools, run

FILES = ("package.json", "package-lock.json", "apollo.mjs")
CHECKS = {
    "a guest adds to a cart",
    "the cart is normalised under its global id",
    "its line is an entity of its own",
    "global ids are opaque, not the old ids",
    "node(id:) refetches the cart",
    "the typed query's cached answer shows what node(id:) fetched",
    "a product from a list and from product(sku:) is one cache entry",
    "another guest's node(id:) reads as missing",
    "nodes(ids:) answers each in its place",
}

pytestmark = [pytest.mark.slow, pytest.mark.needs("node", "npm")]


async def test_apollo_clients_cache_and_a_relay_refetch_work(
    settings: Settings, tmp_path: Path
) -> None:
    node, npm = node_tools()
    for name in FILES:
        shutil.copy(NODE_PROJECT / name, tmp_path / name)
    code, output = await run(npm, "ci", "--no-audit", "--no-fund", cwd=tmp_path, timeout=300)
    assert code == 0, output

    async with running_supervisor(settings, os.environ, 1, OMNI_SEED_DEMO="true") as (base, _):
        code, output = await run(node, "apollo.mjs", f"{base}/graphql", cwd=tmp_path, timeout=120)

    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output
    *checks, summary = lines
    failed = [check for check in checks if not check["ok"]]
    assert failed == [], json.dumps(failed, indent=2)
    assert {check["check"] for check in checks} == CHECKS
    assert summary["summary"] == {"checks": len(CHECKS), "failed": 0} and code == 0
