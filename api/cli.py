"""The `omni` command line."""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import sys
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from adapters.catalog_files import CatalogFileError
from adapters.postgres.database import Database, require_usable
from adapters.postgres.migrate import applied_migrations, available_migrations
from adapters.settings import Settings, StartupError
from api.auth import Principal, Role, StaffRole, TokenService
from api.dead_letters_cli import add_command as add_dead_letters_command
from api.outbox_cli import add_commands as add_outbox_commands
from api.reference_cli import Refused, catalog_import, mint_token
from api.simulate_cli import add_command as add_simulate_command
from api.simulate_cli import run_simulation

DAY = 24 * 3600


def main(argv: list[str] | None = None) -> int:
    """A setting, a database or a file that cannot be used is one sentence on stderr and
    exit status 1, never a traceback: what to fix is all the operator needs."""
    args = _parser().parse_args(argv)
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
    serve.set_defaults(handler=_serve)

    commands.add_parser("migrate", help="apply pending schema migrations").set_defaults(
        handler=lambda s, a: asyncio.run(_migrate(s))
    )
    commands.add_parser("tick", help="fire the time-driven rules that are due").set_defaults(
        handler=lambda s, a: asyncio.run(_tick(s))
    )

    db = commands.add_parser("db", help="database information").add_subparsers(
        required=True, metavar="WHAT"
    )
    db.add_parser("url", help="print the connection string").set_defaults(
        handler=lambda s, a: asyncio.run(_db_url(s))
    )
    db.add_parser("status", help="migrations and event store head").set_defaults(
        handler=lambda s, a: asyncio.run(_db_status(s))
    )

    token = commands.add_parser("token", help="mint a development token")
    token.add_argument("role", choices=[r.value for r in Role])
    token.add_argument("subject", help="customer id, staff id, POS terminal id, or admin name")
    token.add_argument("--stores", default="", help="comma-separated stores (staff, pos)")
    token.add_argument("--staff-role", choices=[r.value for r in StaffRole], default="picker")
    token.add_argument("--days", type=float, default=30)
    token.set_defaults(handler=lambda s, a: asyncio.run(mint_token(s, a)))

    projections = commands.add_parser("projections", help="read models").add_subparsers(
        required=True, metavar="WHAT"
    )
    projections.add_parser("status", help="position, lag and state of each").set_defaults(
        handler=lambda s, a: asyncio.run(_projections_status(s))
    )
    projections.add_parser(
        "run", help="a projection worker: keep every read model live until interrupted"
    ).set_defaults(handler=lambda s, a: asyncio.run(_projections_run(s)))
    rebuild = projections.add_parser("rebuild", help="replay into fresh tables and swap")
    rebuild.add_argument("name")
    rebuild.set_defaults(handler=lambda s, a: asyncio.run(_rebuild(s, a.name)))
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

    add_outbox_commands(commands)  # outbox status|run, notify run (api/outbox_cli.py)

    add_simulate_command(commands)  # simulate (api/simulate_cli.py)
    commands.choices["simulate"].set_defaults(
        handler=lambda s, a: run_simulation(s, a, dict(os.environ))
    )

    bench = commands.add_parser("bench", help="run benchmarks (see bench/)")
    bench.add_argument("names", nargs="*", default=["all"])
    bench.set_defaults(handler=_bench)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    """Start quietly, then say where everything is, last, so it is what a newcomer reads."""
    from api.app import check_settings
    from api.logs import configure

    check_settings(settings)
    log_file = configure(settings.data_path, log_format=settings.log_format)
    host, port = args.host or settings.host, args.port or settings.port
    if settings.database_url is None:
        print(
            f"starting the embedded PostgreSQL in {settings.data_path / 'postgres'} "
            f"(its log: {log_file})",
            flush=True,
        )
    asyncio.run(require_usable(settings))  # a wrong DATABASE_URL: one sentence, not a server
    if args.workers > 1:
        from api.workers import supervise

        welcome = functools.partial(_print_welcome, settings, host, port, args.workers)
        sys.exit(asyncio.run(supervise(settings, args.workers, host, port, welcome)))
    run_on_fastest_loop(_run_server(settings, host, port))


def run_on_fastest_loop(main: Coroutine[Any, Any, None]) -> None:
    """On uvloop where it is installed, as uvicorn's own command line does: under addToCart
    load the default loop's socket writes alone took 12% of the server's CPU."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


async def _run_server(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from api.app import create_app, tune_garbage_collector

    app = create_app(settings)
    tune_garbage_collector()
    # With JSON logs, uvicorn's lines go through ours rather than its own console format.
    logging_setup = None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            log_config=logging_setup,
        )
    )
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if server.started:
        _print_welcome(settings, host, port)
    await serving
    if not server.started:
        raise SystemExit(3)  # uvicorn said why; its own command line exits 3 too


def _print_welcome(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    tokens = TokenService(*settings.secret_keys)
    expires = int(time.time() + 30 * DAY)
    samples = {
        "customer cust-ada": Principal(role=Role.CUSTOMER, subject="cust-ada", expires_at=expires),
        "staff at AMS-CENTRAAL": Principal(
            role=Role.STAFF,
            subject="staff-bo",
            stores=("AMS-CENTRAAL",),
            staff_role=StaffRole.MANAGER,
            expires_at=expires,
        ),
        "POS till-1 at AMS-CENTRAAL": Principal(
            role=Role.POS, subject="till-1", stores=("AMS-CENTRAAL",), expires_at=expires
        ),
        "admin": Principal(role=Role.ADMIN, subject="admin", expires_at=expires),
    }
    print(f"\nomnicommerce is serving on http://{host}:{port} (Ctrl-C stops)")
    if workers > 1:
        print(f"  processes: {workers} API workers on the port, 1 projection worker")
    print(f"  GraphiQL:  http://{host}:{port}/graphql")
    print(f"  health:    http://{host}:{port}/health    metrics: /metrics")
    print("  REST:      POST /pos/sync for offline tills; its schema: /schema/openapi.json")
    print(
        f"  live:      ws://{host}:{port}/graphql (graphql-transport-ws; the token goes in "
        'connection_init: {"Authorization": "Bearer <token>"})'
    )
    print("  tokens (header 'Authorization: Bearer <token>'; guests get one from startCart):")
    for label, principal in samples.items():
        print(f"    {label:28} {tokens.mint(principal)}")
    print("  staff pages (paste the staff token, or store AMS-CENTRAAL, staff-bo, PIN 1234):")
    print(f"    pickup board: http://{host}:{port}/staff")
    print(f"    dashboard:    http://{host}:{port}/staff/dashboard")
    print(flush=True)


async def _migrate(settings: Settings) -> None:
    database = await Database.open(settings, schema=settings.database_schema)  # opening migrates
    async with database.pool.acquire() as connection:
        print(f"schema at version {max(await applied_migrations(connection), default=0)}")
    await database.close()


async def _db_url(settings: Settings) -> None:
    database = await Database.open(settings, schema=settings.database_schema)
    print(database.dsn)
    await database.close()


async def _db_status(settings: Settings) -> None:
    database = await Database.open(settings, schema=settings.database_schema)
    async with database.pool.acquire() as connection:
        applied = await applied_migrations(connection)
    print(f"database: {database.dsn}")
    print(f"migrations applied: {applied} of {[v for v, _, _ in available_migrations()]}")
    print(f"health: {await database.health()}")
    await database.close()


async def _tick(settings: Settings) -> None:
    from api.app import build_services
    from api.scheduler import tick

    services = await build_services(settings, settings.database_schema)
    database = services.database
    report = await tick(database.pool, services.service, services.clock, database.upkeep)
    created = f", event partitions created {report.partitions_created}"
    print(f"fired {report.fired}, refused {report.refused}{created if database.partitions else ''}")
    await services.database.close()


async def _projections_status(settings: Settings) -> None:
    from projections.catalog import all_projections
    from projections.supervisor import projection_status

    database = await Database.open(settings, schema=settings.database_schema)
    names = [p.name for p in all_projections()]
    print(
        f"{'projection':20} {'state':9} {'position':>16} {'lag events':>11} {'lag s':>8} "
        f"{'parked':>6}"
    )
    for s in await projection_status(database.pool, names):
        print(
            f"{s.name:20} {s.state:9} {s.position:>16} {s.lag_events:>11} "
            f"{s.lag_seconds:>8.1f} {s.parked_streams:>6}  {s.error or ''}"
        )
    await database.close()


async def _projections_run(settings: Settings) -> None:
    """Run the read models in a process of their own, so API processes (started with
    OMNI_RUN_PROJECTIONS=false) spend no CPU on them; a second worker stands by for failover."""
    import logging
    import signal

    from api.app import projection_supervisor

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    database = await Database.open(settings, schema=settings.database_schema)
    supervisor = projection_supervisor(database, settings)
    await supervisor.prepare()
    await supervisor.follow_other_processes()  # and operators' retries and skips
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    supervisor.start()
    print(f"projection worker running: {', '.join(supervisor.runners)} (Ctrl-C stops)")
    await stop.wait()
    await supervisor.stop()
    await database.close()


async def _rebuild(settings: Settings, name: str) -> None:
    from projections.catalog import all_projections
    from projections.rebuild import print_progress_bar, rebuild

    chosen = [p for p in all_projections() if p.name == name]
    if not chosen:
        sys.exit(f"no projection {name!r}; known: {[p.name for p in all_projections()]}")
    database = await Database.open(settings, schema=settings.database_schema)
    progress = await rebuild(database.store, chosen[0], print_progress_bar)
    print(f"\nrebuilt {name}: {progress.done:,} events at {progress.rate:,.0f}/s, swapped in")
    await database.close()


def _bench(settings: Settings, args: argparse.Namespace) -> int:
    import subprocess

    return subprocess.call([sys.executable, "-m", "bench", *args.names])


if __name__ == "__main__":
    sys.exit(main())
