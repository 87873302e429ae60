"""Clocks: the real one, one that tests move by hand, and one that runs faster than real time
for simulations (`omni simulate`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current


class ClockCannotGoBack(ValueError):
    """Time only moves forward: business rules (deadlines, windows) depend on it."""


class AcceleratedClock:
    """Starts at `start` and runs `speed` times faster than real time; `skip_to` jumps ahead
    (a night, a month) so a simulation spends no real time where nothing happens.

    `real` is a monotonic seconds counter: the wall clock being set never moves this one."""

    def __init__(
        self, start: datetime, speed: float, real: Callable[[], float] = time.monotonic
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the start of an accelerated clock needs a time zone")
        if speed <= 0:
            raise ValueError("an accelerated clock runs forward: speed must be positive")
        self.speed = speed
        self._real = real
        self._lock = threading.Lock()
        self._origin, self._real_origin = start, real()

    def now(self) -> datetime:
        with self._lock:
            elapsed = self._real() - self._real_origin
            return self._origin + timedelta(seconds=elapsed * self.speed)

    def skip_to(self, instant: datetime) -> datetime:
        """Jump ahead to `instant` and run on from there; never back."""
        with self._lock:
            real_now = self._real()
            current = self._origin + timedelta(seconds=(real_now - self._real_origin) * self.speed)
            if instant < current:
                raise ClockCannotGoBack(f"the clock is at {current.isoformat()}, after {instant}")
            self._origin, self._real_origin = instant, real_now
            return instant
