"""/health tells the truth: it names a transaction open too long (it holds every follower of
the global order back) and a projection that is stalled, answering 503 "degraded" until they
are gone. /health/live needs nothing; /health/ready says when migrations are pending."""

from __future__ import annotations

import asyncio
import time

from adapters.postgres.database import LONG_TRANSACTION_SECONDS
from adapters.postgres.migrate import available_migrations
from adapters.postgres.pool import connect
from projections.supervisor import STALL_SECONDS
from tests.api.conftest import Api

# Instead of waiting the real 5 s (10 s for a stall): thresholds lowered on the app's objects.
SHORT_THRESHOLD = 0.3
# Short, yet long enough that a busy shared machine does not make a moving projection look
# stalled for a moment.
SHORT_STALL = 1.0
START_CART = 'mutation { startCart(deviceId: "phone") { cartId position } }'


async def health(api: Api) -> tuple[int, dict]:
    response = await api.client.get("/health")
    return response.status_code, response.json()


async def health_until(
    api: Api,
    status: str,
    seconds: float = 10.0,
    stalled: str | None = None,
    caught_up: bool = False,
) -> tuple[int, dict]:
    """/health polled until its status is `status` (and projection `stalled` is reported
    stalled, or with `caught_up` every checkpoint is at the head), or the time is up: what
    a monitor sees."""

    def reached(report: dict) -> bool:
        return (
            report["status"] == status
            and (stalled is None or projection(report, stalled)["state"] == "stalled")
            and (not caught_up or all(p["lag_events"] == 0 for p in report["projections"]))
        )

    deadline = time.monotonic() + seconds
    while not reached((answer := await health(api))[1]) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return answer


def projection(report: dict, name: str) -> dict:
    return next(p for p in report["projections"] if p["name"] == name)


async def test_health_names_a_long_open_transaction_until_it_ends(api: Api) -> None:
    database = api.services.database
    assert database.long_transaction_seconds == LONG_TRANSACTION_SECONDS == 5.0
    code, first = await health(api)
    assert (code, first["status"]) == (200, "ok"), first

    holder = await connect(database.dsn)
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.fetchval("SELECT pg_current_xact_id()")  # holds a transaction id
        code, young = await health(api)
        assert (code, young["status"]) == (200, "ok")  # open well under 5 s: not named yet
        assert "held_back_by" not in young["event_store"]

        database.long_transaction_seconds = SHORT_THRESHOLD
        code, report = await health_until(api, "degraded")
        # 503 since /health answers for monitoring: degraded is not ok (/health/ready is what
        # a load balancer asks, and a long transaction does not make a process unready).
        assert (code, report["status"]) == (503, "degraded"), report
        held_back_by = report["event_store"]["held_back_by"]
        assert held_back_by["pid"] == holder.get_server_pid()
        assert held_back_by["state"] == "idle in transaction"
        assert "pg_current_xact_id" in held_back_by["query"]
        assert held_back_by["open_seconds"] >= SHORT_THRESHOLD - 0.05
        assert (await api.client.get("/health/ready")).status_code == 200

        await transaction.rollback()
        code, after = await health(api)
        assert (code, after["status"]) == (200, "ok"), after
        assert "held_back_by" not in after["event_store"]
    finally:
        await holder.close()


async def test_a_stalled_projection_is_reported_until_it_moves_again(api: Api) -> None:
    """cart_continuity's batch waits on a lock the test holds: its checkpoint stays behind
    the head while its recorded state still says running. (EXCLUSIVE, not ACCESS EXCLUSIVE:
    that one takes a transaction id, which would hide the new event from every follower.)"""
    supervisor = api.services.projections
    assert supervisor.stall_seconds == STALL_SECONDS == 10.0
    supervisor.stall_seconds = SHORT_STALL
    # The demo seed's events applied, and every checkpoint moved past them: a checkpoint
    # still behind over other topics' events would count them in the lag below.
    code, report = await health_until(api, "ok", caught_up=True)
    assert code == 200 and {p["lag_events"] for p in report["projections"]} == {0}, report

    blocker = await connect(api.services.database.dsn, schema=api.services.database.schema)
    try:
        transaction = blocker.transaction()
        await transaction.start()
        await blocker.execute("LOCK TABLE cart_view IN EXCLUSIVE MODE")
        await api.data(START_CART)
        code, report = await health_until(api, "degraded", stalled="cart_continuity")
        stalled = projection(report, "cart_continuity")
        assert (code, report["status"], stalled["state"]) == (503, "degraded", "stalled"), report
        assert stalled["lag_events"] == 1
        assert "recorded state: running" in stalled["error"]

        await transaction.rollback()
        code, report = await health_until(api, "ok")
        assert (code, projection(report, "cart_continuity")["state"]) == (200, "running"), report
        assert projection(report, "cart_continuity")["lag_events"] == 0
    finally:
        await blocker.close()


async def test_metrics_count_a_stalled_projection(api: Api) -> None:
    api.services.projections.stall_seconds = SHORT_STALL
    await health_until(api, "ok")
    blocker = await connect(api.services.database.dsn, schema=api.services.database.schema)
    try:
        async with blocker.transaction():
            await blocker.execute("LOCK TABLE cart_view IN EXCLUSIVE MODE")
            await api.data(START_CART)
            await health_until(api, "degraded", stalled="cart_continuity")
            metrics = (await api.client.get("/metrics")).text
        assert 'omni_projection_stalled{projection="cart_continuity"} 1' in metrics
        assert 'omni_projection_stalled{projection="orders"}' in metrics
    finally:
        await blocker.close()


async def test_liveness_answers_alive(api: Api) -> None:
    response = await api.client.get("/health/live")
    assert (response.status_code, response.json()) == (200, {"status": "alive"})


async def test_readiness_is_refused_while_a_migration_is_pending(api: Api) -> None:
    latest = max(version for version, _, _ in available_migrations())
    ready = await api.client.get("/health/ready")
    assert (ready.status_code, ready.json()) == (
        200,
        {"status": "ready", "database": "ok", "pending_migrations": []},
    )

    name = await api.db.fetchval(
        "DELETE FROM schema_migrations WHERE version = $1 RETURNING name", latest
    )
    try:
        pending = await api.client.get("/health/ready")
        assert (pending.status_code, pending.json()) == (
            503,
            {"status": "not_ready", "database": "ok", "pending_migrations": [latest]},
        )
    finally:
        await api.db.execute(
            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", latest, name
        )
    assert (await api.client.get("/health/ready")).status_code == 200
