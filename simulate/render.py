"""The report three ways: a table in the terminal, a self-contained HTML page (inline CSS
and SVG charts, nothing fetched from anywhere) and JSON for machines (and the test)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from simulate.charts import hbars, page
from simulate.manager import manager_section
from simulate.report import Figure, Report


def to_terminal(report: Report, console: Console) -> None:
    table = Table(title="Read models (through the API) against what the simulator counted")
    for column, justify in (
        ("figure", "left"),
        ("read models", "right"),
        ("simulator", "right"),
        ("", "center"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for group, figures in report.by_group().items():
        table.add_section()
        table.add_row(f"[bold]{group}[/]", "", "", "")
        for f in figures:
            mark = "[green]=[/]" if f.equal else "[red]≠[/]"
            table.add_row(f"  {f.name}", f.reported, f.counted, mark)
    console.print(table)
    _timeline_to_terminal(report, console)
    for note in [*report.notes, *report.outcome.tally.errors]:
        console.print(f"[yellow]note:[/] {note}")
    equal = sum(f.equal for f in report.figures)
    colour = "green" if report.all_equal else "red"
    console.print(f"[{colour}]{equal} of {len(report.figures)} figures equal[/]")


def _timeline_to_terminal(report: Report, console: Console) -> None:
    who = report.showcase
    table = Table(title=f"The timeline of {who['firstName']} ({who['id']}), newest first")
    for column in ("when", "channel", "device", "store", "what"):
        table.add_column(column)
    for node in who["timeline"]["nodes"]:
        table.add_row(
            _local(node["at"], report.outcome.time_zone),
            node["channel"].lower(),
            node["deviceId"] or "",
            node["storeId"] or "",
            node["summary"],
        )
    console.print(table)


def to_json(report: Report) -> dict[str, Any]:
    outcome = report.outcome
    return {
        "mode": "simulated clock" if outcome.can_skip else "real clock",
        "customers": len(outcome.world.shoppers),
        "days": [day.isoformat() for day in outcome.days],
        "real_seconds": round(outcome.real_seconds, 1),
        "requests": outcome.requests,
        "figures": [
            {
                "group": f.group,
                "name": f.name,
                "reported": f.reported,
                "counted": f.counted,
                "equal": f.equal,
            }
            for f in report.figures
        ],
        "showcase": report.showcase,
        "manager": report.reported.manager,
        "notes": report.notes,
        "errors": outcome.tally.errors,
    }


def write_files(report: Report, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    html_path, json_path = folder / "report.html", folder / "report.json"
    html_path.write_text(to_html(report), encoding="utf-8")
    json_path.write_text(json.dumps(to_json(report), indent=2), encoding="utf-8")
    return html_path, json_path


def to_html(report: Report) -> str:
    outcome = report.outcome
    mode = "a simulated clock" if outcome.can_skip else "the real clock"
    intro = (
        f"{len(outcome.world.shoppers)} customers, {outcome.days[0]} to {outcome.days[1]}, on "
        f"{mode}; {outcome.requests:,} requests in {outcome.real_seconds:.0f} s. "
        f"{sum(f.equal for f in report.figures)} of {len(report.figures)} figures equal."
    )
    sections = [
        f"<p>{escape(intro)}</p>",
        _charts(report),
        _figures_table(report),
        _manager(report),
        _timeline_table(report),
        _notes(report),
    ]
    return page("omnicommerce: a simulated day", "\n".join(sections))


def _charts(report: Report) -> str:
    figures = {(f.group.split(" ")[0], f.name): f for f in report.figures}

    def rows(group: str, names: list[str]) -> list[tuple[str, float, str]]:
        picked = [figures[group, name] for name in names]
        return [(f.name.split(": ")[-1], _number(f.reported), f.reported) for f in picked]

    steps = [n for (g, n) in figures if g == "Journeys" and n.startswith("reached")]
    buying = [f"value bought on {c}" for c in ("web", "mobile", "pos")]
    recovery = ["carts abandoned", "carts recovered"]
    returns = [f"requested via {c}" for c in ("store", "web", "mail")]
    stock = [n for (g, n) in figures if g == "Stock" and n.endswith("on hand")]
    charts = [
        hbars("The funnel: journeys that reached each step", rows("Journeys", steps)),
        hbars("Journeys started per day", _per_day(report)),
        hbars("Bought per channel (EUR)", rows("Customers", buying)),
        hbars("Abandoned carts and recoveries", rows("Abandoned", recovery)),
        hbars("Returns by channel", rows("Returns", returns)),
        hbars(
            "Units on hand at the end",
            [
                (
                    n.split(":")[0],
                    _number(figures["Stock", n].reported),
                    figures["Stock", n].reported,
                )
                for n in stock
            ],
        ),
    ]
    return '<div class="charts">' + "".join(charts) + "</div>"


def _labelled(figure: Figure) -> tuple[str, float, str]:
    """A location's figure, labelled by the location."""
    return figure.name.split(":")[0], _number(figure.reported), figure.reported


def _per_day(report: Report) -> list[tuple[str, float, str]]:
    started: dict[str, int] = defaultdict(int)
    for row in report.reported.journeys:
        started[row["day"]] += sum(s["reached"] for s in row["funnel"] if s["step"] == "STARTED")
    return [(day, float(n), str(n)) for day, n in sorted(started.items()) if n]


def _figures_table(report: Report) -> str:
    body = []
    for group, figures in report.by_group().items():
        body.append(f'<tr class="group"><th colspan="4">{escape(group)}</th></tr>')
        for f in figures:
            mark = '<td class="ok">=</td>' if f.equal else '<td class="bad">≠</td>'
            body.append(
                f"<tr><td>{escape(f.name)}</td><td>{escape(f.reported)}</td>"
                f"<td>{escape(f.counted)}</td>{mark}</tr>"
            )
    head = "<tr><th>figure</th><th>read models</th><th>simulator</th><th></th></tr>"
    table = f'<table class="figures">{head}{"".join(body)}</table>'
    return f"<h2>Every figure, both ways</h2>{table}"


def _manager(report: Report) -> str:
    """The manager's report, as `omni report` draws it, after the simulator's own check."""
    manager = report.reported.manager
    if manager is None:
        return ""
    return f"<h2>The manager&#x27;s report: the chain</h2>{manager_section(manager)}"


def _timeline_table(report: Report) -> str:
    who = report.showcase
    rows = "".join(
        f"<tr><td>{escape(_local(n['at'], report.outcome.time_zone))}</td>"
        f"<td>{escape(n['channel'].lower())}"
        f"</td><td>{escape(n['deviceId'] or '')}</td><td>{escape(n['storeId'] or '')}</td>"
        f"<td>{escape(n['summary'])}</td></tr>"
        for n in who["timeline"]["nodes"]
    )
    title = f"The timeline of {who['firstName']} ({who['id']}), newest first"
    head = "<tr><th>when</th><th>channel</th><th>device</th><th>store</th><th>what</th></tr>"
    return f"<h2>{escape(title)}</h2><table>{head}{rows}</table>"


def _notes(report: Report) -> str:
    items = [*report.notes, *report.outcome.tally.errors]
    if not items:
        return ""
    return "<h2>Notes</h2><ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def _local(instant: str, zone: str) -> str:
    return f"{datetime.fromisoformat(instant).astimezone(ZoneInfo(zone)):%a %d %b %H:%M}"


def _number(value: str) -> float:
    try:
        return float(Decimal(value))
    except ArithmeticError:
        return 0.0
