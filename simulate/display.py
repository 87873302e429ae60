"""What the person running the simulation watches: one line per phase, and while the day runs
a progress bar over its business hours with the simulated time and running counts."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from simulate.clock import SimClock
from simulate.tally import Tally


class Display:
    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[clock]}"),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
        )
        self._task: object = None
        self._span = (datetime.min, timedelta(hours=1))

    def __enter__(self) -> Display:
        self.progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.progress.stop()

    def phase(
        self, text: str, start: datetime | None = None, span: timedelta | None = None
    ) -> None:
        self.log(f"[bold cyan]{text}[/]")
        if start is not None and span is not None:
            self._span = (start, span)
            self._task = self.progress.add_task(text, total=100, clock="", counts="")

    def log(self, text: str) -> None:
        self.progress.console.print(text)

    async def follow(self, clock: SimClock, tally: Tally) -> None:
        """Move the day's bar with the simulated clock until cancelled."""
        start, span = self._span
        while True:
            now = clock.now()
            done = min(100.0, max(0.0, (now - start) / span * 100))
            if self._task is not None:
                self.progress.update(
                    self._task,  # type: ignore[arg-type]
                    completed=done,
                    clock=f"{now:%a %d %b %H:%M}",
                    counts=self.summary(tally),
                )
            await asyncio.sleep(0.2)

    @staticmethod
    def summary(tally: Tally) -> str:
        journeys = tally.counted_journeys()
        orders = sum(1 for j in journeys if j.checkout is not None)
        collected = sum(1 for j in journeys if j.collected)
        sales = tally.anonymous_sales + sum(
            1 for p in tally.purchases.values() if p.channel == "POS"
        )
        return (
            f"{len(journeys)} carts · {orders} orders · {collected} collected · "
            f"{sales} till sales · {len(tally.returns)} returns"
        )
