"""Health and metrics for operators and load balancers: /health, /health/live, /health/ready,
/ping and /metrics."""

from __future__ import annotations

import asyncio
import os

import msgspec
from litestar import get
from litestar.datastructures import State
from litestar.response import Response

from adapters.outbox.storage import OutboxStatus, outbox_status
from api.server.composition import relay_config
from api.services import Services

# /health answers within this even when the database does not.
HEALTH_TIMEOUT_SECONDS = 5.0
# Projection states that mean its read model is not being kept current.
UNHEALTHY_PROJECTION_STATES = ("failed", "stalled")
# Relay states that mean integration events are held up: NATS unreachable, or given up.
UNHEALTHY_OUTBOX_STATES = ("failed", "waiting")
# A relay nobody runs (no process holds its lease) is reported once it is this far behind:
# a restart or a lease changing hands takes a few seconds.
UNRUN_OUTBOX_SECONDS = 30.0


@get("/health")
async def health(state: State) -> Response[dict[str, object]]:
    """For monitoring: the database, the event store's visible head (and the transaction
    holding it back), every projection's state, lag and parked streams, and the outbox
    relay's when NATS_URL is set. 200 "ok"; 503 "degraded" while a projection is failed or
    stalled or has parked a stream, the head is held back, or the relay cannot publish;
    "down" when the database cannot be reached."""
    services = state.services
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            report = await services.database.health()
            projections = await services.projections.status()
            outbox = await _outbox(services)
    except Exception as error:  # noqa: BLE001 - health must answer, whatever failed
        services.database.outage.observe(error, "answering /health")
        body: dict[str, object] = {"status": "down", "database": "unreachable"}
        body["error"] = type(error).__name__
        return Response(body, status_code=503)
    report["projections"] = [msgspec.structs.asdict(p) for p in projections]
    unhealthy = [p.name for p in projections if p.state in UNHEALTHY_PROJECTION_STATES]
    parked = {p.name: p.parked_streams for p in projections if p.parked_streams}
    if parked:
        # Every other stream is current; these wait for an operator (README: "When a read
        # model parks a stream").
        report["parked_streams"] = parked
    held_back = "held_back_by" in report["event_store"]  # type: ignore[operator]
    degraded = bool(unhealthy) or bool(parked) or held_back
    if services.reads.replicas is not None:
        report["replicas"] = services.reads.report()
        degraded = degraded or any(r["state"] != "streaming" for r in report["replicas"])
    if outbox is not None:
        report["outbox"] = msgspec.structs.asdict(outbox)
        degraded = degraded or _outbox_unhealthy(outbox)
    report["status"] = "degraded" if degraded else "ok"
    return Response(report, status_code=503 if degraded else 200)


async def _outbox(services: Services) -> OutboxStatus | None:
    if not services.settings.nats_url:
        return None
    return await outbox_status(services.database.pool, relay_config(services.settings).name)


def _outbox_unhealthy(outbox: OutboxStatus) -> bool:
    unrun = not outbox.active and outbox.lag_seconds > UNRUN_OUTBOX_SECONDS
    return outbox.state in UNHEALTHY_OUTBOX_STATES or unrun


@get("/health/live")
async def live() -> Response[dict[str, str]]:
    """Liveness: the process answers. Touches no database, so a database outage never gets
    a healthy process restarted. The header names the process that answered, one of several
    behind one port with `omni serve --workers N`."""
    return Response({"status": "alive"}, headers={"x-omni-pid": str(os.getpid())})


@get("/health/ready")
async def ready(state: State) -> Response[dict[str, object]]:
    """Readiness, for load balancers: 503 while the database is unreachable or migrations
    are pending, or while no replica queries read from is within OMNI_REPLICA_MAX_LAG (unless
    reads fall back to the primary); the body says which."""
    services = state.services
    report = await services.database.readiness()
    replicas = services.reads.replicas
    if replicas is not None:
        report["replicas"] = replicas.report()
        if not replicas.within_lag() and services.reads.fallback == "stale":
            report["status"] = "not_ready"
        elif not replicas.within_lag():
            report["reads"] = "primary"  # OMNI_READ_FALLBACK=primary: served, from the primary
    return Response(report, status_code=200 if report["status"] == "ready" else 503)


@get("/ping")
async def ping() -> dict[str, str]:
    """A plain JSON answer: liveness, and the ceiling the API benchmark compares against."""
    return {"status": "alive"}


@get("/metrics", media_type="text/plain; version=0.0.4")
async def metrics(state: State) -> bytes:
    services = state.services
    statuses = await services.projections.status()
    head = await services.database.store.committed_head()
    gauges = {
        "omni_projection_lag_events": [({"projection": s.name}, s.lag_events) for s in statuses],
        "omni_projection_lag_seconds": [({"projection": s.name}, s.lag_seconds) for s in statuses],
        "omni_projection_failed": [
            ({"projection": s.name}, int(s.state == "failed")) for s in statuses
        ],
        "omni_projection_stalled": [
            ({"projection": s.name}, int(s.state == "stalled")) for s in statuses
        ],
        # Streams parked behind an event the projection could not apply, and their events.
        "omni_projection_dead_letters": [
            ({"projection": s.name}, s.parked_streams) for s in statuses
        ],
        "omni_projection_dead_letter_events": [
            ({"projection": s.name}, s.parked_events) for s in statuses
        ],
        "omni_events_head_position": [({}, head.position)],
        **_replica_gauges(services),
    }
    return services.metrics.render(gauges)  # type: ignore[no-any-return]


def health_handlers() -> list:  # type: ignore[type-arg]
    return [health, live, ready, ping, metrics]


def _replica_gauges(services: Services) -> dict[str, list[tuple[dict[str, str], float]]]:
    """Each replica's lag while it answers, and whether queries may read it."""
    if services.reads.replicas is None:
        return {}
    replicas = services.reads.replicas.replicas
    answering = [r for r in replicas if r.lag_bytes is not None and r.lag_seconds is not None]
    return {
        "omni_replica_streaming": [
            ({"replica": r.label}, int(r.state == "streaming")) for r in replicas
        ],
        "omni_replica_lag_bytes": [({"replica": r.label}, r.lag_bytes or 0) for r in answering],
        "omni_replica_lag_seconds": [
            ({"replica": r.label}, r.lag_seconds or 0.0) for r in answering
        ],
    }
