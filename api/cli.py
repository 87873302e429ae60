"""The `omni` command line: serve, migrate, db."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from adapters.postgres.database import Database
from adapters.postgres.migrate import applied_migrations, available_migrations
from adapters.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings.from_env(os.environ)
    return int(args.handler(settings, args) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omni", description="omnicommerce command line")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the service (embedded PostgreSQL by default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(handler=_serve)

    migrate = commands.add_parser("migrate", help="apply pending schema migrations")
    migrate.set_defaults(handler=_migrate)

    db = commands.add_parser("db", help="database information")
    db_commands = db.add_subparsers(required=True, metavar="WHAT")
    db_commands.add_parser("url", help="print the connection string").set_defaults(handler=_db_url)
    db_commands.add_parser("status", help="migrations and event store head").set_defaults(
        handler=_db_status
    )
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    from api.app import create_app

    host, port = args.host or settings.host, args.port or settings.port
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


def _migrate(settings: Settings, _: argparse.Namespace) -> None:
    async def run() -> None:
        database = await Database.open(settings)  # opening migrates
        async with database.pool.acquire() as connection:
            print(f"schema at version {max(await applied_migrations(connection), default=0)}")
        await database.close()

    asyncio.run(run())


def _db_url(settings: Settings, _: argparse.Namespace) -> None:
    async def run() -> None:
        database = await Database.open(settings)
        print(database.dsn)
        await database.close()

    asyncio.run(run())


def _db_status(settings: Settings, _: argparse.Namespace) -> None:
    async def run() -> None:
        database = await Database.open(settings)
        async with database.pool.acquire() as connection:
            applied = await applied_migrations(connection)
        known = [version for version, _, _ in available_migrations()]
        print(f"database: {database.dsn}")
        print(f"migrations applied: {applied} of {known}")
        print(f"health: {await database.health()}")
        await database.close()

    asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
