"""Where the CPU went during a benchmark: seconds of CPU (user + system) used by a process and
its descendants, read from Linux's /proc, so PostgreSQL's backends count with their server."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # gone
        return None
    # The command name (field 2) may hold spaces: the fields after it follow its ')'.
    return text[text.rindex(")") + 2 :].split()


def descendants(root: int) -> set[int]:
    """`root` and every process below it, now."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    family, grew = {root}, True
    while grew:
        below = {pid for pid, parent in parents.items() if parent in family}
        grew = not below <= family
        family |= below
    return family


def cpu_seconds(pids: Iterable[int]) -> dict[int, float]:
    """Each living process's CPU seconds so far (user + system: fields 14 and 15)."""
    used = {}
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            used[pid] = (int(fields[11]) + int(fields[12])) / TICKS
    return used


def cpu_clock_seconds(pid: int) -> float:
    """A process's CPU seconds so far, all its threads, to the nanosecond: its CPU-time clock
    (clock_getcpuclockid's `((~pid) << 3) | 2`), where /proc's stat counts 10 ms ticks."""
    return time.clock_gettime(((~pid) << 3) | 2)


def process_started_with(*arguments: str) -> int:
    """The process whose command line holds `arguments` in a row."""
    wanted = "\0".join(arguments).encode() + b"\0"
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if wanted in command:
            return int(entry.name)
    raise LookupError(f"no process started with {arguments}")


def machine_busy_seconds() -> float:
    """CPU seconds the machine's cores have spent running anything: user, nice, system, irq
    and softirq (not idle, not waiting on I/O, not stolen by a hypervisor)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = fields[:7]
    return (user + nice + system + irq + softirq) / TICKS


class CpuMeter:
    """CPU used by named process trees between `start()` and `stop()`: a process that started
    meanwhile counts from zero; one that ended meanwhile is lost (its share is small here).
    `stop()` also says what the rest of the machine used ("everything else": on a shared
    machine, other people's work)."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots
        self._before: dict[str, dict[int, float]] = {}
        self._busy = self._own = self._started = 0.0

    def start(self) -> None:
        self._before = {name: cpu_seconds(descendants(pid)) for name, pid in self.roots.items()}
        self._busy = machine_busy_seconds()
        self._own = time.process_time()
        self._started = time.perf_counter()

    def stop(self) -> dict[str, float]:
        """CPU seconds per second of the window: each tree's, this process's ("load
        generator"), and the rest of the machine's."""
        elapsed = time.perf_counter() - self._started
        used = {"load generator": time.process_time() - self._own}
        for name, pid in self.roots.items():
            now = cpu_seconds(descendants(pid))
            before = self._before.get(name, {})
            used[name] = sum(seconds - before.get(p, 0.0) for p, seconds in now.items())
        busy = machine_busy_seconds() - self._busy
        used["everything else"] = max(busy - sum(used.values()), 0.0)
        return {name: seconds / elapsed for name, seconds in used.items()}
