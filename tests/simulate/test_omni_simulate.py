"""`omni simulate` end to end, as a user runs it: a small simulated day against a real server
process, and every figure of the report, read from the read models through the API, equal to
what the simulator counted from the answers to its own requests."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from adapters.settings import Settings
from bench.harness.server_process import ROOT, running_server
from tests.plan_shadow import SHADOWED_APP, read_log

SMALL_DAY = ["--customers", "12", "--speed", "8000", "--seed", "7"]


async def omni_simulate(settings: Settings, out: Path, *arguments: str) -> tuple[int, str]:
    """Run `omni simulate` in a process of its own; its exit code and output."""
    env = {**os.environ, "OMNI_DATA_DIR": settings.data_dir, "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api.cli", "simulate", *SMALL_DAY, "--out", str(out), *arguments,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 300)
    return process.returncode or 0, output.decode()


def figures(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {f"{f['group']}: {f['name']}": (f["reported"], f["counted"]) for f in report["figures"]}


@pytest.fixture(scope="module")
async def simulated_day(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, str, Path]:
    """One small day on a private server with a simulated clock, for the tests below."""
    out = tmp_path_factory.mktemp("simulated-day")
    code, output = await omni_simulate(settings, out, "--own-server")
    return code, output, out


@pytest.mark.slow
async def test_a_simulated_day_reports_what_the_simulator_counted(
    simulated_day: tuple[int, str, Path],
) -> None:
    code, output, out = simulated_day
    report = json.loads((out / "report.json").read_text())
    found = figures(report)

    assert report["errors"] == [], report["errors"]
    differing = {name: pair for name, pair in found.items() if pair[0] != pair[1]}
    assert differing == {}, output
    assert code == 0 and f"{len(found)} of {len(found)} figures equal" in output
    assert report["mode"] == "simulated clock" and len(found) >= 40
    for name in (
        "Journeys (a cart's life), all channels: reached: collected",
        "Journeys (a cart's life), all channels: cross-channel journeys",
        "Journeys (a cart's life), all channels: no-shows",
        "Abandoned carts and recovery: carts recovered",
        "Returns: requested via store",
        "Returns: requested via web",
        "Returns: requested via mail",
        "Customers (the single customer view's headers): customers who bought on 2+ channels",
        "Manager's report (omni report), the chain: pickups collected",
        "Manager's report (omni report), the chain: no-shows",
        "Manager's report (omni report), the chain: carts recovered",
    ):
        assert int(found[name][1]) > 0, name  # the day had every kind of business
    # Customers earned points, paid with them at a till and at a web checkout, refunds took
    # some back, and a no-show and a refund gave points paid with back: each customer's
    # `me { loyalty }` and the manager's report equal the simulator's mirror of the rules
    # (compared above), and none of them is zero.
    points = "Loyalty points (each customer's me { loyalty }): "
    manager = "Manager's report (omni report), the chain: "
    for name in (
        f"{points}points earned",
        f"{points}points redeemed at checkouts",
        f"{points}points redeemed at tills",
        f"{points}points reversed",
        f"{points}points restored",  # a no-show and a refund of a pickup paid with points
        f"{points}points balance",
        f"{points}customers who paid with points",
        f"{manager}points earned",
        f"{manager}points redeemed",
        f"{manager}points reversed",
        f"{manager}customers who paid with points",
    ):
        reported, counted = found[name]
        assert reported == counted and int(counted) > 0, (name, reported, counted)
    assert found[f"{manager}points redeemed"] == found[f"{points}points redeemed"]
    assert not [n for n in report["notes"] if "'s points (" in n], report["notes"]
    # Customers agreed to marketing or not; the notifier asked those who did after their
    # pickups, returns and till sales, by mail; most answered through the link (one twice,
    # refused): the manager's report's surveys equal the simulator's count (compared above).
    voice = "Customer's voice (omni report's surveys, the chain): "
    for name in ("CSAT asked", "CSAT answered", "NPS asked", "second answers refused"):
        assert int(found[f"{voice}{name}"][1]) > 0, (name, found[f"{voice}{name}"])
    assert found[f"{voice}survey mails to customers who never agreed"] == ("0", "0")
    assert found[f"{voice}CSAT"][0] != "-"  # answered, so a CSAT to compare
    # Customers erased after the day (their business stays in every figure above).
    erasures = [n for n in report["notes"] if n.startswith("Erased after the day: ")]
    assert len(erasures) == 1 and int(erasures[0].split()[4]) >= 1, report["notes"]
    html = (out / "report.html").read_text()
    assert html.count("<svg") >= 5 and "<script" not in html and "src=" not in html


@pytest.mark.slow
async def test_the_managers_report_is_a_section_of_its_own_after_the_check(
    simulated_day: tuple[int, str, Path],
) -> None:
    out = simulated_day[2]
    report = json.loads((out / "report.json").read_text())
    html = (out / "report.html").read_text()

    manager = report["manager"]
    assert manager["storeId"] is None and manager["loyalty"]["earned"] > 0  # collected pickups
    assert manager["pickups"]["clickToCollectP50"] is not None  # times shown, not compared
    check, section = html.index("Every figure, both ways"), html.index("report: the chain</h2>")
    assert check < section
    assert html.count("<svg") == 6 + 4  # the simulate report's charts, then the manager's


@pytest.mark.slow
async def test_the_showcase_customer_shows_every_channel_in_one_timeline(
    simulated_day: tuple[int, str, Path],
) -> None:
    showcase = json.loads((simulated_day[2] / "report.json").read_text())["showcase"]

    nodes = showcase["timeline"]["nodes"]
    assert {n["channel"] for n in nodes} >= {"WEB", "MOBILE", "POS", "STAFF"}
    assert {n["kind"] for n in nodes} >= {
        "CART_STARTED", "CART_ASSIGNED", "CHECKOUT", "PICKUP_READY", "PICKUP_COLLECTED",
        "IN_STORE_SALE", "RETURN_REQUESTED", "RETURN_REFUNDED",
    }  # fmt: skip
    assert [n["at"] for n in nodes] == sorted((n["at"] for n in nodes), reverse=True)


@pytest.mark.slow
async def test_against_a_server_on_the_real_clock_it_says_what_it_cannot_simulate(
    settings: Settings, tmp_path: Path
) -> None:
    shadow_log = tmp_path / "plans-against-graphql-core.jsonl"
    async with running_server(
        settings,
        os.environ,
        factory=SHADOWED_APP,
        OMNI_SEED_DEMO="true",
        OMNI_TEST_SHADOW_LOG=str(shadow_log),
    ) as base:
        code, output = await omni_simulate(settings, tmp_path, "--url", base)
    report = json.loads((tmp_path / "report.json").read_text())
    found = figures(report)
    seen = read_log(str(shadow_log))  # the simulator's documents, through plans and graphql-core
    assert seen.problems() == [] and len(seen.compared) >= 10, seen.left_to_graphql_core

    assert report["mode"] == "real clock" and report["errors"] == []
    assert {name: p for name, p in found.items() if p[0] != p[1]} == {}, output
    assert found["Abandoned carts and recovery: carts abandoned"] == ("0", "0")
    assert found["Journeys (a cart's life), all channels: no-shows"] == ("0", "0")
    assert "none were simulated" in " ".join(report["notes"]) and code == 0
    assert "No surveys" in " ".join(report["notes"])  # its mail is not the simulator's to read
    assert not [name for name in found if name.startswith("Customer's voice")]
    assert report["manager"] is None  # another server's database is not the command's to read
    assert "No manager's report" in " ".join(report["notes"])
