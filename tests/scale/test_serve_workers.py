"""`omni serve --workers 2`: two API workers behind one port, a dead one replaced, /metrics
reporting them as one, and SIGTERM stopping everything."""

from __future__ import annotations

import asyncio
import os
import re
import signal

import httpx

from adapters.settings import Settings
from bench.harness.cluster import SECRET
from bench.harness.server_process import running_supervisor

WORKERS = 2
WAIT_SECONDS = 30
# Fresh connections spread by the kernel: enough that missing a worker by chance is
# (1/2)^40-unlikely.
PROBES = 40


async def answering_pids(client: httpx.AsyncClient, base: str) -> set[int]:
    """Which processes answer /health/live, each probe on a new connection."""
    pids = set()
    for _ in range(PROBES):
        response = await client.get(f"{base}/health/live", headers={"connection": "close"})
        assert response.status_code == 200
        pids.add(int(response.headers["x-omni-pid"]))
    return pids


async def until(condition_of_pids: object, client: httpx.AsyncClient, base: str) -> set[int]:
    """Probe until `condition_of_pids(pids)` holds, within WAIT_SECONDS."""
    assert callable(condition_of_pids)
    async with asyncio.timeout(WAIT_SECONDS):
        while True:
            try:
                pids = await answering_pids(client, base)
                if condition_of_pids(pids):
                    return pids
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)


def metric_pids(metrics: str) -> set[int]:
    return {int(pid) for pid in re.findall(r'omni_api_process\{pid="(\d+)"\} 1\.0', metrics)}


def requests_counted(metrics: str) -> float:
    return sum(
        float(value)
        for value in re.findall(r"omni_graphql_requests_total\{[^}]*\} ([0-9.e+]+)", metrics)
    )


async def test_two_workers_share_the_port_a_killed_one_is_replaced_and_metrics_add_up(
    settings: Settings,
) -> None:
    overrides = {"OMNI_SECRET_KEY": SECRET, "OMNI_RUN_SCHEDULER": "false", "OMNI_POOL_SIZE": "8"}
    async with (
        running_supervisor(settings, os.environ, WORKERS, **overrides) as (base, supervisor),
        httpx.AsyncClient(timeout=10) as client,
    ):
        first = await until(lambda pids: len(pids) == WORKERS, client, base)
        metrics = (await client.get(f"{base}/metrics")).text
        assert metric_pids(metrics) == first

        for _ in range(10):  # GraphQL answered by both, counted once in any scrape
            response = await client.post(
                f"{base}/graphql",
                json={"query": "{ __typename }"},
                headers={"connection": "close"},
            )
            assert response.status_code == 200
        counted = requests_counted((await client.get(f"{base}/metrics")).text)
        assert counted == requests_counted(metrics) + 10

        killed = min(first)
        os.kill(killed, signal.SIGKILL)
        replaced = await until(
            lambda pids: len(pids) == WORKERS and killed not in pids, client, base
        )
        assert replaced & first == first - {killed}
        metrics = (await client.get(f"{base}/metrics")).text
        assert metric_pids(metrics) == replaced
        assert requests_counted(metrics) >= counted  # the dead worker's counts remain

        supervisor.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(supervisor.wait(), WAIT_SECONDS) == 0
        for pid in replaced:
            assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
