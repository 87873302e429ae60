"""An embedded PostgreSQL in a local data folder, used when no DATABASE_URL is given.

The `pgserver` wheel ships the server binaries (CPython up to 3.12). Without it, PostgreSQL
binaries found on the machine are used. Failing both, the error says what to install or set.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import warnings
from pathlib import Path
from typing import Any

HANDLES_FILE = ".handle_pids.json"  # pgserver's list of the processes using its server
INSTALL_HINT = (
    "no embedded PostgreSQL available: use Python 3.11 or 3.12 (the pgserver wheel), "
    "or install PostgreSQL (initdb and pg_ctl on PATH), or set DATABASE_URL to a server"
)


class EmbeddedPostgresUnavailable(RuntimeError):
    pass


class EmbeddedPostgres:
    """Starts (or reuses) a server in `data_dir`; `dsn` connects over its Unix socket."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.dsn = ""
        self._server: Any = None
        self._pg_ctl: str | None = None

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
                import pgserver
        except ImportError:
            return self._start_with_machine_binaries()
        _forget_dead_users(self.data_dir / HANDLES_FILE)
        self._server = pgserver.get_server(self.data_dir, cleanup_mode="stop")
        self.dsn = self._server.get_uri()
        return self.dsn

    def stop(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        elif self._pg_ctl is not None:
            subprocess.run(
                [self._pg_ctl, "-D", str(self.data_dir / "pgdata"), "-m", "fast", "stop"],
                check=False,
                capture_output=True,
            )

    def _start_with_machine_binaries(self) -> str:
        bin_dir = _find_postgres_binaries()
        if bin_dir is None or os.geteuid() == 0:
            raise EmbeddedPostgresUnavailable(INSTALL_HINT)
        pgdata = self.data_dir / "pgdata"
        if not (pgdata / "PG_VERSION").exists():
            subprocess.run(
                [f"{bin_dir}/initdb", "-D", str(pgdata), "-U", "postgres", "--auth=trust"],
                check=True,
                capture_output=True,
            )
        self._pg_ctl = f"{bin_dir}/pg_ctl"
        status = subprocess.run([self._pg_ctl, "-D", str(pgdata), "status"], capture_output=True)
        if status.returncode != 0:
            options = f"-k {self.data_dir} -c listen_addresses=''"
            subprocess.run(
                [
                    self._pg_ctl,
                    "-D",
                    str(pgdata),
                    "-o",
                    options,
                    "-w",
                    "-l",
                    str(self.data_dir / "postgres.log"),
                    "start",
                ],
                check=True,
                capture_output=True,
            )
        self.dsn = f"postgresql://postgres@/postgres?host={self.data_dir}"
        return self.dsn


def _forget_dead_users(handles: Path) -> None:
    """pgserver stops its server when the last process using it exits, counting users in a
    file; a process that was killed never takes itself off, and the server then outlives
    every test run. Take off the processes that are gone, so the last live user stops it."""
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _find_postgres_binaries() -> str | None:
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return str(Path(on_path).parent)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return str(Path(candidates[0]).parent) if candidates else None
