"""load: loading an aggregate after 10,000 events vs after 10 (snapshots every 100)."""

from __future__ import annotations

import time

from adapters.settings import Settings
from bench.append import CONTEXT, PRICE, Basket
from bench.common import fresh_database, median, ratio_line
from domain.repository import Repository

LOADS = 200


async def run(settings: Settings, seconds: float) -> list[str]:
    async with fresh_database(settings) as database:
        repository = Repository(database.store)
        short, long = Basket(), Basket()
        for _ in range(9):
            short.add("RETRO-CLOCK", PRICE)
        await repository.save(short, context=CONTEXT)
        while long.version < 10_000:
            long.add("RETRO-CLOCK", PRICE)
            if long.version % 1000 == 0:
                await repository.save(long, context=CONTEXT)
        assert (short.version, long.version) == (10, 10_000)
        short_ms = await _median_load_ms(repository, short)
        long_ms = await _median_load_ms(repository, long)
    return [
        f"load: median of {LOADS} loads through Repository.get",
        f"  after 10 events       {short_ms:8.3f} ms",
        f"  after 10,000 events   {long_ms:8.3f} ms  (snapshot + the events after it)",
        ratio_line("10,000 / 10", long_ms / short_ms, 2.0, higher_is_better=False),
    ]


async def _median_load_ms(repository: Repository, basket: Basket) -> float:
    timings = []
    for _ in range(LOADS):
        started = time.perf_counter()
        loaded = await repository.get(basket.id, Basket)
        timings.append((time.perf_counter() - started) * 1000)
    assert loaded.version == basket.version
    return median(timings)
