"""This machine dressed as one of deploy/systemd/'s hosts: the host paths the units name
(/opt/omnicommerce, /etc/omnicommerce, /var/lib/omnicommerce) are folders of a test's own,
the installed copy is the virtual environment running the tests, and a unit's process starts
with the environment systemd would give it, with nothing inherited from the test."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.deploy.units import Process, Unit, exited_cleanly, parse_env_file, process_of

ROOT = Path(__file__).resolve().parents[2]
MANIFESTS = ROOT / "deploy" / "systemd"
ENV_FILES = MANIFESTS / "env"
SECRETS_EXAMPLE = ENV_FILES / "secrets.env.example"
# What systemd's manager puts in every service's environment (systemd.exec(5)), as far as
# these processes could use it.
SYSTEMD_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}


class LocalHost:
    """`root`/opt is the install (its .venv is this interpreter's), `root`/etc holds the
    manifests' environment files and the secrets.env an operator would write, `root`/state
    is the StateDirectory."""

    def __init__(self, root: Path, secrets: Mapping[str, str]) -> None:
        self.root = root
        self.paths = {
            "/opt/omnicommerce": root / "opt",
            "/etc/omnicommerce": root / "etc",
            "/var/lib/omnicommerce": root / "state",
        }
        for folder in self.paths.values():
            folder.mkdir(parents=True, exist_ok=True)
        (root / "opt" / ".venv").symlink_to(sys.prefix, target_is_directory=True)
        for env_file in ENV_FILES.glob("*.env"):
            shutil.copy(env_file, root / "etc" / env_file.name)
        (root / "etc" / "secrets.env").write_text(filled_in_secrets(secrets))
        self.journal = root / "journal"
        self.journal.mkdir()

    def here(self, host_path: str) -> str:
        for prefix, local in self.paths.items():
            if host_path == prefix or host_path.startswith(prefix + "/"):
                return str(local) + host_path[len(prefix) :]
        return host_path

    def process(self, units: Mapping[str, Unit], unit: str, **overrides: str) -> Process:
        """The unit's process; `overrides` are what this machine has at other addresses than
        the example hosts (its PostgreSQL schema, its NATS, its ports)."""
        process = process_of(units, unit, self.here, SYSTEMD_ENV)
        process.env.update(overrides)
        return process

    async def start(self, process: Process) -> Running:
        log = (self.journal / f"{process.unit}.log").open("wb")
        started = await asyncio.create_subprocess_exec(
            *process.argv, cwd=process.cwd, env=process.env, stdout=log, stderr=log
        )
        return Running(process, started, self.journal / f"{process.unit}.log")

    async def run_once(self, process: Process, timeout: float = 60) -> tuple[int, str]:
        """A oneshot unit: its exit status and what it wrote."""
        running = await self.start(process)
        status = await asyncio.wait_for(running.popen.wait(), timeout)
        return status, running.journal()


@dataclass
class Running:
    process: Process
    popen: asyncio.subprocess.Process
    log: Path

    @property
    def alive(self) -> bool:
        return self.popen.returncode is None

    def journal(self) -> str:
        return self.log.read_text(errors="replace")

    async def stop(self) -> int:
        """What `systemctl stop` does: SIGTERM, then SIGKILL after TimeoutStopSec. The
        process's exit status, negative for a signal; a process that had to be killed fails
        the test."""
        if self.alive:
            self.popen.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.popen.wait(), self.process.stop_seconds)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.popen.kill()
            await self.popen.wait()
            raise AssertionError(
                f"{self.process.unit} ignored SIGTERM for {self.process.stop_seconds} s"
            ) from None

    async def stopped_cleanly(self) -> bool:
        return exited_cleanly(await self.stop())


def filled_in_secrets(values: Mapping[str, str]) -> str:
    """secrets.env.example with `values` put in, as an operator fills it in: only the
    variables the example names."""
    example = parse_env_file(SECRETS_EXAMPLE.name, SECRETS_EXAMPLE.read_text())
    unknown = set(values) - set(example)
    assert not unknown, f"secrets.env.example does not name {sorted(unknown)}"
    return "".join(f"{key}={values.get(key, value)}\n" for key, value in example.items())
