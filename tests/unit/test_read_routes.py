"""Which place a query reads: the replicas within the lag limit in turn, else one behind (reads
with a position wait for it) or the primary as OMNI_READ_FALLBACK says, and never a replica
that does not answer."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.postgres.outage import DatabaseUnavailable
from adapters.postgres.replicas import Replica, ReplicaSet
from projections.read_routes import ReadRoutes

PRIMARY: Any = "primary pool"


def replica(name: str, lag_seconds: float | None, standby: bool = True) -> Replica:
    one = Replica(name, pool=f"{name} pool", max_lag=10.0)  # type: ignore[arg-type]
    if lag_seconds is not None:
        one.answered(standby, lag_bytes=int(lag_seconds * 1000), lag_seconds=lag_seconds)
    return one


def routes(*replicas: Replica, fallback: Any = "stale") -> ReadRoutes:
    replica_set = ReplicaSet(PRIMARY, replicas)
    return ReadRoutes(PRIMARY, projections=None, replicas=replica_set, fallback=fallback)  # type: ignore[arg-type]


def test_without_replicas_every_query_reads_the_primary() -> None:
    assert ReadRoutes(PRIMARY, projections=None).route().pool == PRIMARY  # type: ignore[arg-type]


def test_replicas_within_the_lag_limit_take_the_queries_in_turn() -> None:
    reads = routes(replica("r1", 0.0), replica("r2", 0.3), replica("r3", 42.0))

    assert {reads.route().pool for _ in range(4)} == {"r1 pool", "r2 pool"}


def test_with_every_replica_behind_the_least_behind_is_read_unless_the_primary_may_be() -> None:
    behind = (replica("r1", 30.0), replica("r2", 12.0))

    assert routes(*behind).route().pool == "r2 pool"
    assert routes(*behind, fallback="primary").route().pool == PRIMARY


def test_a_replica_that_does_not_answer_or_follows_no_one_is_never_read() -> None:
    down, promoted = replica("r1", None), replica("r2", 0.0, standby=False)

    with pytest.raises(DatabaseUnavailable):
        routes(down, promoted).route()
    assert routes(down, promoted, fallback="primary").route().pool == PRIMARY
