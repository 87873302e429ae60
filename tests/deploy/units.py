"""What a systemd unit in deploy/systemd/ tells systemd to run: its command line, environment,
working directory and stop timeout, read the way systemd reads them (systemd.unit(5),
systemd.service(5), systemd.exec(5)) for the syntax those manifests use. Anything else (a
specifier, a `$` or a command prefix this reader does not implement) is refused, so the
manifests cannot drift into what the tests would start differently from systemd."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

# A process whose unit does not say otherwise: systemd's DefaultTimeoutStopSec.
DEFAULT_STOP_SECONDS = 90.0
# systemd.service(5): "clean" exits besides status 0, for any service.
CLEAN_SIGNALS = frozenset({1, 2, 13, 15})  # SIGHUP, SIGINT, SIGPIPE, SIGTERM
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class UnitSyntaxError(ValueError):
    """A line of a unit or environment file that this reader will not guess about."""


@dataclass(frozen=True)
class Unit:
    """One unit file: its sections as (key, value) lines in file order, repeats kept."""

    file_name: str
    sections: Mapping[str, tuple[tuple[str, str], ...]]

    def values(self, section: str, key: str) -> list[str]:
        return [value for k, value in self.sections.get(section, ()) if k == key]

    def value(self, section: str, key: str, default: str | None = None) -> str | None:
        """The last assignment wins, as in systemd."""
        found = self.values(section, key)
        return found[-1] if found else default

    def words(self, section: str, key: str) -> list[str]:
        """A list-valued key (Wants=, After=, ...): every assignment's words."""
        return [word for value in self.values(section, key) for word in value.split()]


@dataclass(frozen=True)
class Process:
    """A unit instance as a process to start: what the test runs for systemd."""

    unit: str
    kind: str  # Type=
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    stop_seconds: float


def parse_unit(file_name: str, text: str) -> Unit:
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.endswith("\\"):
            raise UnitSyntaxError(f"{file_name}:{number}: continuation lines are not read here")
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, equals, value = line.partition("=")
        if not equals or current is None:
            raise UnitSyntaxError(f"{file_name}:{number}: not a key=value in a section: {raw}")
        current.append((key.strip(), value.strip()))
    return Unit(file_name, {name: tuple(lines) for name, lines in sections.items()})


def parse_env_file(name: str, text: str) -> dict[str, str]:
    """KEY=VALUE lines, `#` and `;` comments, a value in double or single quotes taken
    without them (double quotes: backslash escapes `"` and `\\`)."""
    env: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        key, equals, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not equals or not ENV_NAME.fullmatch(key) or value.endswith("\\"):
            raise UnitSyntaxError(f"{name}:{number}: not a KEY=VALUE line: {raw}")
        env[key] = _unquoted(value, f"{name}:{number}")
    return env


def _unquoted(value: str, where: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\([\"\\])", r"\1", value[1:-1])
    if value and value[0] in "\"'":
        raise UnitSyntaxError(f"{where}: an unclosed quote")
    return value


def load_units(folder: Path) -> dict[str, Unit]:
    suffixes = {".service", ".timer", ".target"}
    return {
        path.name: parse_unit(path.name, path.read_text())
        for path in sorted(folder.iterdir())
        if path.suffix in suffixes
    }


def template_of(unit_name: str) -> tuple[str, str | None]:
    """`omni-api@8001.service` -> (`omni-api@.service`, `8001`); no instance: (name, None)."""
    stem, dot, suffix = unit_name.rpartition(".")
    prefix, at, instance = stem.partition("@")
    if not at:
        return unit_name, None
    return f"{prefix}@{dot}{suffix}", instance


def specifiers(unit_name: str, text: str) -> str:
    """%i, %I, %n, %N, %p and %%: the ones a template needs; any other is refused."""
    _, instance = template_of(unit_name)
    stem = unit_name.rpartition(".")[0]
    known = {
        "i": instance or "",
        "I": instance or "",  # instances here are plain words: nothing to unescape
        "n": unit_name,
        "N": stem,
        "p": stem.partition("@")[0],
        "%": "%",
    }

    def expand(match: re.Match[str]) -> str:
        letter = match.group(1)
        if letter not in known:
            raise UnitSyntaxError(f"{unit_name}: specifier %{letter} is not read here")
        return known[letter]

    return re.sub(r"%(.)", expand, text)


def environment_assignments(unit_name: str, value: str) -> dict[str, str]:
    """One Environment= line: space-separated KEY=VALUE words, each may be quoted."""
    assignments = {}
    for word in shlex.split(specifiers(unit_name, value)):
        key, equals, setting = word.partition("=")
        if not equals or not ENV_NAME.fullmatch(key):
            raise UnitSyntaxError(f"{unit_name}: Environment={value} is not KEY=VALUE")
        assignments[key] = setting
    return assignments


def command_line(unit_name: str, value: str) -> list[str]:
    if (value and value[0] in "-@:+!") or "$" in value:
        raise UnitSyntaxError(f"{unit_name}: ExecStart={value}: prefixes and $ are not read here")
    return shlex.split(specifiers(unit_name, value))


def process_of(
    units: Mapping[str, Unit],
    unit_name: str,
    on_this_machine: Callable[[str], str],
    base_env: Mapping[str, str],
) -> Process:
    """What systemd would run for `unit_name`: Environment= and EnvironmentFile= in file
    order (a later assignment wins), specifiers expanded. `on_this_machine` maps a host path
    named in the unit or its environment to where that file is here."""
    template, _ = template_of(unit_name)
    unit = units[template]
    env = dict(base_env)
    for key, value in unit.sections.get("Service", ()):
        if key == "Environment":
            env |= environment_assignments(unit_name, value)
        elif key == "EnvironmentFile":
            optional, path = value.startswith("-"), specifiers(unit_name, value.lstrip("-"))
            local = Path(on_this_machine(path))
            if local.exists() or not optional:
                env |= parse_env_file(path, local.read_text())
    starts = unit.values("Service", "ExecStart")
    if len(starts) != 1:
        raise UnitSyntaxError(f"{unit_name}: one ExecStart= expected, found {len(starts)}")
    argv = command_line(unit_name, starts[0])
    return Process(
        unit=unit_name,
        kind=unit.value("Service", "Type", "simple") or "simple",
        argv=[on_this_machine(argv[0]), *argv[1:]],
        env={key: on_this_machine(value) for key, value in env.items()},
        cwd=Path(on_this_machine(unit.value("Service", "WorkingDirectory", "/") or "/")),
        stop_seconds=_seconds(unit.value("Service", "TimeoutStopSec"), DEFAULT_STOP_SECONDS),
    )


def _seconds(value: str | None, default: float) -> float:
    if value is None:
        return default
    match = re.fullmatch(r"(\d+)(s|min)?", value)
    if match is None:
        raise UnitSyntaxError(f"a timeout of {value!r} is not read here")
    return float(match.group(1)) * (60 if match.group(2) == "min" else 1)


def exited_cleanly(returncode: int) -> bool:
    """Status 0, or ended by one of the signals systemd counts as clean."""
    return returncode == 0 or -returncode in CLEAN_SIGNALS


@dataclass(frozen=True)
class StartPlan:
    """How a target comes up: the oneshots others require run to their end first, then the
    long-running services start together; what its timers start runs once they are up."""

    first: list[str]
    services: list[str]
    timers: list[str]
    timed: list[str]

    @property
    def every_unit(self) -> list[str]:
        return [*self.first, *self.services, *self.timers, *self.timed]


def start_plan(units: Mapping[str, Unit], target: str) -> StartPlan:
    wanted = units[target].words("Unit", "Wants")
    timers = [name for name in wanted if name.endswith(".timer")]
    services = [name for name in wanted if name.endswith(".service")]
    timed = [name for timer in timers for name in units[timer].words("Timer", "Unit")]
    required = [
        name
        for service in services + timed
        for name in units[template_of(service)[0]].words("Unit", "Requires")
    ]
    return StartPlan(
        first=list(dict.fromkeys(required)),
        services=services,
        timers=timers,
        timed=timed,
    )
