"""The /graphql routes: POST and GET through our executor (execution.py, http.py); GraphiQL
(a GET that accepts text/html and carries no query, outside production) from files in the
package; subscriptions (WebSocket, graphql-transport-ws) through strawberry's controller,
with the same context, limits and error pipeline (schema.py, error_format.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from litestar import Request, WebSocket, get, post
from litestar.background_tasks import BackgroundTasks
from litestar.datastructures import State
from litestar.di import Provide
from litestar.response import Response
from litestar.static_files import create_static_files_router
from strawberry import Schema
from strawberry.litestar import make_graphql_controller
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from adapters.settings import Settings
from api.graphql.context import RequestContext
from api.graphql.engine.http import GraphQLHttp

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer


async def http_context(state: State, request: Request[Any, Any, Any]) -> RequestContext:
    return RequestContext(state.services, request.headers)


async def websocket_context(state: State, socket: WebSocket[Any, Any, Any]) -> RequestContext:
    """One context per WebSocket connection; its token arrives in connection_init."""
    return RequestContext(state.services, socket.headers)


def _plain_response() -> Response[Any]:
    return Response({}, background=BackgroundTasks([]))


GRAPHIQL = Path(__file__).parent / "graphiql"


def graphiql_page() -> Response[bytes]:
    """GraphiQL, from files in the package: it works on a machine with no internet."""
    page = (GRAPHIQL / "index.html").read_bytes()
    return Response(page, media_type="text/html", headers={"vary": "Accept"})


def wants_graphiql(request: Request[Any, Any, Any]) -> bool:
    """A browser opening /graphql: it accepts HTML and asks no query."""
    params = request.query_params
    asks = "query" in params or "extensions" in params
    return not asks and "text/html" in request.headers.get("accept", "")


def http_routes(schema: Schema, production: bool, tracer: Tracer | None) -> list[Any]:
    http = GraphQLHttp(schema, tracer)

    @post("/graphql", include_in_schema=False)
    async def graphql_post(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
        return await http.post(request, state)

    @get("/graphql", include_in_schema=False, cache=False)
    async def graphql_get(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
        if not production and wants_graphiql(request):
            return graphiql_page()
        return await http.get(request, state)

    return [graphql_post, graphql_get]


def graphql_handlers(schema: Schema, settings: Settings, tracer: Tracer | None = None) -> list[Any]:
    """The routes serving `schema` (built by build_schema)."""
    base = make_graphql_controller(
        schema,
        path="/graphql",
        graphql_ide=None,
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )

    class Subscriptions(base):  # type: ignore[valid-type, misc]
        # Litestar collects only route handlers: POST (http.py) and GET (GraphiQL) are ours.
        handle_http_post = None
        handle_http_get = None
        # strawberry provides this empty response object through a worker thread
        # (sync_to_thread=True): a thread hop per GET for nothing that blocks.
        dependencies = {
            **base.dependencies,
            "response": Provide(_plain_response, sync_to_thread=False),
            # Our typed context, not strawberry's dict or msgspec BaseContext.
            "context": Provide(http_context),
            "context_ws": Provide(websocket_context),
        }

        def decode_json(self, data: str | bytes) -> object:
            """A message nested past json's recursion limit is not JSON this API reads: the
            protocol closes the socket with 4400, not 4500 as if the server had failed."""
            try:
                return json.loads(data)
            except RecursionError:
                raise json.JSONDecodeError("nested too deeply", "", 0) from None

    handlers = [Subscriptions, *http_routes(schema, settings.production, tracer)]
    if not settings.production:
        handlers.append(create_static_files_router(path="/graphiql", directories=[GRAPHIQL]))
    return handlers
