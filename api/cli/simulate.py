"""`omni simulate`: the command line's side of the simulator. It decides which server to drive
(the one `omni serve` runs, one named by --url, or a private one it starts on a simulated
clock), mints the development tokens the simulated people carry, and writes the report under
the data folder. The simulation itself (`simulate/`) is a client of the API only."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console

from adapters.nats.server import NatsServer
from adapters.postgres.database import Database, server_for
from adapters.postgres.pool import connect
from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole, TokenService
from api.cli.reference import Refused
from api.cli.report import report_data
from domain.values import Channel
from simulate.client import Api, Minter
from simulate.display import Display
from simulate.mailbox import Mailbox
from simulate.render import to_terminal, write_files
from simulate.report import build_report, report_days
from simulate.run import Options, Outcome, simulate
from simulate.server import answers, free_port, private_server, side_process
from simulate.shared import orders_on, refusal
from simulate.voice import POINT_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
DAY = 24 * 3600


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "simulate", help="drive a simulated omnichannel day through the API, then report"
    )
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument(
        "--speed",
        type=float,
        default=720.0,
        help="seconds of business time per real second (720: 12 min a second)",
    )
    parser.add_argument("--seed", type=int, default=1, help="the same seed plays the same plan")
    parser.add_argument("--url", help="drive this server (default: omni serve's, if it runs)")
    parser.add_argument(
        "--own-server",
        action="store_true",
        help="start a private server on a simulated clock, even if one runs",
    )
    parser.add_argument("--keep", action="store_true", help="keep the private server's schema")
    parser.add_argument(
        "--allow-shared",
        action="store_true",
        help="drive a server that already has orders (its pickers work only their own)",
    )
    parser.add_argument("--out", type=Path, help="the report's folder")  # fmt: skip


def run_simulation(settings: Settings, args: argparse.Namespace, env: Mapping[str, str]) -> int:
    if args.customers < 8:
        sys.exit("--customers: at least 8, so that every kind of journey happens")
    run = format(int(time.time()), "x")
    out = args.out or settings.data_path / "simulations" / run
    console = Console()
    return asyncio.run(_simulate(settings, args, env, run, out, console))


async def _simulate(
    settings: Settings, args: argparse.Namespace, env: Mapping[str, str], run: str, out: Path,
    console: Console,
) -> int:  # fmt: skip
    options = Options(
        customers=args.customers, speed=args.speed, seed=args.seed, run=run,
        points_per_unit=settings.loyalty_points_per_unit,
        point_value=settings.loyalty_point_value,
        questions={"pickup": settings.survey_after_pickup, "return": settings.survey_after_return,
                   "till_sale": settings.survey_after_till_sale},
    )  # fmt: skip
    url = args.url or f"http://{settings.host}:{settings.port}"
    if not args.own_server and (args.url or await answers(url)):
        if not args.allow_shared:
            await _refuse_if_shared(url, settings)
        console.print(f"driving the server at {url}")
        # The manager's report reads the database: known for `omni serve`'s, not another's.
        schema = None if args.url else settings.database_schema
        return await _drive(url, settings, options, out, console, schema)
    schema = f"sim_{run}"
    console.print(f"starting a private server on a simulated clock (schema {schema}) ...")
    nats = NatsServer(out / "nats")
    try:
        with Mailbox() as mailbox:
            await asyncio.to_thread(nats.start)
            port = free_port()
            environment = {
                **_environment(settings, env, schema, options),
                **_outbox_and_mail(nats.url, mailbox.port, port, options),
            }
            async with (
                private_server(environment, out / "server.log", port) as base,
                side_process(environment, out / "notify.log", "notify", "run"),
            ):
                return await _drive(base, settings, options, out, console, schema, mailbox)
    finally:
        nats.stop()
        if not args.keep:
            await _drop_schema(settings, schema)


async def _refuse_if_shared(url: str, settings: Settings) -> None:
    api = Api(url, _minter(settings))
    try:
        orders = await orders_on(api, api.token("admin", "sim-head-office"))
    finally:
        await api.close()
    if orders:
        raise Refused(refusal(url, orders))


async def _drive(
    base: str, settings: Settings, options: Options, out: Path, console: Console,
    schema: str | None, mailbox: Mailbox | None = None,
) -> int:  # fmt: skip
    api = Api(base, _minter(settings))
    admin = api.token("admin", "sim-head-office")
    try:
        with Display(console) as display:
            outcome = await simulate(api, admin, options, display, mailbox)
        manager = await _manager_report(settings, schema, outcome, options.time_zone)
        report = await build_report(api, admin, outcome, options.time_zone, manager)
    finally:
        await api.close()
    if manager is None:
        report.notes.append(
            "No manager's report: the server's database is not this command's to read; run "
            "`omni report` where it is."
        )
    to_terminal(report, console)
    html, data = write_files(report, out)
    console.print(f"report: {html}  (figures as JSON: {data})")
    return 0 if report.all_equal and not outcome.tally.errors else 1


async def _manager_report(
    settings: Settings, schema: str | None, outcome: Outcome, time_zone: str
) -> dict[str, Any] | None:
    """The chain's manager's report over the report's days, as `omni report --json` reads it."""
    if schema is None:
        return None
    first, last = report_days(outcome)
    database = await Database.open(settings, schema=schema)
    try:
        return await report_data(database, None, first, last, time_zone)
    finally:
        await database.close()


def _minter(settings: Settings) -> Minter:
    tokens = TokenService(*settings.secret_keys)

    def mint(
        role: str,
        subject: str,
        stores: tuple[str, ...],
        staff_role: str | None,
        channel: str | None,
    ) -> str:
        principal = Principal(
            role=Role(role),
            subject=subject,
            stores=stores,
            staff_role=StaffRole(staff_role) if staff_role else None,
            expires_at=int(time.time()) + DAY,
            channel=Channel(channel) if channel else None,
        )
        return tokens.mint(principal)

    return mint


def _environment(
    settings: Settings, env: Mapping[str, str], schema: str, options: Options
) -> dict[str, str]:
    """The private server: its own schema, the demo, a clock that starts 31 days before today
    at 09:00 and runs `speed` times faster, rules fired every 0.2 s, the loyalty rules the
    simulator counts with."""
    zone = ZoneInfo(options.time_zone)
    today = datetime.now(zone).date()
    start = datetime.combine(today - timedelta(days=31), datetime.min.time(), zone) + timedelta(
        hours=9
    )
    return {
        **env,
        "PYTHONPATH": str(ROOT),
        "OMNI_DATA_DIR": str(settings.data_path.resolve()),
        "OMNI_DATABASE_SCHEMA": schema,
        "OMNI_SEED_DEMO": "true",
        "OMNI_DEMO_HISTORY_DAYS": "0",  # the figures compared are the simulation's own
        "OMNI_RUN_PROJECTIONS": "true",
        "OMNI_RUN_SCHEDULER": "true",
        "OMNI_SCHEDULER_INTERVAL": "0.2",
        "OMNI_POLL_INTERVAL": "0.5",
        "OMNI_CLOCK_START": start.isoformat(),
        "OMNI_CLOCK_SPEED": str(options.speed),
        # The loyalty rule the simulator mirrors (simulate/points.py), the server's too; the
        # point's value comes from the same environment (settings refuse it set as text today).
        "OMNI_LOYALTY_POINTS_PER_UNIT": str(options.points_per_unit),
    }


def _outbox_and_mail(nats_url: str, smtp_port: int, port: int, options: Options) -> dict[str, str]:
    """The outbox on the simulation's NATS server; the notifier's mail to the customers'
    mailbox; links to the private server; the questions the simulator expects."""
    return {
        "NATS_URL": nats_url,
        "OMNI_RUN_OUTBOX": "true",
        "OMNI_SMTP_HOST": "127.0.0.1",
        "OMNI_SMTP_PORT": str(smtp_port),
        "OMNI_SMTP_STARTTLS": "false",
        "OMNI_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **{POINT_SETTINGS[point]: question for point, question in options.questions.items()},
    }


async def _drop_schema(settings: Settings, schema: str) -> None:
    dsn, _ = server_for(settings)
    connection = await connect(dsn)
    try:
        await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    finally:
        await connection.close()
