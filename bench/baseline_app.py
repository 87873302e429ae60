"""The API without its request-id wrapper: the telemetry bench's baseline, what a request
went through before observability (`uvicorn --factory bench.baseline_app:without_request_ids`)."""

from __future__ import annotations

from litestar import Litestar

from api.request_ids import RequestIdMiddleware
from api.server.app import from_environment


def without_request_ids() -> Litestar:
    app = from_environment()
    assert isinstance(app.asgi_handler, RequestIdMiddleware)
    app.asgi_handler = app.asgi_handler.app
    return app
