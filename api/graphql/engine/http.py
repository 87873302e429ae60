"""GraphQL over HTTP, as the graphql-over-http spec has it: POST with a JSON body, GET with
the request in the query string (queries and persisted-query hashes; a mutation is 405), each
answered in `application/graphql-response+json` when the client asks for it (request errors
with 400 and no `data`) or in `application/json` (request errors with 200, as before).

strawberry's Litestar view served POST through machinery this API does not use (batches,
multipart uploads, incremental delivery) and resolved three dependencies in an anyio task
group per request: together 400-800 us of CPU. Every request it cannot serve (not UTF-8, not
JSON, too deep, too large, no query, a bad `variables`...) is a GraphQL-shaped BAD_REQUEST
error, logged (api/http_errors.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from litestar import Request
from litestar.datastructures import State
from litestar.response import Response

from api.graphql.context import RequestContext
from api.graphql.engine.error_format import request_failure
from api.graphql.engine.execution import Answer, GraphQLExecutor, RequestError
from api.http_errors import UnreadableBody, log_refusal, read_body, unreadable

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer
    from strawberry import Schema

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
# A persisted query a client without credentials reads over GET: a shared cache may keep
# the answer this long (docs/decisions/2026-12-06-graphql-over-http.md).
PUBLIC_MAX_AGE_SECONDS = 10


class GraphQLRequest(msgspec.Struct, frozen=True):
    """A GraphQL-over-HTTP request (unknown members are ignored, as the spec asks)."""

    query: str | None = None
    variables: dict[str, Any] | None = None
    operationName: str | None = None
    extensions: dict[str, Any] | None = None


decode_request = msgspec.json.Decoder(GraphQLRequest).decode
decode_member = msgspec.json.Decoder(dict[str, Any] | None).decode
encode_json = msgspec.json.Encoder().encode
# Deeper than any input type of the schema; msgspec alone stops only near the interpreter's
# recursion limit (~1,000), and graphql-core's coercion recurses as deep again.
MAX_VARIABLES_DEPTH = 64


class GraphQLHttp:
    """The POST and GET handlers' shared work: decode, run, answer in the accepted type."""

    def __init__(self, schema: Schema, tracer: Tracer | None = None) -> None:
        self.executor = GraphQLExecutor(schema, tracer)

    async def post(self, request: Request[Any, Any, Any], state: State) -> Response[bytes]:
        media = response_type(request)
        if request.content_type[0] != JSON:
            return refused("Unsupported content type: send application/json", media, 415)
        try:
            body = _decoded(await read_body(request))
        except UnreadableBody as error:
            return refused(str(error), media)
        response, _ = await self.run(request, state, body, media, "POST")
        return response

    async def get(self, request: Request[Any, Any, Any], state: State) -> Response[bytes]:
        media = response_type(request)
        try:
            body = from_query_string(request.query_params)
        except UnreadableBody as error:
            return refused(str(error), media)
        response, cacheable = await self.run(request, state, body, media, "GET")
        # Shared caches may keep a persisted query read by its hash alone, without
        # credentials, answered without errors; everything else is the caller's own.
        anonymous_by_hash = body.query is None and "authorization" not in request.headers
        public = cacheable and anonymous_by_hash
        response.headers["cache-control"] = (
            f"public, max-age={PUBLIC_MAX_AGE_SECONDS}" if public else "no-store"
        )
        response.headers["vary"] = "Accept, Authorization"
        return response

    async def run(
        self,
        request: Request[Any, Any, Any],
        state: State,
        body: GraphQLRequest,
        media: str,
        method: str,
    ) -> tuple[Response[bytes], bool]:
        """The answer, and whether it is a query answered without errors."""
        context = RequestContext(state.services, request.headers)
        started = state.services.metrics.clock()
        try:
            answer = await self.executor.run(
                body.query, body.variables, body.operationName, body.extensions, context, method
            )
        except RequestError as error:
            allow = {"allow": "POST"} if error.status == 405 else None
            return refused(str(error), media, error.status, allow), False
        outcome = "error" if "errors" in answer.body else "ok"
        state.services.metrics.observe(answer.operation, outcome, started)
        return answered(answer, media), answer.cacheable


def response_type(request: Request[Any, Any, Any]) -> str:
    """application/graphql-response+json when the client names it at least as highly as
    application/json; application/json otherwise (no Accept, */*: the spec's legacy default)."""
    accept = request.headers.get("accept")
    if not accept or GRAPHQL_RESPONSE not in accept:
        return JSON
    weights = {JSON: 0.0, GRAPHQL_RESPONSE: 0.0}
    for part in accept.split(","):
        media, _, params = part.strip().partition(";")
        media = media.strip().lower()
        weight = _quality(params)
        if media in weights:
            weights[media] = max(weights[media], weight)
        elif media in ("*/*", "application/*"):
            weights[JSON] = max(weights[JSON], weight)
    if weights[GRAPHQL_RESPONSE] > 0 and weights[GRAPHQL_RESPONSE] >= weights[JSON]:
        return GRAPHQL_RESPONSE
    return JSON


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def answered(answer: Answer, media: str) -> Response[bytes]:
    body, status = answer.body, answer.status
    if media == GRAPHQL_RESPONSE and answer.request_error:
        body, status = {"errors": body["errors"]}, 400
    headers = {"retry-after": "1"} if status == 503 else None
    return Response(encode_json(body), status_code=status, media_type=media, headers=headers)


def refused(
    reason: str, media: str, status: int = 400, headers: dict[str, str] | None = None
) -> Response[bytes]:
    """A request refused before any document runs, as a GraphQL-shaped BAD_REQUEST."""
    log_refusal(reason)
    body = encode_json({"errors": [request_failure(reason)]})
    return Response(body, status_code=status, media_type=media, headers=headers)


def from_query_string(params: Any) -> GraphQLRequest:
    """The request of a GET: `query`, `operationName`, and `variables` and `extensions` as
    URL-encoded JSON objects."""
    try:
        variables = decode_member(params.get("variables") or "null")
        extensions = decode_member(params.get("extensions") or "null")
    except (msgspec.DecodeError, RecursionError) as error:
        raise UnreadableBody(f"variables and extensions must be JSON objects: {error}") from None
    _require_shallow(variables)
    query = params.get("query") or None
    name = params.get("operationName") or None
    if query is None and extensions is None:
        raise UnreadableBody("No GraphQL query found in the request")
    return GraphQLRequest(query, variables, name, extensions)


def _decoded(body: bytes) -> GraphQLRequest:
    if not body:
        raise UnreadableBody("the request has no body: send a JSON object with a query")
    try:
        decoded = decode_request(body)
    except msgspec.ValidationError as error:  # JSON, but not a GraphQL request's members
        raise UnreadableBody(f"not a GraphQL request: {error}") from None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
        raise UnreadableBody(unreadable(error)) from None
    _require_shallow(decoded.variables)
    return decoded


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
