"""GraphQL over HTTP POST: one JSON body in, the executor's answer out.

strawberry's Litestar view serves the same requests through machinery this API does not use
(GET queries, batches, multipart uploads, incremental delivery, content negotiation), and
Litestar resolved its three dependencies in an anyio task group per request: together
400-800 us of CPU per request. This handler keeps the view's answers (status codes,
messages, the `data`/`errors`/`extensions` body), except that a request it cannot serve
(not UTF-8, not JSON, too deep, too large, no query...) is answered as a GraphQL-shaped
BAD_REQUEST error and logged (api/http_errors.py). GraphiQL and subscriptions stay with
strawberry's controller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Request, post
from litestar.datastructures import State
from litestar.response import Response
from strawberry import Schema

from api.graphql.context import RequestContext
from api.graphql.engine.execution import GraphQLExecutor, RequestError
from api.http_errors import UnreadableBody, bad_request, decode_body, read_body

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
# Deeper than any input type of the schema; msgspec alone stops only near the interpreter's
# recursion limit (~1,000), and graphql-core's coercion recurses as deep again.
MAX_VARIABLES_DEPTH = 64


def graphql_post_handler(schema: Schema, path: str, tracer: Tracer | None = None) -> Any:
    executor = GraphQLExecutor(schema, tracer)

    @post(path, status_code=200, media_type="application/json", include_in_schema=False)
    async def execute_graphql_post(
        request: Request[Any, Any, Any], state: State
    ) -> Response[bytes]:
        if request.content_type[0] != "application/json":
            return bad_request("Unsupported content type", 415)
        try:
            body = decode_body(decode_request, await read_body(request))
            _require_shallow(body.variables)
        except UnreadableBody as error:
            return bad_request(str(error))
        context = RequestContext(state.services, request.headers)
        started = state.services.metrics.clock()
        try:
            answer = await executor.run(
                body.query, body.variables, body.operationName, body.extensions, context
            )
        except RequestError as error:
            return bad_request(str(error))
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


def _require_shallow(variables: dict[str, Any] | None) -> None:
    # +1: the variables object itself; a variable's value may nest MAX_VARIABLES_DEPTH levels.
    if variables is not None and _deeper_than(variables, MAX_VARIABLES_DEPTH + 1):
        raise UnreadableBody(f"variables are nested deeper than {MAX_VARIABLES_DEPTH} levels")


def _deeper_than(value: Any, levels: int) -> bool:
    """Whether objects and arrays nest in `value` (itself one level) past `levels`."""
    if levels == 0:
        return True
    kind = type(value)
    inner = value.values() if kind is dict else value if kind is list else ()
    for item in inner:
        kind = type(item)
        if (kind is dict or kind is list) and _deeper_than(item, levels - 1):
            return True
    return False
