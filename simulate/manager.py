"""The manager's report as a page: the funnel, click-to-collect, pickups, returns, the
customer's voice and recovered carts, drawn with the simulate report's charts (charts.py).

It takes the report as plain data (the JSON `omni report --json` writes: camelCase keys), so
`omni report` and the simulator's report draw the same page from the same figures.
"""

from __future__ import annotations

from html import escape
from typing import Any

from simulate.charts import hbars, page

Data = dict[str, Any]


def manager_page(report: Data) -> str:
    where = report["storeId"] or "the whole chain"
    title = f"Manager's report: {where}, {report['firstDay']} to {report['lastDay']}"
    return page(title, manager_section(report))


def manager_section(report: Data) -> str:
    """The figures and charts, without the page around them."""
    pickups, voice = report["pickups"], report["feedback"]
    charts = [
        hbars("Funnel: journeys reaching each step", [
            (_words(s["step"]), float(s["reached"]), _count_and_share(s["reached"],
                                                                      s["shareOfStarted"]))
            for s in report["funnel"]
        ]),
        hbars("Click-to-collect (minutes)", [
            (label, _minutes(pickups[key]) or 0.0, _shown_minutes(pickups[key]))
            for label, key in (
                ("order to ready, p50", "clickToCollectP50"),
                ("order to ready, p90", "clickToCollectP90"),
                ("order to hand-over, p50", "orderToHandOverP50"),
                ("order to hand-over, p90", "orderToHandOverP90"),
                ("arrival to hand-over, p50", "arrivalToHandOverP50"),
                ("arrival to hand-over, p90", "arrivalToHandOverP90"),
            )
        ]),
        hbars("Pickups", [
            ("placed", float(pickups["pickups"]), str(pickups["pickups"])),
            ("collected", float(pickups["collected"]), str(pickups["collected"])),
            ("no-shows", float(pickups["noShows"]), str(pickups["noShows"])),
            ("customer said I'm here", float(pickups["arrivals"]), str(pickups["arrivals"])),
        ]),
        hbars("Customer's voice: answers per question", [
            (s["question"].upper(), float(s["answered"]), f"{s['answered']} of {s['asked']}")
            for s in voice["scores"]
        ]),
    ]  # fmt: skip
    return f'<div class="charts">{"".join(charts)}</div><h2>Figures</h2>{_table(_rows(report))}'


def _rows(report: Data) -> list[tuple[str, list[tuple[str, str]]]]:
    pickups, returns, recovery = report["pickups"], report["returns"], report["recovery"]
    voice, loyalty = report["feedback"], report["loyalty"]
    return [
        ("Funnel", [(_words(s["step"]), _count_and_share(s["reached"], s["shareOfStarted"]))
                    for s in report["funnel"]]),
        ("Click-to-collect", [
            ("order to ready p50 / p90 (min)", _pair(pickups, "clickToCollect")),
            ("order to hand-over p50 / p90 (min)", _pair(pickups, "orderToHandOver")),
            ("ready within the promise", _percent(pickups["readyWithinPromise"])),
            ("arrival to hand-over p50 / p90 (min), where recorded",
             _pair(pickups, "arrivalToHandOver")),
            ("no-show rate", _percent(pickups["noShowRate"])),
        ]),
        ("Returns", [("requested", str(returns["requested"])),
                     ("refunded", str(returns["refunded"])),
                     ("cross-channel", str(returns["crossChannel"]))]),
        ("Customer's voice", [
            (f"{s['question'].upper()}", _score(s)) for s in voice["scores"]
        ] or [("surveys", "none answered")]),
        ("Recovered carts", [
            ("abandoned / recovered", f"{recovery['abandoned']} / {recovery['recovered']}"),
            ("value recovered", f"{recovery['valueRecovered']} of {recovery['valueAbandoned']}"),
        ]),
        ("Loyalty points", [
            ("earned / redeemed", f"{loyalty['earned']} / {loyalty['redeemed']}"),
            ("given back of those redeemed", str(loyalty["restored"])),
            ("reversed by refunds", str(loyalty["reversed"])),
            ("expired", "-" if loyalty["expired"] is None else str(loyalty["expired"])),
            ("customers who paid with points", str(loyalty["customersRedeeming"])),
        ]),
    ]  # fmt: skip


def _table(groups: list[tuple[str, list[tuple[str, str]]]]) -> str:
    rows = []
    for group, figures in groups:
        rows.append(f'<tr class="group"><th colspan="2">{escape(group)}</th></tr>')
        rows += [f"<tr><td>{escape(n)}</td><td>{escape(v)}</td></tr>" for n, v in figures]
    return f'<table class="figures">{"".join(rows)}</table>'


def _score(scores: Data) -> str:
    question = scores["question"]
    headline = {"csat": ("csat", "%"), "ces": ("ces", ""), "nps": ("nps", " points")}[question]
    value = scores[headline[0]]
    shown = "-" if value is None else f"{value}{headline[1]}"
    rate = _percent(scores["responseRate"])
    return f"{shown} ({scores['answered']} answers of {scores['asked']} asked, {rate})"


def _pair(pickups: Data, key: str) -> str:
    return f"{_shown_minutes(pickups[key + 'P50'])} / {_shown_minutes(pickups[key + 'P90'])}"


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def _shown_minutes(seconds: float | None) -> str:
    minutes = _minutes(seconds)
    return "-" if minutes is None else f"{minutes:.1f}"


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.1f}%"


def _count_and_share(count: int, share: float | None) -> str:
    return str(count) if share is None else f"{count} ({share * 100:.0f}%)"


def _words(step: str) -> str:
    return step.lower().replace("_", " ")
