"""The scheduler's timer may fire before any process has served the read models: `omni tick`
on such a database fires nothing and succeeds, instead of failing on a missing table."""

from __future__ import annotations

from adapters.postgres.database import Database
from tests.omni_command import env_of, omni


async def test_a_tick_before_any_worker_ran_fires_nothing_and_succeeds(database: Database) -> None:
    ticked = await omni("tick", env=env_of(database))

    assert (ticked.status, ticked.out.strip()) == (0, "fired 0, refused 0"), ticked.err
    assert await database.pool.fetchval("SELECT count(*) FROM deadlines") == 0
