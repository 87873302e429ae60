#!/usr/bin/env python3
"""The two commands of the README, for a fresh clone with only Python 3.11+:

    python3 dev.py serve   # the service on an embedded PostgreSQL, with demo data
    python3 dev.py test    # the whole test suite

Each creates .venv and installs the locked dependencies first when they changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".installed"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_environment() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 is
        sys.exit(f"omnicommerce needs Python 3.11 or newer, this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    print("installing locked dependencies ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(wanted)


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (LOCK, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def main(argv: list[str]) -> int:
    commands = {
        "serve": [str(BIN / "omni"), "serve", *argv[1:]],
        "test": [str(BIN / "python"), "-m", "pytest", *argv[1:]],
        "omni": [str(BIN / "omni"), *argv[1:]],
    }
    if not argv or argv[0] not in commands:
        print(__doc__)
        return 2
    ensure_environment()
    os.chdir(ROOT)
    return subprocess.call(commands[argv[0]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
