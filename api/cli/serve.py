"""`omni serve`: the service on one process, or N API workers beside a projection worker, and
the welcome that says where everything is."""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import time
from collections.abc import Coroutine
from typing import Any

from adapters.postgres.database import require_usable
from adapters.settings import Settings
from api.auth import Principal, Role, StaffRole, TokenService
from api.server.composition import check_settings
from api.server.logs import configure
from api.server.workers import supervise
from domain.values import Channel

DAY = 24 * 3600


def serve(settings: Settings, args: argparse.Namespace) -> None:
    """Start quietly, then say where everything is, last, so it is what a newcomer reads."""
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
        welcome = functools.partial(_print_welcome, settings, host, port, args.workers)
        sys.exit(asyncio.run(supervise(settings, args.workers, host, port, welcome)))
    run_on_fastest_loop(_run_server(settings, host, port))


def run_on_fastest_loop(main: Coroutine[Any, Any, None]) -> None:
    """On uvloop where it is installed, as uvicorn's own command line does: under addToCart
    load the default loop's socket writes alone took 12% of the server's CPU."""
    try:
        import uvloop  # an optional dependency: uvicorn's "standard" extra brings it
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


async def _run_server(settings: Settings, host: str, port: int) -> None:
    # Start-up cost: only `omni serve` loads the web stack (~2 s); `omni token` does not.
    import uvicorn

    from api.server.app import create_app, tune_garbage_collector

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
        "customer cust-ada (web)": Principal(
            role=Role.CUSTOMER, subject="cust-ada", expires_at=expires, channel=Channel.WEB
        ),
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
    if settings.production:
        # Whatever a service prints lands in the journal: no credentials there.
        print("  tokens: none printed in production; `omni token ROLE SUBJECT` mints one")
    else:
        print("  tokens (header 'Authorization: Bearer <token>'; guests get one from startCart):")
        for label, principal in samples.items():
            print(f"    {label:28} {tokens.mint(principal)}")
    print("  staff pages (paste the staff token, or store AMS-CENTRAAL, staff-bo, PIN 1234):")
    print(f"    pickup board: http://{host}:{port}/staff")
    print(f"    dashboard:    http://{host}:{port}/staff/dashboard")
    print(flush=True)
