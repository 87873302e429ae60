"""The simulation's time, as the simulator reads it from the server.

On a server started with a simulated clock (`serverClock.canSkip`), the simulator follows the
server's own clock (business time runs `speed` times faster than real time) and skips it
ahead over the dead hours. On a server on the real clock, nothing can skip: the simulator
then plays the day on a clock of its own, `speed` times faster, while every time the server
records is the real one."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta

from simulate.client import Api

CLOCK = "{ serverClock { now speed canSkip } }"
SKIP = """mutation($to: DateTime!) { skipClock(to: $to) {
  userErrors { code message } clock { now speed canSkip } } }"""


class SimClock:
    def __init__(self, api: Api, admin: str, speed: float) -> None:
        self.api, self.admin = api, admin
        self.speed = speed
        self.can_skip = False
        self._origin = datetime.now().astimezone()
        self._real_origin = time.monotonic()

    async def sync(self) -> None:
        """Read the server's clock; on a simulation server, run at its speed from its time."""
        clock = (await self.api.query(CLOCK, self.admin))["serverClock"]
        self.can_skip = bool(clock["canSkip"])
        if self.can_skip:
            self.speed = float(clock["speed"])
        self._anchor(datetime.fromisoformat(clock["now"]))

    async def server_now(self) -> datetime:
        """The time the server records (the real one, on a real-clock server)."""
        return datetime.fromisoformat(
            (await self.api.query(CLOCK, self.admin))["serverClock"]["now"]
        )

    def now(self) -> datetime:
        elapsed = time.monotonic() - self._real_origin
        return self._origin + timedelta(seconds=elapsed * self.speed)

    async def sleep_until(self, instant: datetime) -> None:
        wait = (instant - self.now()).total_seconds() / self.speed
        if wait > 0:
            await asyncio.sleep(wait)

    async def sleep(self, minutes: float) -> None:
        await asyncio.sleep(minutes * 60 / self.speed)

    async def skip_to(self, instant: datetime) -> None:
        """Move the server's clock ahead (only a simulation server's)."""
        if not self.can_skip:
            raise RuntimeError("this server runs on the real clock: it cannot skip ahead")
        payload = (await self.api.query(SKIP, self.admin, to=instant.isoformat()))["skipClock"]
        if payload["userErrors"]:
            raise RuntimeError(f"the server would not skip its clock: {payload['userErrors']}")
        await self.sync()

    def _anchor(self, server_now: datetime) -> None:
        self._origin, self._real_origin = server_now, time.monotonic()
