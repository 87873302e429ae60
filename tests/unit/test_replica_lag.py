"""A replica's lag: bytes behind the primary's last noted WAL position, and seconds since the
primary passed the replica's position, from notes the probe takes every half second."""

from __future__ import annotations

from adapters.postgres.replicas import BEHIND, NOT_A_STANDBY, STREAMING, PrimaryNotes, Replica


def notes_of(*noted: tuple[float, int]) -> PrimaryNotes:
    notes = PrimaryNotes()
    for at, position in noted:
        notes.note(at, position)
    return notes


def test_a_replica_at_the_primarys_last_noted_position_is_not_behind() -> None:
    notes = notes_of((100.0, 5_000), (100.5, 7_000))

    assert notes.lag(7_000, now=100.6) == (0, 0.0)


def test_a_replica_that_stopped_is_behind_by_the_time_since_the_primary_passed_it() -> None:
    notes = notes_of((100.0, 5_000), (100.5, 7_000), (101.0, 7_000), (101.5, 9_000))

    # It replayed up to 7,000: the first note it lacks was taken at 101.5.
    assert notes.lag(7_000, now=104.0) == (2_000, 2.5)
    # Up to 6,000: it lacks the note of 100.5 already.
    assert notes.lag(6_000, now=104.0) == (3_000, 3.5)


def test_an_idle_primary_does_not_make_a_replica_that_kept_up_look_behind() -> None:
    # The primary wrote nothing for an hour, then a commit the replica replayed at once.
    notes = notes_of((0.0, 5_000), (3_600.0, 5_000), (3_600.5, 5_100))

    assert notes.lag(5_100, now=3_600.6) == (0, 0.0)


def test_a_replica_behind_every_note_kept_is_at_least_as_old_as_the_oldest() -> None:
    notes = PrimaryNotes(kept=2)
    for at, position in ((0.0, 100), (10.0, 200), (20.0, 300)):
        notes.note(at, position)

    assert notes.lag(50, now=25.0) == (250, 15.0)


class FakePool:
    pass


def test_a_replica_beyond_the_lag_limit_is_behind_and_a_promoted_one_is_not_read() -> None:
    replica = Replica("r1:5432/shop", FakePool(), max_lag=10.0)  # type: ignore[arg-type]

    replica.answered(standby=True, lag_bytes=10, lag_seconds=0.2)
    assert (replica.state, replica.usable) == (STREAMING, True)
    replica.answered(standby=True, lag_bytes=9_000, lag_seconds=12.0)
    assert (replica.state, replica.usable) == (BEHIND, True)
    replica.answered(standby=False, lag_bytes=0, lag_seconds=0.0)
    assert (replica.state, replica.usable) == (NOT_A_STANDBY, False)
