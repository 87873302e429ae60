"""python -m bench [append|codec|load|projections|api|staff-board|outbox|telemetry|scale|edge
    |personal-data|erasure|loyalty|all ...] [--seconds S] [--profile] | --list
(`omni bench ...` runs this)

projections is projection-replay and projection-lag, which also run alone;
projection-deadletters is the dead-letter comparison that projection-replay ends with.

Settings.from_env is read here and nowhere else in bench/: DATABASE_URL for a
server, otherwise the embedded PostgreSQL in the data folder. Every benchmark works in
schemas of its own and drops them. Targets are informational: the exit code is 0 whether
they are met or missed (1 only when a benchmark could not run at all).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime

from adapters.settings import Settings

NAMES = (
    "append",
    "codec",
    "load",
    "projections",
    "api",
    "staff-board",
    "outbox",
    "telemetry",
    "scale",
    "edge",
    "personal-data",
    "erasure",
    "loyalty",
)
# The issues' names for the two halves of `projections`: (module, its function).
PARTS = {
    "projection-replay": ("projections", "run_replay"),
    "projection-lag": ("projections", "run_lag"),
    "projection-deadletters": ("projections", "run_dead_letters"),
    "staff-board": ("staff_board", "run"),
    "personal-data": ("personal_data", "run"),
    "scale-replicas": ("scale_replicas", "run"),
    "checkout-points": ("checkout_points", "run"),  # the end of `api` and of `loyalty`
}


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", default=["all"], help=f"{', '.join(NAMES)} or all")
    parser.add_argument("--seconds", type=float, default=3.0, help="per timed measurement")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="append only: split ours from the raw INSERT step by step instead",
    )
    parser.add_argument(
        "--list", action="store_true", help="say what each benchmark measures, and run none"
    )
    args = parser.parse_args()
    if args.list:
        for line in listing():
            print(line)
        return 0
    names = NAMES if "all" in args.names else args.names
    unknown = set(names) - set(NAMES) - set(PARTS)
    if unknown:
        choices = (*NAMES, *PARTS)
        parser.error(f"unknown benchmark {sorted(unknown)}; choose from {choices} or all")
    settings = Settings.from_env(os.environ)
    where = "DATABASE_URL" if settings.database_url else "embedded PostgreSQL"
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {where}, --seconds {args.seconds:g}",
        flush=True,
    )
    began = time.perf_counter()
    failed = []
    for name in names:
        started = time.perf_counter()
        options = {"profile": True} if args.profile and name == "append" else {}
        try:
            module_name, function = PARTS.get(name, (name, "run"))
            module = importlib.import_module(f"bench.{module_name}")
            run = getattr(module, function)
            lines = asyncio.run(run(settings, args.seconds, **options))
        except Exception:  # noqa: BLE001 - reported, and the other benchmarks still run
            traceback.print_exc()
            failed.append(name)
            print(f"# {name}: FAILED (traceback on stderr)", flush=True)
            continue
        for line in lines:
            print(line, flush=True)
        print(f"# {name}: {time.perf_counter() - started:.0f} s", flush=True)
    if len(names) > 1:
        print(f"# total: {time.perf_counter() - began:.0f} s", flush=True)
    # A missed target is information, not a failure; a benchmark that could not run is.
    return 1 if failed else 0


def listing() -> list[str]:
    """Each benchmark and what it measures, from its module (so each module is imported)."""
    lines = []
    for name in NAMES:
        module_name = PARTS.get(name, (name, "run"))[0]
        doc = importlib.import_module(f"bench.{module_name}").__doc__ or ""
        paragraph = " ".join(doc.split("\n\n")[0].split())
        what = paragraph.partition(": ")[2] or paragraph
        lines.append(f"{name:12} {what.split('. ')[0].rstrip('.')}")
    return lines


if __name__ == "__main__":
    sys.exit(main())
