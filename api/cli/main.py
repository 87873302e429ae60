"""The `omni` command line: its commands, each in a module of this package."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path

from adapters.catalog_files import CatalogFileError
from adapters.settings import Settings, StartupError
from api.auth import Role, StaffRole
from api.cli import database
from api.cli import projections as read_models
from api.cli.dead_letters import add_command as add_dead_letters_command
from api.cli.outbox import add_commands as add_outbox_commands
from api.cli.reference import Refused, catalog_import, mint_token
from api.cli.report import add_command as add_report_command
from api.cli.serve import serve as run_service
from api.cli.simulate import add_command as add_simulate_command
from api.cli.simulate import run_simulation
from api.server.projection_worker import run_projection_worker
from domain.values import SHOPPER_CHANNELS


def main(argv: list[str] | None = None) -> int:
    """A setting, a database or a file that cannot be used is one sentence on stderr and
    exit status 1, never a traceback: what to fix is all the operator needs."""
    parser = _parser()
    args, passed_on = parser.parse_known_args(argv)
    if passed_on and not getattr(args, "passes_on", False):
        parser.error(f"unrecognized arguments: {' '.join(passed_on)}")
    args.passed_on = passed_on
    try:
        settings = Settings.from_env(os.environ)
        return int(args.handler(settings, args) or 0)
    except (StartupError, CatalogFileError, Refused) as refusal:
        print(refusal, file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omni", description="omnicommerce command line")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the service (embedded PostgreSQL by default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="API processes sharing the port (SO_REUSEPORT, Linux) beside one projection worker",
    )
    serve.set_defaults(handler=run_service)

    commands.add_parser("migrate", help="apply pending schema migrations").set_defaults(
        handler=lambda s, a: asyncio.run(database.migrate(s))
    )
    commands.add_parser("tick", help="fire the time-driven rules that are due").set_defaults(
        handler=lambda s, a: asyncio.run(database.tick(s))
    )

    db = commands.add_parser("db", help="database information").add_subparsers(
        required=True, metavar="WHAT"
    )
    db.add_parser("url", help="print the connection string").set_defaults(
        handler=lambda s, a: asyncio.run(database.db_url(s))
    )
    db.add_parser("status", help="migrations and event store head").set_defaults(
        handler=lambda s, a: asyncio.run(database.db_status(s))
    )
    db.add_parser(
        "rewrap-keys",
        help="rotate the master key: rewrap every data key with OMNI_MASTER_KEY (the old one "
        "in OMNI_PREVIOUS_MASTER_KEYS)",
    ).set_defaults(handler=lambda s, a: asyncio.run(database.rewrap_keys(s)))

    token = commands.add_parser("token", help="mint a development token")
    token.add_argument("role", choices=[r.value for r in Role])
    token.add_argument("subject", help="customer id, staff id, POS terminal id, or admin name")
    token.add_argument("--stores", default="", help="comma-separated stores (staff, pos)")
    token.add_argument("--staff-role", choices=[r.value for r in StaffRole], default="picker")
    token.add_argument(
        "--channel",
        choices=sorted(c.value for c in SHOPPER_CHANNELS),
        help="the sales channel of the app the token is for (guest, customer); without it, "
        "their writes count as unknown",
    )
    token.add_argument("--days", type=float, default=30)
    token.set_defaults(handler=lambda s, a: asyncio.run(mint_token(s, a)))

    projections = commands.add_parser("projections", help="read models").add_subparsers(
        required=True, metavar="WHAT"
    )
    projections.add_parser("status", help="position, lag and state of each").set_defaults(
        handler=lambda s, a: asyncio.run(read_models.status(s))
    )
    projections.add_parser(
        "run", help="a projection worker: keep every read model live until interrupted"
    ).set_defaults(handler=lambda s, a: asyncio.run(run_projection_worker(s)))
    rebuild = projections.add_parser("rebuild", help="replay into fresh tables and swap")
    rebuild.add_argument("name")
    rebuild.set_defaults(handler=lambda s, a: asyncio.run(read_models.rebuild_one(s, a.name)))
    add_dead_letters_command(projections)  # dead-letters [NAME] | retry | skip

    catalog = commands.add_parser("catalog", help="reference data").add_subparsers(
        required=True, metavar="WHAT"
    )
    load = catalog.add_parser("import", help="load products, locations and customers (CSV or JSON)")
    load.add_argument("--products", type=Path)
    load.add_argument("--locations", type=Path)
    load.add_argument("--customers", type=Path)
    load.add_argument("--staff", type=Path, help="staff_id, stores (A;B), staff_role, pin")
    load.set_defaults(handler=lambda s, a: asyncio.run(catalog_import(s, a)))

    add_outbox_commands(commands)  # outbox status|run, notify run (outbox.py)

    add_report_command(commands)  # report (report.py)
    add_simulate_command(commands)  # simulate (simulate.py)
    commands.choices["simulate"].set_defaults(
        handler=lambda s, a: run_simulation(s, a, dict(os.environ))
    )

    # Everything after `bench`, --help included, is bench's own command line (bench/__main__.py).
    bench = commands.add_parser(
        "bench", help="run benchmarks: omni bench --list, omni bench NAME...", add_help=False
    )
    bench.set_defaults(handler=_bench, passes_on=True)
    return parser


def _bench(settings: Settings, args: argparse.Namespace) -> int:
    """`python -m bench` with the same arguments, in a process of its own."""
    return subprocess.call([sys.executable, "-m", "bench", *args.passed_on])
