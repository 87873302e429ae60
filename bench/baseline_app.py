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


def library_execution() -> Litestar:
    """The API answering GraphQL with graphql-core's `execute` and strawberry's public
    execution context only (issue 18 item 2, option a): no compiled plans, no leaf shortcut.
    The executor reads both names when it is built and when a document is first prepared."""
    from api.graphql.engine import execution
    from api.graphql.engine.storable import StorableTextExecutor

    execution.compile_plan = lambda *_: None  # type: ignore[assignment]
    execution.FastLeafExecutor = StorableTextExecutor  # type: ignore[misc]
    return from_environment()
