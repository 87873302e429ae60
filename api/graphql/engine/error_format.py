"""What a client is told about a GraphQL error: an ApiError as it is, an outage as
UNAVAILABLE, a request error (parse, validation, variables) as INVALID_INPUT, and anything
else (a bug) as `internal error` with the request id, to find its traceback in the log."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError

from adapters.postgres.outage import OutageObserver
from api.graphql.errors import ApiError, Unavailable
from api.request_ids import current_request
from domain.errors import ErrorCode


def as_client_error(original: BaseException | None, outage: OutageObserver) -> ApiError | None:
    """What a client may be told about an exception raised while resolving a field: an
    ApiError as it is, an outage (adapters/postgres/outage.py decides; it logs one warning per
    outage and renews the pool) as Unavailable, anything else (a bug) nothing."""
    if isinstance(original, ApiError):
        return original
    if original is not None and outage.observe(original, "answering GraphQL"):
        return Unavailable("the service is briefly unavailable; try again in a moment")
    return None


def formatted(error: GraphQLError, shown: ApiError | None) -> dict[str, Any]:
    """The error as sent: request errors (parse, validation, variables: no path) as they are,
    field errors as the ApiError they are, and anything else as `internal error`."""
    body: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    if error.path is None:
        body["extensions"] = {"code": ErrorCode.INVALID_INPUT.value, "retryable": False}
    elif shown is not None:
        body["message"] = str(shown)
        body["extensions"] = shown.extensions
    elif original is not None and not isinstance(original, GraphQLError):
        body["message"] = "internal error"
        body["extensions"] = {"code": ErrorCode.INTERNAL_ERROR.value}
        if (ids := current_request.get()) is not None:  # to find the traceback in the log
            body["extensions"]["requestId"] = ids.request_id
    return body
