"""create_app(settings) -> Litestar: the app, its routes and its lifespan, built on the
composition root (composition.py); and the factory uvicorn starts it from."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from litestar import Litestar
from litestar.config.app import AppConfig

from adapters.postgres.database import require_usable
from adapters.settings import Settings, StartupError
from api.graphql.engine import graphql_handlers
from api.graphql.schema import schema as graphql_schema
from api.http_errors import internal_error
from api.pages import staff_handlers
from api.request_ids import RequestIdMiddleware
from api.rest.customer_data import download_customer_data
from api.rest.pos_sync import pos_sync
from api.server.composition import build_services, check_settings, jobs_beside_requests
from api.server.health import health_handlers
from api.server.logs import configure_console

if TYPE_CHECKING:
    from api.server.telemetry import Tracing

MAX_BODY_BYTES = 1024 * 1024

# Every GraphQL request leaves objects in reference cycles inside graphql-core, strawberry,
# Litestar and uvicorn, which only the cyclic collector frees. With CPython's defaults and the
# start-up heap rescanned by every full collection, the server spent ~14% of its CPU in GC
# and single pauses reached 110 ms under 32 clients, stalling every request in flight. So:
# freeze what start-up built (modules, the schema: never garbage) out of the collector's
# reach. Pauses then scale with the thresholds: (50,000, 20, 100) paused 54-76 ms per young
# collection; (10,000, 10, 10) keeps both young and middle passes short (add-to-cart p99 at
# 32 clients 35-54 ms against 62-95 ms, three interleaved runs), for the same total.
GC_THRESHOLDS = (10_000, 10, 10)
STARTUP_FAILURE = 3


def tune_garbage_collector() -> None:
    """For a server process, once its app is built (not for tests, which build many)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def from_environment() -> Litestar:
    """The ASGI app for `uvicorn --factory api.server.app:from_environment`. A setting or a
    database that cannot be used ends the process with one sentence before uvicorn serves: in
    the lifespan, uvicorn would print the whole traceback."""
    try:
        settings = Settings.from_env(os.environ)
        check_settings(settings)
        _run_apart(require_usable(settings))
    except StartupError as refusal:
        print(refusal, file=sys.stderr)
        # uvicorn's status for a failed start: its `--workers` supervisor then stops instead
        # of restarting workers that would fail the same way.
        raise SystemExit(STARTUP_FAILURE) from None
    configure_console(settings.log_format)
    app = create_app(settings)
    tune_garbage_collector()
    return app


def _run_apart(work: Coroutine[object, object, None]) -> None:
    """uvicorn calls its factory inside its running event loop, which cannot wait for a
    coroutine here: this one runs to its end on a loop of its own, in a thread."""
    with ThreadPoolExecutor(max_workers=1) as apart:
        apart.submit(asyncio.run, work).result()


def create_app(settings: Settings) -> Litestar:
    check_settings(settings)
    schema = settings.database_schema
    tracing = install_tracing(settings) if settings.otlp_endpoint else None
    tracer = tracing.tracer if tracing is not None else None

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        services = await build_services(settings, schema)
        app.state.services = services
        try:
            async with jobs_beside_requests(services, settings):
                yield
        finally:
            await services.close()
            if tracing is not None:
                tracing.shutdown()

    def configure(config: AppConfig) -> AppConfig:
        config.debug = False  # errors never leak a stack trace to a client
        return config

    app = Litestar(
        route_handlers=[
            *graphql_handlers(graphql_schema, settings, tracer),
            *health_handlers(),
            pos_sync,
            download_customer_data,
            *staff_handlers(),
        ],
        lifespan=[lifespan],
        request_max_body_size=MAX_BODY_BYTES,
        # Any exception that is not an HTTPException is a bug: logged with its traceback and
        # answered as INTERNAL_ERROR with the request id (Litestar's own logs nothing here).
        exception_handlers={500: internal_error},
        on_app_init=[configure],
        # Logging is the process's (api/server/logs.py): Litestar would install a format of its own.
        logging_config=None,
    )
    # Around everything Litestar does for a request, as plain ASGI (request_ids.py says why).
    app.asgi_handler = RequestIdMiddleware(app.asgi_handler, tracer)
    return app


def install_tracing(settings: Settings) -> Tracing:
    """OpenTelemetry's SDK is imported here, only when traces are to be exported."""
    # An optional cost: without OTEL_EXPORTER_OTLP_ENDPOINT the SDK is never loaded.
    from api.server.telemetry import install_tracing as install

    return install(settings)
