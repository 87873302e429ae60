"""`omni report`: a manager's report for a store or the chain over a range of days, read from
the read models (projections/report_queries.py), as a page (`--out report.html`, drawn as the
simulate report draws its charts) or as JSON (`--json`, to stdout or `--out`)."""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from adapters.postgres.database import Database
from adapters.settings import Settings
from api.cli.reference import Refused
from projections.report_queries import manager_report
from simulate.manager import manager_page

MAX_DAYS = 366


def add_command(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="a manager's report for a store or the chain over a range of days",
        description="The funnel, click-to-collect p50/p90, ready within the promise, arrival "
        "to hand-over, no-shows, returns, CSAT/CES/NPS and recovered carts, from the read "
        "models.",
    )
    report.add_argument("--store", help="a store's id (default: the whole chain)")
    report.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD")
    report.add_argument(
        "--time-zone",
        default="Europe/Amsterdam",
        help="the day of what belongs to no store (carts, the chain's desk)",
    )
    report.add_argument("--json", action="store_true", help="JSON instead of a page")
    report.add_argument("--out", type=Path, help="write here (default: stdout)")
    report.set_defaults(handler=lambda s, a: asyncio.run(run_report(s, a)))


def parse_range(first: str, last: str, time_zone: str) -> tuple[date, date]:
    try:
        days = date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        raise Refused(f"--from and --to are days, YYYY-MM-DD: {first!r}, {last!r}") from None
    if days[0] > days[1]:
        raise Refused(f"--from {first} is after --to {last}")
    if (days[1] - days[0]).days >= MAX_DAYS:
        raise Refused(f"a report covers at most {MAX_DAYS} days")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Refused(f"--time-zone: no time zone {time_zone!r}") from None
    return days


async def report_data(
    database: Database, store: str | None, first: date, last: date, time_zone: str
) -> dict[str, Any]:
    """The report as JSON-ready data (camelCase keys): what `--json` prints."""
    pool = database.pool
    if store is not None:
        kind = await pool.fetchval("SELECT kind FROM locations WHERE id = $1", store)
        if kind != "store":
            raise Refused(f"--store: there is no store {store!r}")
    found = await manager_report(pool, store, first, last, time_zone, datetime.now(UTC))
    return _camel(msgspec.to_builtins(found))


async def run_report(settings: Settings, args: argparse.Namespace) -> int:
    first, last = parse_range(args.first, args.last, args.time_zone)
    database = await Database.open(settings, schema=settings.database_schema)
    try:
        data = await report_data(database, args.store, first, last, args.time_zone)
    finally:
        await database.close()
    text = json.dumps(data, indent=2) + "\n" if args.json else manager_page(data)
    if args.out is None:
        print(text, end="")
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"report: {args.out}")
    return 0


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel_key(k): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _camel_key(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.capitalize() for part in rest)
