"""GraphQL over HTTP POST: one JSON body in, the schema executed, one JSON body out.

strawberry's Litestar view serves the same requests through machinery this API does not use
(GET queries, batches, multipart uploads, incremental delivery, content negotiation), and
Litestar resolves its three dependencies in an anyio task group per request: together
400-800 us of CPU per request, more than a third of an add-to-cart. This handler keeps the
view's answers (status codes, messages, the `data`/`errors`/`extensions` body) and nothing
else; GraphiQL and subscriptions stay with strawberry's controller.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, post
from litestar.datastructures import State
from litestar.response import Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema import Schema
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api.graphql.loaders import Loaders

ALLOWED_OVER_POST = {OperationType.QUERY, OperationType.MUTATION}


class GraphQLRequest(msgspec.Struct, frozen=True):
    """The body of a GraphQL-over-HTTP POST (unknown members are ignored, as the spec asks)."""

    query: str | None = None
    variables: dict[str, Any] | None = None
    operationName: str | None = None
    extensions: dict[str, Any] | None = None


decode_request = msgspec.json.Decoder(GraphQLRequest).decode
encode_json = msgspec.json.Encoder().encode


def graphql_post_handler(schema: Schema, path: str) -> Any:
    @post(path, status_code=200, media_type="application/json", include_in_schema=False)
    async def execute_graphql_post(
        request: Request[Any, Any, Any], state: State
    ) -> Response[bytes]:
        if request.content_type[0] != "application/json":
            return _answer("Unsupported content type", 415)
        try:
            body = decode_request(await request.body())
        except msgspec.DecodeError:
            return _answer("Unable to parse request body as JSON")
        context = {
            "request": request,
            "services": state.services,
            "loaders": Loaders(state.services.database.pool),
        }
        try:
            result = await schema.execute(
                body.query,  # type: ignore[arg-type]  # None: MissingQueryError below
                variable_values=body.variables,
                context_value=context,
                operation_name=body.operationName,
                allowed_operation_types=ALLOWED_OVER_POST,
                operation_extensions=body.extensions,
            )
        except CannotGetOperationTypeError as error:
            return _answer(error.as_http_error_reason())
        except InvalidOperationTypeError as error:
            return _answer(error.as_http_error_reason("POST"))
        except MissingQueryError:
            return _answer("No GraphQL query found in the request")
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [error.formatted for error in result.errors]
        if result.extensions:
            answer["extensions"] = result.extensions
        return Response(encode_json(answer), media_type="application/json")

    return execute_graphql_post


def _answer(reason: str, status_code: int = 400) -> Response[bytes]:
    return Response(reason.encode(), status_code=status_code, media_type="text/plain")
