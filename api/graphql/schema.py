"""The schema, its protections (depth, tokens, aliases, caches), and the Litestar controller."""

from __future__ import annotations

import time
from typing import Any

import strawberry
from graphql import GraphQLError
from litestar.background_tasks import BackgroundTasks
from litestar.datastructures import State
from litestar.di import Provide
from litestar.response import Response
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.litestar import make_graphql_controller
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from adapters.settings import Settings
from api.graphql.context import NotAllowed, NotAuthenticated
from api.graphql.http import graphql_post_handler
from api.graphql.loaders import Loaders
from api.graphql.mutations import Mutation
from api.graphql.queries import Query
from api.graphql.subscriptions import Subscription

MAX_DEPTH = 10
MAX_TOKENS = 2000
MAX_ALIASES = 20
EXPECTED = (NotAllowed, NotAuthenticated, ValueError)


# The depth and alias limiters build a validation rule class per instance; built once here,
# the rules stay the same objects on every request, so the validation cache can hit (a
# limiter built per request made every request validate from scratch: 6.9 ms for a trivial
# query).
LIMIT_RULES = [
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
]


def _hides(error: GraphQLError) -> bool:
    """Show what the client can act on; hide anything unexpected (no internals leak)."""
    original = error.original_error
    return original is not None and not isinstance(original, EXPECTED)


class OperationMetrics(SchemaExtension):
    """Request count and latency per operation, for /metrics."""

    def on_operation(self):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        yield
        context = self.execution_context
        name = context.operation_name or "anonymous"
        result = context.result
        outcome = "error" if result is not None and getattr(result, "errors", None) else "ok"
        services = context.context.get("services") if isinstance(context.context, dict) else None
        if services is not None:
            services.metrics.observe(name, outcome, time.perf_counter() - started)


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    # Factories: a fresh extension per request. The parse and validation caches live at
    # module level in strawberry, keyed by size, so they are shared across requests.
    extensions=[
        lambda: AddValidationRules(LIMIT_RULES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: ParserCache(maxsize=512),
        lambda: ValidationCache(maxsize=512),
        lambda: MaskErrors(should_mask_error=_hides, error_message="internal error"),
        OperationMetrics,
    ],
)


async def context_getter(state: State) -> dict[str, Any]:
    services = state.services
    return {"services": services, "loaders": Loaders(services.database.pool)}


def _plain_response() -> Response[Any]:
    return Response({}, background=BackgroundTasks([]))


def graphql_handlers(settings: Settings) -> list[Any]:
    """POST /graphql through our lean handler (api/graphql/http.py); GraphiQL (GET) and
    subscriptions (WebSocket) through strawberry's controller."""
    base = make_graphql_controller(
        schema,
        path="/graphql",
        context_getter=context_getter,
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
        }

    return [GraphiQLAndSubscriptions, graphql_post_handler(schema, "/graphql")]
