"""REST beside GraphQL where a client needs it: health and metrics (POS sync: pos_sync.py)."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.datastructures import State
from litestar.response import Response

MAX_SALES_PER_SYNC = 500


@get("/health")
async def health(state: State) -> Response[dict[str, object]]:
    services = state.services
    try:
        report = await services.database.health()
        projections = await services.projections.status()
    except Exception as error:  # noqa: BLE001 - health must answer, whatever failed
        return Response({"status": "down", "error": type(error).__name__}, status_code=503)
    report["projections"] = [msgspec.structs.asdict(p) for p in projections]
    failed = [p.name for p in projections if p.state == "failed"]
    held_back = "held_back_by" in report["event_store"]  # type: ignore[operator]
    report["status"] = "degraded" if failed or held_back else "ok"
    return Response(report, status_code=200)


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
        "omni_events_head_position": [({}, head.position)],
    }
    return services.metrics.render(gauges)  # type: ignore[no-any-return]


def rest_handlers() -> list:  # type: ignore[type-arg]
    return [health, ping, metrics]
