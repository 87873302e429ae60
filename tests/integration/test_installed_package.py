"""`omni bench` works from an installed copy of the package, not only from a checkout: bench/
ships with the harness it shares with the tests, and none of it needs tests/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import NAMES

ROOT = Path(__file__).resolve().parents[2]
# What a checkout holds beside the package's sources: the tests stay behind, so an import of
# them from anything installed fails here as it would on a deployment.
NOT_SHIPPED = shutil.ignore_patterns(
    ".git", ".venv", ".omni", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", "tests"
)


def _install_copy(into: Path) -> Path:
    """The package built from a clean copy of the sources and installed under `into`."""
    sources, site = into / "sources", into / "site"
    shutil.copytree(ROOT, sources, ignore=NOT_SHIPPED)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-compile"]
    subprocess.run([*pip, "--target", str(site), str(sources)], check=True, timeout=600)
    shutil.rmtree(sources)
    return site


def _python(site: Path, cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """This interpreter (its site-packages bring the dependencies), importing the package from
    `site` first, from a folder that is no checkout."""
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run(
        [sys.executable, *arguments], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_omni_bench_lists_every_benchmark_from_an_installed_copy(tmp_path: Path) -> None:
    site, elsewhere = _install_copy(tmp_path), tmp_path / "elsewhere"
    elsewhere.mkdir()

    listed = _python(site, elsewhere, "-m", "api.cli", "bench", "--list")

    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == list(NAMES)
    found = _python(
        site,
        elsewhere,
        "-c",
        "import importlib.util as u, api, bench.harness; "
        "print(api.__file__, bench.harness.__file__, u.find_spec('tests'))",
    )
    api_file, harness_file, tests_spec = found.stdout.split()
    assert Path(api_file).is_relative_to(site) and Path(harness_file).is_relative_to(site)
    assert tests_spec == "None"  # so nothing listed above came from tests/
