"""Throwaway PostgreSQL clusters of a test's or a benchmark's own, which it may restart or stop,
and streaming replicas of them.

The machine's shared server must never be restarted (other test runs use it), so outage
tests start their own: `initdb` in a temporary folder, a free TCP port on 127.0.0.1, with the
binaries the embedded adapter uses (the pgserver wheel's, else the machine's). PostgreSQL
refuses to run as root; as root the cluster runs as pgserver's own system user, as the
embedded server does. (tests/private_cluster.py turns "no PostgreSQL here" into a skip.)
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import asyncpg

from adapters.embedded import INSTALL_HINT, _find_postgres_binaries

SYSTEM_USER_WHEN_ROOT = "pgserver"
CATCH_UP_SECONDS = 20


class NoPostgres(Exception):
    """No PostgreSQL binaries to start a cluster with, or none that runs as this user."""


def postgres_binaries() -> Path:
    """The embedded PostgreSQL package's binaries, else the machine's."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
            from pgserver._commands import POSTGRES_BIN_PATH
    except ImportError:
        found = _find_postgres_binaries()
        if found is None:
            raise NoPostgres(INSTALL_HINT) from None
        return Path(found)
    return POSTGRES_BIN_PATH


def machine_binaries() -> Path:
    """Where DATABASE_URL is set, the tests run against the machine's PostgreSQL: clusters of
    their own then come from the machine's binaries too (initdb and pg_ctl on PATH, or
    /usr/lib/postgresql/*/bin), so both CI runs cover the PostgreSQL they run on. Without
    them, or without DATABASE_URL, the embedded package's."""
    found = _find_postgres_binaries() if os.environ.get("DATABASE_URL") else None
    if found is None:
        return postgres_binaries()
    # Where the links on PATH lead: the folder with pg_basebackup beside pg_ctl.
    return (Path(found) / "pg_ctl").resolve().parent


def _user_when_root(bin_dir: Path, data_dir: Path) -> str | None:
    """As root, the system user the server runs as, with access to the binaries and data."""
    if os.geteuid() != 0:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from pgserver import utils
    except ImportError:
        raise NoPostgres("PostgreSQL does not run as root: run this as another user") from None
    utils.ensure_user_exists(SYSTEM_USER_WHEN_ROOT)
    if not _everyone_may_run(bin_dir):  # the wheel's, installed for root alone
        utils.ensure_prefix_permissions(bin_dir)
        utils.ensure_folder_permissions(bin_dir.parent, 0o555)
    shutil.chown(data_dir, SYSTEM_USER_WHEN_ROOT, SYSTEM_USER_WHEN_ROOT)
    return SYSTEM_USER_WHEN_ROOT


def _everyone_may_run(bin_dir: Path) -> bool:
    """The machine's packaged binaries are; their folders are left as the package set them."""
    postgres = bin_dir / "postgres"
    return (
        str(bin_dir).startswith("/usr/")
        and os.access(postgres, os.X_OK)
        and bool(postgres.stat().st_mode & stat.S_IXOTH)
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateCluster:
    """initdb + pg_ctl in a temporary folder; `dsn` reaches it over TCP. With a `password`,
    the server asks for it (scram-sha-256) instead of trusting every connection."""

    def __init__(self, password: str | None = None, bin_dir: Path | None = None) -> None:
        self.bin_dir = bin_dir or postgres_binaries()
        self.root = Path(tempfile.mkdtemp(prefix="omni-outage-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        self.port = free_port()
        self.password = password
        signed_in = f"postgres:{password}" if password else "postgres"
        self.dsn = f"postgresql://{signed_in}@127.0.0.1:{self.port}/postgres"
        self.user = _user_when_root(self.bin_dir, self.root)

    def run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        done = subprocess.run(command, capture_output=True, text=True, user=self.user, timeout=60)
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} {args[0]} failed: {done.stderr}\n{tail}")

    def start(self) -> str:
        auth = ["--auth=trust"]
        if self.password is not None:
            password_file = self.root / "password"
            password_file.write_text(self.password)
            auth = ["--auth=scram-sha-256", f"--pwfile={password_file}"]
        self.run("initdb", "-D", str(self.data), "-U", "postgres", *auth, "--no-sync")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\nfsync = off\nshared_buffers = 32MB\n"
                "max_connections = 200\n"
            )
        self._pg_ctl("start")
        return self.dsn

    def _pg_ctl(self, *action: str) -> None:
        log = str(self.root / "server.log")
        self.run("pg_ctl", "-D", str(self.data), "-l", log, "-w", *action)

    def restart(self) -> None:
        """What an operator's `pg_ctl restart -m fast` does: every session is cut."""
        self._pg_ctl("-m", "fast", "restart")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def resume(self) -> None:
        """Start it again after stop()."""
        self._pg_ctl("start")

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


class Standby:
    """A streaming replica of a PrivateCluster, as an operator makes one: `pg_basebackup -R`
    of the primary (which writes the standby's connection to the primary and its
    standby.signal) through a replication slot of its own (so the primary keeps the WAL the
    standby has not received, however long it is stopped), on a port of its own."""

    def __init__(self, primary: PrivateCluster, name: str = "standby") -> None:
        self.primary = primary
        self.name = name
        self.data = primary.root / name
        self.port = free_port()
        self.dsn = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> str:
        primary = self.primary
        primary.run(
            "pg_basebackup",
            *("-D", str(self.data), "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast", "--no-sync"),
            *("--create-slot", f"--slot={self.name}"),
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            # Queries on the standby hold back the primary's vacuum rather than being cancelled.
            conf.write(f"port = {self.port}\nhot_standby_feedback = on\n")
        self._pg_ctl("start")
        return self.dsn

    def _pg_ctl(self, *action: str) -> None:
        log = str(self.primary.root / f"{self.name}.log")
        self.primary.run("pg_ctl", "-D", str(self.data), "-l", log, "-w", *action)

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def resume(self) -> None:
        self._pg_ctl("start")

    def remove(self) -> None:
        """Before the primary's remove(), which deletes the folder both live in."""
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._pg_ctl("-m", "immediate", "stop")


@contextlib.contextmanager
def replicated_cluster(
    primary: PrivateCluster | None = None,
) -> Iterator[tuple[PrivateCluster, Standby]]:
    """A primary (of the machine's binaries where DATABASE_URL is set, else the embedded
    package's) and one streaming replica of it, removed afterwards."""
    primary = primary or PrivateCluster(bin_dir=machine_binaries())
    standby = Standby(primary)
    try:
        primary.start()
        standby.start()
        yield primary, standby
    finally:
        standby.remove()
        primary.remove()


async def caught_up(primary: PrivateCluster, standby: Standby) -> None:
    """Until the standby has replayed everything the primary has written so far."""
    source = await asyncpg.connect(primary.dsn)
    replica = await asyncpg.connect(standby.dsn)
    try:
        target = await source.fetchval("SELECT pg_current_wal_lsn()")
        for _ in range(CATCH_UP_SECONDS * 100):
            if await replica.fetchval("SELECT pg_last_wal_replay_lsn() >= $1", target):
                return
            await asyncio.sleep(0.01)
        raise AssertionError("the standby did not catch up")
    finally:
        await source.close()
        await replica.close()
