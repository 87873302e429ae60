"""python -m bench [append|codec|load|projections|api|all ...] [--seconds S]"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
from datetime import UTC, datetime

from adapters.settings import Settings

NAMES = ("append", "codec", "load", "projections", "api")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", default=["all"])
    parser.add_argument("--seconds", type=float, default=3.0, help="per timed run")
    args = parser.parse_args()
    names = NAMES if "all" in args.names else args.names
    unknown = set(names) - set(NAMES)
    if unknown:
        parser.error(f"unknown benchmark {sorted(unknown)}; choose from {NAMES}")
    settings = Settings.from_env(os.environ)
    where = "DATABASE_URL" if settings.database_url else "embedded PostgreSQL"
    print(
        f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {where}"
    )
    for name in names:
        module = __import__(f"bench.{name}", fromlist=["run"])
        for line in asyncio.run(module.run(settings, args.seconds)):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
