"""`omni report` as an operator runs it, in a process of its own, on a shop's schema: a pickup
ordered online and collected, then the chain's and the store's report as JSON and as a page;
a bad range or an unknown store is one sentence and exit status 1, with nothing written."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import date, timedelta
from pathlib import Path

from bench.harness.server_process import ROOT
from tests.api.conftest import Api
from tests.api.copurchase_shop import ordered


async def omni_report(api: Api, *args: str) -> tuple[int, str, str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "OMNI_DATABASE_SCHEMA": api.services.database.schema,
        "OMNI_DATA_DIR": api.services.settings.data_dir,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api.cli", "report", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def around_today() -> tuple[str, str]:
    today = date.today()
    return (today - timedelta(days=1)).isoformat(), (today + timedelta(days=1)).isoformat()


async def test_the_report_reads_the_shops_figures_as_json_and_as_a_page(
    api: Api, tmp_path: Path
) -> None:
    await ordered(api.data, api.token, "cust-grace", "RETRO-CLOCK", "LAVA-LAMP")
    await ordered(api.data, api.token, "cust-alan", "DESK-FAN")
    api.settled()
    first, last = around_today()

    status, out, err = await omni_report(api, "--from", first, "--to", last, "--json")
    page = tmp_path / "report.html"
    shown = await omni_report(api, "--store", "AMS-CENTRAAL", "--from", first, "--to", last,
                              "--out", str(page))  # fmt: skip

    assert status == 0, err
    chain = json.loads(out)
    assert chain["storeId"] is None
    reached = {step["step"]: step["reached"] for step in chain["funnel"]}
    assert (reached["started"], reached["checked_out"], reached["collected"]) == (2, 2, 0)
    assert chain["pickups"]["pickups"] == 2
    assert chain["pickups"]["collected"] == 0
    # Neither order is collected (paid) yet: no points earned, none redeemed.
    assert chain["loyalty"] == {
        "earned": 0, "redeemed": 0, "restored": 0, "reversed": 0, "expired": 0,
        "customersRedeeming": 0,
    }  # fmt: skip
    assert shown[0] == 0, shown[2]
    html = page.read_text()
    assert "<h1>Manager&#x27;s report: AMS-CENTRAAL" in html
    assert html.count("<svg") == 4
    assert "Loyalty points" in html and "customers who paid with points" in html


async def test_a_bad_range_or_an_unknown_store_is_one_sentence(api: Api) -> None:
    before = await api.event_count()
    first, last = around_today()

    backwards = await omni_report(api, "--from", last, "--to", first)
    nowhere = await omni_report(api, "--store", "ATLANTIS", "--from", first, "--to", last)
    not_a_day = await omni_report(api, "--from", "monday", "--to", last)

    for status, out, err in (backwards, nowhere, not_a_day):
        assert status == 1
        assert out == ""
        assert len(err.strip().splitlines()) == 1, err
    assert f"--from {last} is after --to {first}" in backwards[2]
    assert "there is no store 'ATLANTIS'" in nowhere[2]
    assert "YYYY-MM-DD" in not_a_day[2]
    assert await api.event_count() == before
