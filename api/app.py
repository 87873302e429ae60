"""create_app(settings) -> Litestar: the composition root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.response import Response

from adapters.postgres.database import Database
from adapters.settings import Settings


@get("/health", sync_to_thread=False)
async def health(state: State) -> Response[dict[str, object]]:
    database: Database = state.database
    try:
        report = await database.health()
    except Exception as error:  # noqa: BLE001 - health must answer, whatever failed
        return Response({"status": "down", "database": str(error)}, status_code=503)
    held_back = "held_back_by" in report["event_store"]  # type: ignore[operator]
    report["status"] = "degraded" if held_back else "ok"
    return Response(report, status_code=200)


def create_app(settings: Settings) -> Litestar:
    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        database = await Database.open(settings)
        app.state.database = database
        try:
            yield
        finally:
            await database.close()

    return Litestar(route_handlers=[health], lifespan=[lifespan], debug=not settings.production)
