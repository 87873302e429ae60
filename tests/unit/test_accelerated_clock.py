"""The simulation's clock: runs N times faster than real time, skips ahead, never back."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from adapters.clock import AcceleratedClock, ClockCannotGoBack, SystemClock
from adapters.settings import Settings
from api.server.composition import clock_of

START = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


class FakeSeconds:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def test_business_time_runs_speed_times_faster_than_real_time() -> None:
    real = FakeSeconds()
    clock = AcceleratedClock(START, speed=720, real=real)
    real.value += 5  # five real seconds: an hour of business time
    assert clock.now() == START + timedelta(hours=1)


def test_skipping_ahead_runs_on_from_there() -> None:
    real = FakeSeconds()
    clock = AcceleratedClock(START, speed=60, real=real)
    month_later = START + timedelta(days=31)
    assert clock.skip_to(month_later) == month_later
    real.value += 2
    assert clock.now() == month_later + timedelta(minutes=2)


def test_it_follows_a_shared_anchor_from_the_wall_clock() -> None:
    real = FakeSeconds()
    clock = AcceleratedClock(START, speed=60, real=real)
    anchored = START + timedelta(days=3)
    clock.follow(anchored, real_origin=real.value - 10, speed=360)  # anchored 10 s ago
    assert (clock.now(), clock.speed) == (anchored + timedelta(hours=1), 360)
    real.value += 10
    assert clock.now() == anchored + timedelta(hours=2)


def test_another_process_on_the_same_anchor_reads_the_same_time() -> None:
    real = FakeSeconds()
    first = AcceleratedClock(START, speed=720, real=real)
    real.value += 3
    second = AcceleratedClock(START + timedelta(days=9), speed=1, real=real)
    second.follow(START, real_origin=1000.0, speed=720)
    assert second.now() == first.now() == START + timedelta(minutes=36)
    assert first.at(1005.0) == START + timedelta(hours=1)


def test_it_runs_on_the_wall_clock_by_default() -> None:
    assert AcceleratedClock(START, speed=60).real is time.time


def test_a_wall_clock_set_back_holds_business_time_still() -> None:
    real = FakeSeconds()
    clock = AcceleratedClock(START, speed=60, real=real)
    real.value += 60
    assert clock.now() == START + timedelta(hours=1)
    real.value -= 30
    assert clock.now() == START + timedelta(hours=1)
    real.value += 60
    assert clock.now() == START + timedelta(hours=1, minutes=30)


def test_it_never_goes_back() -> None:
    real = FakeSeconds()
    clock = AcceleratedClock(START, speed=60, real=real)
    real.value += 60
    with pytest.raises(ClockCannotGoBack):
        clock.skip_to(START + timedelta(minutes=30))
    assert clock.now() == START + timedelta(hours=1)


@pytest.mark.parametrize("start, speed", [(START.replace(tzinfo=None), 1.0), (START, 0.0)])
def test_it_needs_a_zoned_start_and_a_forward_speed(start: datetime, speed: float) -> None:
    with pytest.raises(ValueError):
        AcceleratedClock(start, speed)


def test_production_never_runs_on_a_simulated_clock() -> None:
    production = Settings(environment="production", secret_key="k" * 40, clock_speed=60)
    with pytest.raises(ValueError, match="production"):
        clock_of(production)
    assert isinstance(clock_of(Settings(clock_speed=60)), AcceleratedClock)
    assert isinstance(clock_of(Settings()), SystemClock)
