"""`omni serve --workers N`: a small supervisor and its children.

The supervisor migrates and seeds once, then starts N API worker processes that each bind the
same host:port with SO_REUSEPORT (the kernel spreads new connections over them), plus one
projection worker (projection_worker.py, as `omni projections run`) that keeps every read
model live. The API workers run no
projections: a request never queues behind a projection batch, and the leases leave the
read models to exactly one runner whatever happens. A child that dies is started again;
SIGTERM or SIGINT stops them all. `PROMETHEUS_MULTIPROC_DIR` points at a fresh folder, so
/metrics of any worker reports them all as one (api/metrics.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from prometheus_client import multiprocess

from adapters.settings import Settings
from api.server.composition import prepare_database

log = logging.getLogger("omnicommerce.workers")

# A child that ends sooner than this after its start is failing at start-up: wait before the
# next attempt instead of spinning.
QUICK_EXIT_SECONDS = 5.0
RESTART_BACKOFF_SECONDS = 2.0
STOP_TIMEOUT_SECONDS = 20.0
LISTEN_BACKLOG = 2048


def reuse_port_available() -> bool:
    """SO_REUSEPORT balancing connections between sockets is Linux's (3.9+) behaviour; BSDs
    and macOS accept the option but hand every connection to the last socket bound."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def shared_socket(host: str, port: int) -> socket.socket:
    """A listening socket that other processes bind too, each taking a share of connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it Nagle held each response's body for the client's delayed ACK (~45 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(LISTEN_BACKLOG)
    sock.set_inheritable(False)
    return sock


def serve_api_worker(settings: Settings, host: str, port: int) -> None:
    """One API worker: uvicorn on its own SO_REUSEPORT socket (`python -m api.server.workers`).
    `Server.run` picks uvloop as `uvicorn` on the command line does."""
    # Start-up cost: the supervisor imports this module too, and never loads the web stack.
    import uvicorn

    from api.server.app import create_app, tune_garbage_collector

    app = create_app(settings)
    tune_garbage_collector()
    config = uvicorn.Config(app, log_level="warning", access_log=False, backlog=LISTEN_BACKLOG)
    server = uvicorn.Server(config)
    server.run(sockets=[shared_socket(host, port)])


@dataclass
class Child:
    """One supervised process: how to start it, and the running one."""

    label: str
    command: list[str]
    env: dict[str, str]
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    restarts: int = 0

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(*self.command, env=self.env)
        self.started_at = time.monotonic()
        log.info("%s started (pid %s)", self.label, self.process.pid)


@dataclass
class Supervisor:
    """Keeps every child running until told to stop, then stops them all."""

    children: list[Child]
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stopping.set)
        try:
            for child in self.children:
                await child.start()
            watchers = [asyncio.create_task(self._watch(child)) for child in self.children]
            await self.stopping.wait()
            for watcher in watchers:
                watcher.cancel()
        finally:
            await self._stop_all()
        return 0

    async def _watch(self, child: Child) -> None:
        """Start the child again whenever it ends while the supervisor is not stopping."""
        while not self.stopping.is_set():
            assert child.process is not None
            code = await child.process.wait()
            if self.stopping.is_set():
                return
            _forget_metrics_of(child.process.pid)
            log.warning(
                "%s (pid %s) exited with %s; starting it again",
                child.label,
                child.process.pid,
                code,
            )
            if time.monotonic() - child.started_at < QUICK_EXIT_SECONDS:
                await asyncio.sleep(RESTART_BACKOFF_SECONDS)
            child.restarts += 1
            await child.start()

    async def _stop_all(self) -> None:
        running = [c.process for c in self.children if c.process and c.process.returncode is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                log.warning(
                    "pid %s did not stop in %ss; killing it", process.pid, STOP_TIMEOUT_SECONDS
                )
                process.kill()
                await process.wait()


def _forget_metrics_of(pid: int) -> None:
    """A dead worker's live gauges must not be reported; its counters still count."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


# Jobs a deployment runs once whatever its size (both are safe twice, but cost connections):
# only the first API worker keeps them.
ONCE_PER_DEPLOYMENT = ("OMNI_RUN_SCHEDULER", "OMNI_RUN_OUTBOX")


def worker_children(workers: int, host: str, port: int, env: Mapping[str, str]) -> list[Child]:
    """N API workers that run no projections, and one projection worker."""
    api = [sys.executable, "-m", "api.server.workers", host, str(port)]
    shared = {**env, "OMNI_RUN_PROJECTIONS": "false", "OMNI_SEED_DEMO": "false"}
    children = []
    for number in range(workers):
        only_first = {name: "false" for name in ONCE_PER_DEPLOYMENT if number > 0}
        children.append(Child(f"API worker {number}", api, {**shared, **only_first}))
    projections = [sys.executable, "-m", "api.server.projection_worker"]
    children.append(Child("projection worker", projections, shared))
    return children


async def supervise(
    settings: Settings,
    workers: int,
    host: str,
    port: int,
    on_serving: Callable[[], None] = lambda: None,
) -> int:
    """`omni serve --workers N` with N > 1: returns the exit code. `on_serving` is called
    once the port answers."""
    if not reuse_port_available():
        log.error("--workers needs SO_REUSEPORT (Linux); start one process per port instead")
        return 2
    shared_socket(host, port).close()  # the port is free: say so now, not once per worker
    dsn = await prepare_database(settings)
    metrics_dir = tempfile.mkdtemp(prefix="omni-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    # The children connect straight to the server the supervisor found or started.
    env = {**os.environ, "DATABASE_URL": dsn}
    try:
        children = worker_children(workers, host, port, env)
        announce = asyncio.create_task(_when_serving(host, port, on_serving))
        try:
            return await Supervisor(children).run()
        finally:
            announce.cancel()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)


async def _when_serving(host: str, port: int, on_serving: Callable[[], None]) -> None:
    """Wait for an answer to /health/live: a listening socket alone may belong to a worker
    still starting up."""
    while not await _answers(host, port):
        await asyncio.sleep(0.1)
    on_serving()


async def _answers(host: str, port: int) -> bool:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    try:
        writer.write(b"GET /health/live HTTP/1.0\r\nhost: omni\r\n\r\n")
        status_line = await asyncio.wait_for(reader.readline(), 5)
        return b" 200 " in status_line
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()


def main() -> None:
    """The API worker's entry point: python -m api.server.workers HOST PORT."""
    host, port = sys.argv[1], int(sys.argv[2])
    logging.basicConfig(level=logging.WARNING)
    serve_api_worker(Settings.from_env(os.environ), host, port)


if __name__ == "__main__":
    main()
