"""The one error pipeline: what a client is told about a GraphQL error, over POST, GET and the
WebSocket alike (DESIGN §10). An ApiError as it is; an outage as a retryable UNAVAILABLE; a
document that does not parse as GRAPHQL_PARSE_FAILED, one the validation rules refuse as
GRAPHQL_VALIDATION_FAILED; variables that cannot be coerced as INVALID_INPUT; anything else
(a bug) as `internal error`. A server-side error (UNAVAILABLE, INTERNAL_ERROR) and a refused
request (BAD_REQUEST) carry the request id, to find their log line."""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from adapters.postgres.outage import OutageObserver
from api.graphql.errors import ApiError, Unavailable
from api.request_ids import current_request
from domain.errors import ErrorCode

log = logging.getLogger("omnicommerce.graphql")

INTERNAL_ERROR = "internal error"
SERVER_SIDE = frozenset({ErrorCode.UNAVAILABLE.value, ErrorCode.INTERNAL_ERROR.value})


def as_client_error(original: BaseException | None, outage: OutageObserver) -> ApiError | None:
    """What a client may be told about an exception raised while resolving a field: an
    ApiError as it is, an outage (adapters/postgres/outage.py decides; it logs one warning per
    outage and renews the pool) as Unavailable, anything else (a bug) nothing."""
    if isinstance(original, ApiError):
        return original
    if original is not None and outage.observe(original, "answering GraphQL"):
        return Unavailable("the service is briefly unavailable; try again in a moment")
    return None


def execution_error(error: GraphQLError, outage: OutageObserver) -> tuple[dict[str, Any], bool]:
    """An error raised while executing an operation, as sent, and whether it is an outage
    (HTTP answers 503). Logged here: a bug with its traceback, a refusal at INFO."""
    shown = as_client_error(error.original_error, outage)
    _log(error, shown)
    return formatted(error, shown), isinstance(shown, Unavailable)


def formatted(error: GraphQLError, shown: ApiError | None) -> dict[str, Any]:
    """The error as sent: field errors as the ApiError they are, request errors (variables
    that cannot be coerced: no path) as INVALID_INPUT, and anything else as `internal error`."""
    body: dict[str, Any] = dict(error.formatted)
    original = error.original_error
    if shown is not None:
        body["message"] = str(shown)
        body["extensions"] = shown.extensions
    elif original is not None and not isinstance(original, GraphQLError):
        body["message"] = INTERNAL_ERROR
        body["extensions"] = {"code": ErrorCode.INTERNAL_ERROR.value}
    elif error.path is None:
        body["extensions"] = _coded(error, ErrorCode.INVALID_INPUT)
    return with_request_id(body)


def parse_failure(error: GraphQLError) -> dict[str, Any]:
    """A document that is not GraphQL (or longer than the token limit)."""
    return {**error.formatted, "extensions": _coded(error, ErrorCode.GRAPHQL_PARSE_FAILED)}


def validation_failure(error: GraphQLError) -> dict[str, Any]:
    """A document the validation rules refuse; a rule that names its own code keeps it (text
    PostgreSQL cannot store is INVALID_INPUT)."""
    return {**error.formatted, "extensions": _coded(error, ErrorCode.GRAPHQL_VALIDATION_FAILED)}


def request_failure(message: str, code: ErrorCode = ErrorCode.BAD_REQUEST) -> dict[str, Any]:
    """A request refused before any document runs (its envelope, its method): logged, so it
    carries the request id as every other HTTP refusal does (api/http_errors.py)."""
    extensions: dict[str, Any] = {"code": code.value}
    if (ids := current_request.get()) is not None:
        extensions["requestId"] = ids.request_id
    return {"message": message, "extensions": extensions}


def with_request_id(body: dict[str, Any]) -> dict[str, Any]:
    extensions, ids = body.get("extensions"), current_request.get()
    if ids is not None and extensions is not None and extensions.get("code") in SERVER_SIDE:
        body["extensions"] = {**extensions, "requestId": ids.request_id}
    return body


def _coded(error: GraphQLError, code: ErrorCode) -> dict[str, Any]:
    own = error.extensions or {}
    return dict(own) if "code" in own else _code(code)


def _code(code: ErrorCode) -> dict[str, Any]:
    return {"code": code.value, "retryable": False}


def _log(error: GraphQLError, shown: ApiError | None) -> None:
    """A bug with its traceback; a refusal at INFO. (An outage was reported by the Outage.)"""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError) or isinstance(shown, Unavailable):
        return
    if shown is None:
        log.error("internal error at %s", error.path, exc_info=original)
    else:
        log.info("refused at %s: %s", error.path, shown)
