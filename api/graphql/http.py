"""GraphQL over HTTP POST: one JSON body in, the executor's answer out.

strawberry's Litestar view serves the same requests through machinery this API does not use
(GET queries, batches, multipart uploads, incremental delivery, content negotiation), and
Litestar resolved its three dependencies in an anyio task group per request: together
400-800 us of CPU per request. This handler keeps the view's answers (status codes,
messages, the `data`/`errors`/`extensions` body); GraphiQL and subscriptions stay with
strawberry's controller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Request, post
from litestar.datastructures import State
from litestar.response import Response

from api.graphql.context import RequestContext
from api.graphql.execution import GraphQLExecutor, RequestError

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer


class GraphQLRequest(msgspec.Struct, frozen=True):
    """The body of a GraphQL-over-HTTP POST (unknown members are ignored, as the spec asks)."""

    query: str | None = None
    variables: dict[str, Any] | None = None
    operationName: str | None = None
    extensions: dict[str, Any] | None = None


decode_request = msgspec.json.Decoder(GraphQLRequest).decode
encode_json = msgspec.json.Encoder().encode


def graphql_post_handler(path: str, tracer: Tracer | None = None) -> Any:
    executor = GraphQLExecutor(tracer)

    @post(path, status_code=200, media_type="application/json", include_in_schema=False)
    async def execute_graphql_post(
        request: Request[Any, Any, Any], state: State
    ) -> Response[bytes]:
        if request.content_type[0] != "application/json":
            return _reason("Unsupported content type", 415)
        try:
            body = decode_request(await request.body())
        except msgspec.DecodeError:
            return _reason("Unable to parse request body as JSON")
        context = RequestContext(state.services, request.headers)
        started = state.services.metrics.clock()
        try:
            answer = await executor.run(
                body.query, body.variables, body.operationName, body.extensions, context
            )
        except RequestError as error:
            return _reason(str(error))
        outcome = "error" if "errors" in answer.body else "ok"
        state.services.metrics.observe(answer.operation, outcome, started)
        headers = {"retry-after": "1"} if answer.status == 503 else None
        return Response(
            encode_json(answer.body),
            status_code=answer.status,
            media_type="application/json",
            headers=headers,
        )

    return execute_graphql_post


def _reason(reason: str, status_code: int = 400) -> Response[bytes]:
    return Response(reason.encode(), status_code=status_code, media_type="text/plain")
