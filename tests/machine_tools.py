"""Programs some tests need from the machine rather than from PyPI (Debian's systemd-analyze,
Node.js and npm, wrk): on a developer's fresh machine the tests that need a missing one are
set aside with one line saying how to enable them; where OMNI_REQUIRE_TOOLS=1 (CI, whose
.ci/run installs them) a missing program fails those tests instead.

A test says what it needs with `@pytest.mark.needs("systemd-analyze")` (or a module's
`pytestmark`); the hooks in tests/conftest.py apply the rule."""

from __future__ import annotations

import os
import shutil

import pytest

# What to install, by program (Debian's packages: the registries are reachable).
HOW_TO_INSTALL = {
    "systemd-analyze": "apt-get install systemd",
    "node": "apt-get install nodejs npm",
    "npm": "apt-get install nodejs npm",
    "wrk": "apt-get install wrk",
}
REQUIRED = "OMNI_REQUIRE_TOOLS"
SET_ASIDE = pytest.StashKey[list[str]]()


def missing(item: pytest.Item) -> list[str]:
    """The programs the test is marked as needing that are not on PATH."""
    needed = [name for mark in item.iter_markers("needs") for name in mark.args]
    return [name for name in needed if shutil.which(name) is None]


def _install(program: str) -> str:
    return HOW_TO_INSTALL.get(program, f"install {program}")


def set_aside(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the tests whose programs are missing, unless CI requires them."""
    if os.environ.get(REQUIRED) == "1":
        return
    counts: dict[str, int] = {}
    absent = []
    for item in items:
        for program in missing(item):
            counts[program] = counts.get(program, 0) + 1
        if missing(item):
            absent.append(item)
    if absent:
        config.hook.pytest_deselected(items=absent)
        items[:] = [item for item in items if item not in absent]
    config.stash[SET_ASIDE] = [
        f"{count} tests set aside: no {program} found ({_install(program)}; .ci/run requires them)"
        for program, count in sorted(counts.items())
    ]


def fail_if_missing(item: pytest.Item) -> None:
    """Where required, a test whose program is missing fails before it starts, saying why."""
    for program in missing(item):
        pytest.fail(f"{program} is required ({REQUIRED}=1) but missing: {_install(program)}")


def summary_lines(config: pytest.Config) -> list[str]:
    return config.stash.get(SET_ASIDE, [])
