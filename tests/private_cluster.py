"""A throwaway PostgreSQL cluster of a test's own, which the test may restart or stop, and
streaming replicas of one (bench/harness/postgres_cluster.py makes them, for the benchmarks
too). Without PostgreSQL binaries to start one, the test is skipped, saying what to install;
where OMNI_REQUIRE_TOOLS=1 (CI) it fails instead, as a missing machine program does
(tests/machine_tools.py).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import NoReturn

import pytest

from bench.harness import postgres_cluster as harness
from bench.harness.postgres_cluster import Standby, free_port, machine_binaries
from tests.machine_tools import REQUIRED

__all__ = [
    "PrivateCluster",
    "Standby",
    "free_port",
    "machine_binaries",
    "postgres_binaries",
    "replicated_cluster",
]


def unavailable(missing: harness.NoPostgres) -> NoReturn:
    if os.environ.get(REQUIRED) == "1":
        pytest.fail(f"PostgreSQL binaries are required ({REQUIRED}=1): {missing}")
    pytest.skip(str(missing))


def postgres_binaries() -> Path:
    try:
        return harness.postgres_binaries()
    except harness.NoPostgres as missing:
        unavailable(missing)


class PrivateCluster(harness.PrivateCluster):
    def __init__(self, password: str | None = None, bin_dir: Path | None = None) -> None:
        try:
            super().__init__(password, bin_dir)
        except harness.NoPostgres as missing:
            unavailable(missing)


def replicated_cluster() -> contextlib.AbstractContextManager[tuple[PrivateCluster, Standby]]:
    """A primary and a streaming replica of it (skipped without PostgreSQL binaries)."""
    try:
        bin_dir = machine_binaries()
    except harness.NoPostgres as missing:
        unavailable(missing)
    return harness.replicated_cluster(PrivateCluster(bin_dir=bin_dir))  # type: ignore[return-value]
