"""OMNI_EVENTS_LAYOUT: a schema keeps the layout it was created with. A process set for the
other layout is refused in one sentence and changes nothing; and in both layouts a stale
writer is refused wherever its rows would have landed."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

import asyncpg
import pytest

from adapters.postgres.database import Database
from adapters.postgres.layout import layout_of
from adapters.settings import Settings, StartupError
from domain.errors import ConcurrencyError
from domain.repository import Repository
from domain.values import Money
from tests.conftest import LAYOUTS, TEST_PARTITION_SIZE, fresh_database, in_layout
from tests.integration.test_event_store_contract import CONTEXT, Till, saved_till
from tests.omni_command import env_of, omni

OTHER = {"plain": "partitioned", "partitioned": "plain"}


async def test_a_new_schema_takes_the_layout_it_is_created_with(settings: Settings) -> None:
    for layout in LAYOUTS:
        async with fresh_database(settings, layout) as database:
            async with database.pool.acquire() as connection:
                assert await layout_of(connection) == layout
            assert database.store.layout == layout
            assert (database.partitions is not None) == (layout == "partitioned")


@pytest.mark.parametrize("layout", LAYOUTS)
async def test_a_process_set_for_the_other_layout_is_refused_and_changes_nothing(
    settings: Settings, layout: str
) -> None:
    async with fresh_database(settings, layout) as database:
        till = await saved_till(database.store, payments=2)
        other = in_layout(settings, OTHER[layout])

        with pytest.raises(StartupError) as refused:
            await Database.open(other, schema=database.schema)

        sentence = str(refused.value)
        assert f"OMNI_EVENTS_LAYOUT is {OTHER[layout]}" in sentence
        assert f"schema '{database.schema}' was created {layout}" in sentence
        assert len(await database.store.read_stream(till.id)) == 3
        async with database.pool.acquire() as connection:
            assert await layout_of(connection) == layout


async def test_a_plain_table_holding_events_is_never_laid_out_again(settings: Settings) -> None:
    """A plain schema of the version before the layouts (migration 21 not applied) is opened
    by a partitioned process: the migration would replace the table, so it refuses instead."""
    async with fresh_database(settings, "plain") as database:
        till = await saved_till(database.store, payments=1)
        await database.pool.execute("DELETE FROM schema_migrations WHERE version = 21")
        versions = "SELECT array_agg(version ORDER BY version) FROM schema_migrations"
        before = await database.pool.fetchval(versions)

        with pytest.raises(StartupError, match="OMNI_EVENTS_LAYOUT is partitioned"):
            await Database.open(in_layout(settings, "partitioned"), schema=database.schema)

        assert len(await database.store.read_stream(till.id)) == 2
        # Nothing applied by the refused process (21 stays missing; later ones were there).
        assert await database.pool.fetchval(versions) == before
        assert 21 not in before


async def test_omni_migrate_refuses_the_other_layout_in_one_sentence(settings: Settings) -> None:
    async with fresh_database(settings, "plain") as database:
        env = env_of(database, OMNI_EVENTS_LAYOUT="partitioned")
        sentence = (await omni("migrate", env=env)).refusal
    assert "OMNI_EVENTS_LAYOUT is partitioned" in sentence
    assert "Unset OMNI_EVENTS_LAYOUT" in sentence


@pytest.mark.parametrize("layout", LAYOUTS)
async def test_a_stale_writer_is_refused_when_its_rows_would_land_in_a_later_partition(
    settings: Settings, layout: str
) -> None:
    """The winner's version 2 sits in the partition of version 1; the loser's would land one
    partition further on. No unique index spans partitions: the stream's version refuses it."""
    async with fresh_database(settings, layout) as database:
        store = database.store
        till = await saved_till(store)
        winner = await Repository(store).get(till.id, Till)
        loser = await Repository(store).get(till.id, Till)
        winner.take(Money.of("1.00"), uuid4())
        await store.append(winner.collect_events(), CONTEXT)
        await skip_positions(database.pool, TEST_PARTITION_SIZE)
        loser.take(Money.of("2.00"), uuid4())

        with pytest.raises(ConcurrencyError) as refused:
            await store.append(loser.collect_events(), CONTEXT)

        assert refused.value.stream_id == till.id
        versions = [e.originator_version for e in await store.read_stream(till.id)]
        assert versions == [1, 2]


@pytest.mark.parametrize("layout", LAYOUTS)
async def test_rivals_creating_one_stream_let_exactly_one_win(
    settings: Settings, layout: str
) -> None:
    """Version 1 has no predecessor to check: in the partitioned layout the first writer's row
    in `streams` is what the others collide with."""
    async with fresh_database(settings, layout) as database:
        store, stream_id = database.store, uuid4()
        rivals = []
        for number in range(16):
            till = Till(store_id=f"ST-{number}")
            rivals.append(
                [
                    type(e)(**{**e.__dict__, "originator_id": stream_id})
                    for e in till.collect_events()
                ]
            )

        outcomes = await asyncio.gather(
            *(store.append(events, CONTEXT) for events in rivals), return_exceptions=True
        )

        failures = [o for o in outcomes if isinstance(o, Exception)]
        assert len(failures) == len(rivals) - 1
        assert all(isinstance(f, ConcurrencyError) for f in failures)
        assert len(await store.read_stream(stream_id)) == 1


async def test_both_layouts_give_events_the_same_columns_and_append_functions(
    settings: Settings,
) -> None:
    """The partitioned migration replaces the table and the functions 0019 laid out for
    personal data: nothing of them may be lost on the way."""
    laid_out = []
    for layout in LAYOUTS:
        async with fresh_database(settings, layout) as database:
            laid_out.append(await events_columns_and_appends(database.pool))
    plain, partitioned = laid_out
    assert "data_subject text" in plain[0] and "position bigint" in plain[0]
    assert len(plain[1]) == 3
    assert partitioned == plain


async def events_columns_and_appends(pool: asyncpg.Pool) -> tuple[list[str], list[str]]:
    columns = await pool.fetch(
        """SELECT column_name || ' ' || data_type AS c FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = 'events'
           ORDER BY ordinal_position"""
    )
    appends = await pool.fetch(
        """SELECT pg_get_function_identity_arguments(p.oid) AS a FROM pg_proc p
           WHERE p.proname = 'omni_append' AND p.pronamespace = current_schema()::regnamespace
           ORDER BY p.pronargs"""
    )
    return [row["c"] for row in columns], [row["a"] for row in appends]


# Each omni_append a process may call: this version's (with each event's data subject), and
# those of the versions before 0019 and 0017, during a rolling restart.
APPENDS = {
    10: "SELECT * FROM omni_append($1, $2, $3, $4, $5, $6, NULL, ''::bytea, ''::bytea, $7)",
    9: "SELECT * FROM omni_append($1, $2, $3, $4, $5, $6, NULL, ''::bytea, ''::bytea)",
    8: "SELECT * FROM omni_append($1, $2, $3, $4, $5, $6, NULL, ''::bytea)",
}
STALE_OR_TAKEN = {"OC001", "23505"}  # refused by the stream's version, or the primary key


@pytest.mark.parametrize("arguments", APPENDS)
@pytest.mark.parametrize("layout", LAYOUTS)
async def test_every_append_function_refuses_a_stale_writer_and_keeps_the_data_subject(
    settings: Settings, layout: str, arguments: int
) -> None:
    async with fresh_database(settings, layout) as database:
        pool, stream_id = database.pool, uuid4()

        async def append(version: int, subject: str) -> None:
            extra = [[subject]] if arguments == 10 else []
            await pool.fetch(APPENDS[arguments], *event_row(stream_id, version), *extra)

        await append(1, "customer:ada")
        refused = []
        for stale_or_skipping in (1, 3):
            with pytest.raises(asyncpg.PostgresError) as error:
                await append(stale_or_skipping, "customer:eve")
            refused.append(error.value.sqlstate)
        await append(2, "customer:ada")

        rows = await pool.fetch(
            "SELECT version, data_subject FROM events WHERE stream_id = $1 ORDER BY version",
            stream_id,
        )
    assert set(refused) <= STALE_OR_TAKEN
    subject = "customer:ada" if arguments == 10 else None
    assert [(row["version"], row["data_subject"]) for row in rows] == [(1, subject), (2, subject)]


def event_row(stream_id: UUID, version: int) -> list[object]:
    """omni_append's first six arguments for one event of `stream_id`."""
    return [[stream_id], [version], ["test:Noted"], [1], [b"{}"], [b'{"channel":"web"}']]


async def skip_positions(pool: asyncpg.Pool, count: int) -> None:
    """Move the global position on by `count`, as that many appends elsewhere would."""
    await pool.execute(
        "SELECT setval(pg_get_serial_sequence('events', 'position'), "
        "(SELECT last_value FROM events_position_seq) + $1)",
        count,
    )
