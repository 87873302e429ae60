"""The /graphql routes: POST through our executor (execution.py, http.py); GraphiQL (GET)
and subscriptions (WebSocket, graphql-transport-ws) through strawberry's controller, with
the same context, limits and error masking."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError
from litestar import Request, WebSocket
from litestar.background_tasks import BackgroundTasks
from litestar.datastructures import State
from litestar.di import Provide
from litestar.response import Response
from strawberry.extensions import AddValidationRules, MaskErrors, MaxTokensLimiter
from strawberry.litestar import make_graphql_controller
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from adapters.settings import Settings
from api.graphql.context import RequestContext
from api.graphql.errors import as_client_error
from api.graphql.http import graphql_post_handler
from api.graphql.schema import LIMIT_RULES, MAX_TOKENS, schema


def _hides(error: GraphQLError) -> bool:
    """Subscriptions show what the client can act on and hide anything unexpected."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return as_client_error(original) is None


# Subscriptions run through strawberry's schema.subscribe, which runs these extensions once
# per subscription; POST requests never do (execution.py applies the same rules itself).
schema.extensions = (
    lambda: AddValidationRules(list(LIMIT_RULES)),
    lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
    lambda: MaskErrors(should_mask_error=_hides, error_message="internal error"),
)


async def http_context(state: State, request: Request[Any, Any, Any]) -> RequestContext:
    return RequestContext(state.services, request.headers)


async def websocket_context(state: State, socket: WebSocket[Any, Any, Any]) -> RequestContext:
    """One context per WebSocket connection; its token arrives in connection_init."""
    return RequestContext(state.services, socket.headers)


def _plain_response() -> Response[Any]:
    return Response({}, background=BackgroundTasks([]))


def graphql_handlers(settings: Settings) -> list[Any]:
    base = make_graphql_controller(
        schema,
        path="/graphql",
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=False,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
    )

    class GraphiQLAndSubscriptions(base):  # type: ignore[valid-type, misc]
        handle_http_post = None  # Litestar collects only route handlers: this one is gone
        # strawberry provides this empty response object through a worker thread
        # (sync_to_thread=True): a thread hop per GET for nothing that blocks.
        dependencies = {
            **base.dependencies,
            "response": Provide(_plain_response, sync_to_thread=False),
            # Our typed context, not strawberry's dict or msgspec BaseContext.
            "context": Provide(http_context),
            "context_ws": Provide(websocket_context),
        }

    return [GraphiQLAndSubscriptions, graphql_post_handler("/graphql")]
