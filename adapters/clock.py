"""Clocks: the real one, one that tests move by hand, and one that runs faster than real time
for simulations (`omni simulate`), which every process on a schema shares."""

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

    `real` is the wall clock (`time.time`, epoch seconds) by default, so that every process of
    a simulation computes the same business time from the same anchor (`follow`): they must
    share a wall clock (one machine, or NTP). Should the wall clock be set back, business
    time stands still until it catches up: it never goes back."""

    def __init__(
        self, start: datetime, speed: float, real: Callable[[], float] = time.time
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the start of an accelerated clock needs a time zone")
        if speed <= 0:
            raise ValueError("an accelerated clock runs forward: speed must be positive")
        self.speed = speed
        self.real = real
        self._lock = threading.Lock()
        self._origin, self._real_origin = start, real()
        self._last = start

    def now(self) -> datetime:
        with self._lock:
            current = max(self._at(self.real()), self._last)
            self._last = current
            return current

    def at(self, real: float) -> datetime:
        """Business time at `real` (in the seconds of `self.real`)."""
        with self._lock:
            return self._at(real)

    def _at(self, real: float) -> datetime:
        return self._origin + timedelta(seconds=(real - self._real_origin) * self.speed)

    def skip_to(self, instant: datetime) -> datetime:
        """Jump ahead to `instant` and run on from there; never back."""
        with self._lock:
            real_now = self.real()
            current = max(self._at(real_now), self._last)
            if instant < current:
                raise ClockCannotGoBack(f"the clock is at {current.isoformat()}, after {instant}")
            self._origin, self._real_origin, self._last = instant, real_now, instant
            return instant

    def follow(self, origin: datetime, real_origin: float, speed: float) -> None:
        """Run from a shared anchor: business time `origin` at `real_origin`, `speed` times
        faster from there (adapters/postgres/business_clock.py keeps it per schema). The anchor
        is taken as it is: the shared clock is the one that never goes back."""
        if origin.tzinfo is None or speed <= 0:
            raise ValueError("an anchor needs a zoned time and a positive speed")
        with self._lock:
            self._origin, self._real_origin, self.speed = origin, real_origin, speed
            self._last = origin
