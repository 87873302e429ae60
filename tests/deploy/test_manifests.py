"""The example manifests (deploy/systemd/) as systemd and an operator read them: systemd
accepts every unit as installed, every variable in their environment files is a setting the
service reads today, docs/DEPLOY.md names each file, and the example secrets keep the API
from starting until a real signing key is set."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.settings import Settings
from tests.deploy.host import ENV_FILES, MANIFESTS, ROOT, LocalHost
from tests.deploy.units import load_units, parse_env_file, start_plan, template_of

SYSTEMD_UNITS = Path("/usr/lib/systemd/system")
TARGET = "omnicommerce.target"
DEPLOY_DOC = ROOT / "docs" / "DEPLOY.md"


def every_unit_to_start() -> list[str]:
    """The target, the units it wants and those they pull in (Requires=, a timer's Unit=)."""
    return [TARGET, *start_plan(load_units(MANIFESTS), TARGET).every_unit]


def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    assert found is not None  # the mark below sets the test aside, or fails it in CI
    return found


@pytest.mark.needs("systemd-analyze")
def test_systemd_verifies_every_unit_as_installed_without_a_word(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(SYSTEMD_UNITS, root / SYSTEMD_UNITS.relative_to("/"), symlinks=True)
    shutil.copytree(MANIFESTS, root / "etc/systemd/system", ignore=shutil.ignore_patterns("env"))
    installed = root / "opt/omnicommerce/.venv/bin"
    installed.mkdir(parents=True)
    shutil.copy(Path(sys.prefix) / "bin" / "omni", installed / "omni")

    verified = subprocess.run(
        [systemd_analyze(), "verify", f"--root={root}", "--man=no", *every_unit_to_start()],
        capture_output=True,
        text=True,
        timeout=60,
    )

    # Warnings (an unknown key, a bad value: systemd ignores them and starts anyway) leave
    # the status at 0: only silence says every line was understood.
    assert (verified.returncode, verified.stdout + verified.stderr) == (0, "")


def test_the_target_starts_every_kind_of_process() -> None:
    kinds = {template_of(name)[0] for name in every_unit_to_start()}

    assert {
        "omni-migrate.service",
        "omni-api@.service",
        "omni-projections@.service",
        "omni-outbox@.service",
        "omni-notify.service",
        "omni-tick.timer",
        "omni-tick.service",
    } <= kinds


def test_every_variable_in_the_environment_files_is_a_setting_the_service_reads() -> None:
    settings = set(Settings.environment_names().values())
    for env_file in [*ENV_FILES.glob("*.env"), ENV_FILES / "secrets.env.example"]:
        variables = set(parse_env_file(env_file.name, env_file.read_text()))

        assert variables and variables <= settings, (env_file.name, variables - settings)


def test_the_deployment_guide_names_every_unit_and_environment_file() -> None:
    guide = DEPLOY_DOC.read_text()
    files = [p.name for p in MANIFESTS.iterdir() if p.is_file()]
    files += [p.name for p in ENV_FILES.iterdir()]

    assert [name for name in files if name not in guide] == []


async def test_the_example_secrets_keep_the_api_from_starting(tmp_path: Path) -> None:
    host = LocalHost(tmp_path, secrets={})  # secrets.env copied, not filled in
    units = load_units(MANIFESTS)

    status, journal = await host.run_once(host.process(units, "omni-api@8001.service"))

    assert status == 1
    assert "OMNI_SECRET_KEY" in journal and "Traceback" not in journal
    assert len(journal.strip().splitlines()) == 1
