"""The append signal that wakes followers: woken by a fire, and always let go when cancelled."""

from __future__ import annotations

import asyncio

from adapters.subscription import AppendSignal


async def test_a_waiter_wakes_when_an_append_is_signalled() -> None:
    signal = AppendSignal()
    waiting = asyncio.create_task(signal.wait_beyond(signal.generation, timeout=5))
    await asyncio.sleep(0)

    signal.fire()

    assert await asyncio.wait_for(waiting, 1) is True


async def test_a_waiter_behind_the_count_returns_at_once_and_one_at_it_times_out() -> None:
    signal = AppendSignal()
    signal.fire()

    assert await signal.wait_beyond(0, timeout=5) is True
    assert await signal.wait_beyond(signal.generation, timeout=0.01) is False


async def test_many_waiters_cancelled_together_as_appends_land_all_end() -> None:
    # The shutdown of a busy server: every follower is cancelled while appends still fire.
    # With a lock inside the signal some waiters never ended, and the shutdown hung for good.
    for burst in range(20):
        signal = AppendSignal()
        followers = [asyncio.create_task(_follow(signal)) for _ in range(50)]
        await asyncio.sleep(0)
        for _ in range(burst % 4):
            signal.fire()
            await asyncio.sleep(0)
        signal.fire()
        for follower in followers:
            follower.cancel()

        _, still_running = await asyncio.wait(followers, timeout=3)

        assert not still_running, f"burst {burst}: {len(still_running)} waiters never ended"


async def _follow(signal: AppendSignal) -> None:
    while True:
        await signal.wait_beyond(signal.generation, timeout=1)
