"""The embedded PostgreSQL stops once the last process using it exits, even when an earlier
user was killed and never said goodbye (as a test's server process killed with -9 is)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pgserver", reason="the embedded server needs the pgserver wheel")

ROOT = Path(__file__).resolve().parents[2]
OPEN_AND_STAY = (
    "from adapters.embedded import EmbeddedPostgres as E; import sys, time; "
    "E(__import__('pathlib').Path(sys.argv[1])).start(); print('up', flush=True); time.sleep(60)"
)
OPEN_AND_EXIT = (
    "from adapters.embedded import EmbeddedPostgres as E; import sys; "
    "E(__import__('pathlib').Path(sys.argv[1])).start()"
)


def running(data_dir: Path) -> bool:
    pid_file = data_dir / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    return Path(f"/proc/{pid}").exists()


@pytest.mark.slow
def test_a_killed_user_does_not_keep_the_server_running(tmp_path: Path) -> None:
    data_dir = tmp_path / "postgres"
    killed = subprocess.Popen(
        [sys.executable, "-c", OPEN_AND_STAY, str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert killed.stdout is not None and killed.stdout.readline().strip() == "up"
        killed.kill()  # never runs its exit handlers: stays on the list of users
        killed.wait(10)
        assert running(data_dir)
        assert killed.pid in json.loads((data_dir / ".handle_pids.json").read_text())

        subprocess.run([sys.executable, "-c", OPEN_AND_EXIT, str(data_dir)], cwd=ROOT, check=True)

        for _ in range(100):
            if not running(data_dir):
                break
            time.sleep(0.1)
        assert not running(data_dir)
    finally:
        if killed.poll() is None:
            killed.kill()
