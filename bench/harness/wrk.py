"""Debian's `wrk` as the load generator: written in C, one thread, so the client takes a few
percent of a core instead of the server's CPU (a Python client took 42% of one, issue 19).

POST bodies come from a Lua script written here (nothing to ship beside the wheel): it
cycles through the (authorization, body) pairs it is given, counts answers that are not a
clean 200 (a GraphQL error or a userError), and prints one JSON line with the run's figures,
which `run` parses. Where wrk is missing it is installed from Debian's package as .ci/run
installs Chromium (as root), or the one line saying how is raised."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

HOW_TO_INSTALL = "apt-get install wrk (Debian's package; bench api measures with it)"

SCRIPT = r"""
local bodies, headers, method = {}, {}, "GET"
local counter = 0
local threads = {}
bad = 0  -- a global: done() reads it from each thread

function setup(thread) table.insert(threads, thread) end

function init(args)
  method = args[1]
  local i = 2
  while args[i] ~= "--" do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    headers[name] = value
    i = i + 1
  end
  for j = i + 1, #args do  -- "authorization<TAB>body"; no authorization: nothing sent
    local auth, body = args[j]:match("^([^\t]*)\t(.*)$")
    table.insert(bodies, {auth ~= "" and auth or nil, body})
  end
end

function request()
  if #bodies == 0 then return wrk.format(method, nil, headers, nil) end
  counter = counter + 1
  local entry = bodies[(counter % #bodies) + 1]
  headers["Authorization"] = entry[1]
  return wrk.format(method, nil, headers, entry[2])
end

function response(status, _, body)
  if status ~= 200 or body:find('"errors"', 1, true)
     or (body:find('"userErrors"', 1, true) and not body:find('"userErrors":[]', 1, true)) then
    bad = bad + 1
  end
end

function done(summary, latency, _)
  local refused = 0
  for _, thread in ipairs(threads) do refused = refused + (thread:get("bad") or 0) end
  io.write(string.format(
    '\nWRK-JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"socket_errors": %d, "bad": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout + summary.errors.status, refused))
end
"""


@dataclass
class WrkRun:
    requests: int
    seconds: float
    p50: float  # seconds
    p99: float
    bad: int  # answers that were not a clean success (status, errors, userErrors)
    client_cpu: float  # wrk's CPU seconds

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds

    def describe(self) -> str:
        return (
            f"{self.per_second:8,.0f} req/s  p50 {self.p50 * 1e3:7.2f} ms"
            f"  p99 {self.p99 * 1e3:7.2f} ms"
        )


def ensure_wrk() -> str:
    """wrk's path; installed from Debian's package where it is missing and we are root."""
    found = shutil.which("wrk")
    if found is None and os.geteuid() == 0 and shutil.which("apt-get"):
        print("== installing wrk for bench api ==", flush=True)
        quiet = {"stdout": subprocess.DEVNULL, "check": True}
        subprocess.run(["apt-get", "update", "-qq"], **quiet)  # type: ignore[call-overload]
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            env=environment,
            **quiet,  # type: ignore[call-overload]
        )
        found = shutil.which("wrk")
    if found is None:
        raise RuntimeError(f"wrk is missing: {HOW_TO_INSTALL}")
    return found


async def run(
    url: str,
    connections: int,
    seconds: float,
    bodies: list[tuple[str | None, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> WrkRun:
    """`connections` keep-alive connections on one wrk thread for `seconds`; with `bodies`,
    POSTs cycling through them (each with its bearer token, or none), else GETs."""
    wrk = ensure_wrk()
    method = "POST" if bodies else "GET"
    sent = {**(headers or {}), **({"Content-Type": "application/json"} if bodies else {})}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(SCRIPT)
    try:
        process = await asyncio.create_subprocess_exec(
            *(wrk, "-t1", f"-c{connections}", f"-d{max(seconds, 1):.0f}s", "--timeout", "10s"),
            *("-s", script.name, url, "--", method),
            *(f"{name}: {value}" for name, value in sent.items()),
            "--",
            *(f"{f'Bearer {token}' if token else ''}\t{body}" for token, body in bodies or []),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        before = os.times()
        out, err = await process.communicate()
        after = os.times()
    finally:
        Path(script.name).unlink()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed: {err.decode()}")
    line = next(row for row in out.decode().splitlines() if row.startswith("WRK-JSON "))
    figures = json.loads(line.removeprefix("WRK-JSON "))
    if figures["socket_errors"]:
        raise RuntimeError(f"wrk saw socket errors or non-2xx answers: {out.decode()}")
    used = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    return WrkRun(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        p50=figures["p50_us"] / 1e6,
        p99=figures["p99_us"] / 1e6,
        bad=figures["bad"],
        client_cpu=used,
    )
