"""Which errors mean "the database is unavailable, try again" (adapters/postgres/outage.py):
what asyncpg raises while a server restarts, and nothing that retrying cannot cure."""

from __future__ import annotations

from uuid import uuid4

import asyncpg
import pytest
from asyncpg.exceptions import _base as asyncpg_base

from adapters.postgres.outage import DatabaseUnavailable, describe, is_transient, is_unavailable
from domain.errors import ConcurrencyError, DomainError

# Each seen (or raisable) while `pg_ctl restart -m fast` cut the sessions of a loaded process.
DURING_A_RESTART = [
    ConnectionRefusedError(111, "Connect call failed"),
    ConnectionResetError(104, "Connection reset by peer"),
    TimeoutError(),
    asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle"),
    asyncpg.InterfaceError("cannot call Transaction.__aexit__(): the underlying connection"),
    asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
    asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
    asyncpg_base.InternalClientError("cannot switch to state 12; another operation (2)"),
    DatabaseUnavailable(),
]

NOT_OUTAGES = [
    asyncpg_base.DataError("invalid input for query argument $1"),
    asyncpg.exceptions.UniqueViolationError("duplicate key value"),
    asyncpg.exceptions.UndefinedTableError('relation "cart_view" does not exist'),
    ConcurrencyError(uuid4(), 3),
    DomainError("refused"),
    ValueError("a bug"),
]


@pytest.mark.parametrize("error", DURING_A_RESTART, ids=describe)
def test_errors_of_a_restarting_database_mean_try_again(error: BaseException) -> None:
    assert is_unavailable(error)
    assert is_transient(error)


@pytest.mark.parametrize("error", NOT_OUTAGES, ids=describe)
def test_errors_of_the_request_or_the_code_are_not_outages(error: BaseException) -> None:
    assert not is_unavailable(error)
    assert not is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        asyncpg.exceptions.LockNotAvailableError("canceling statement due to lock timeout"),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
    ],
    ids=describe,
)
def test_a_transaction_that_lost_a_race_is_transient_but_not_an_outage(
    error: BaseException,
) -> None:
    assert is_transient(error)
    assert not is_unavailable(error)


def test_an_error_raised_from_an_outage_is_one_too() -> None:
    try:
        try:
            raise asyncpg.exceptions.AdminShutdownError("terminating connection")
        except asyncpg.PostgresError as cause:
            raise RuntimeError("could not load the cart") from cause
    except RuntimeError as wrapped:
        assert is_unavailable(wrapped)


def test_describe_names_an_error_without_a_message() -> None:
    assert describe(TimeoutError()) == "TimeoutError"
    assert describe(OSError("refused")) == "OSError: refused"
