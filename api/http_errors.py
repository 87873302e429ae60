"""Errors at the HTTP edge, shaped as a GraphQL client reads them (`{"errors": [{"message",
"extensions": {"code", "requestId"}}]}`) and carrying the request id (api/request_ids.py), so
an operator finds the log line from the answer a client shows:

- a request the API cannot read (not UTF-8, not JSON, nested too deep, too large): 400
  `BAD_REQUEST`, logged once at WARNING;
- an unexpected exception anywhere: 500 `INTERNAL_ERROR`, logged with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import msgspec
from litestar import Request
from litestar.exceptions import ClientException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.response import Response

from api.request_ids import current_request
from domain.errors import ErrorCode

log = logging.getLogger("omnicommerce.http")

T = TypeVar("T")
encode_json = msgspec.json.Encoder().encode


# What msgspec raises on bad input: not all of it is a DecodeError.
UNREADABLE = (msgspec.DecodeError, UnicodeDecodeError, RecursionError)


class UnreadableBody(Exception):
    """The request's body is not one the API can read; the message says why."""


async def read_body(request: Request[Any, Any, Any]) -> bytes:
    try:
        return await request.body()
    except RequestEntityTooLarge:  # the app's request_max_body_size
        limit = request.route_handler.resolve_request_max_body_size()
        raise UnreadableBody(f"the request body is larger than {limit} bytes") from None
    except ClientException as error:  # a Content-Length that is not a number
        raise UnreadableBody(str(error.detail)) from None


def decode_body(decode: Callable[[bytes], T], body: bytes) -> T:
    try:
        return decode(body)
    except UNREADABLE as error:
        raise UnreadableBody(unreadable(error)) from None


def unreadable(error: Exception) -> str:
    """Why a body could not be decoded, in words a client can act on."""
    if isinstance(error, UnicodeDecodeError):
        return "the request body is not UTF-8"
    if isinstance(error, RecursionError):  # msgspec's nesting limit: the recursion limit
        return "the request body is nested too deeply"
    return f"Unable to parse request body as JSON: {error}"


def request_id() -> str | None:
    ids = current_request.get()
    return ids.request_id if ids is not None else None


def error_body(message: str, code: ErrorCode) -> bytes:
    extensions: dict[str, Any] = {"code": code.value}
    if (rid := request_id()) is not None:
        extensions["requestId"] = rid
    return encode_json({"errors": [{"message": message, "extensions": extensions}]})


def log_refusal(reason: str) -> None:
    log.warning("refused request %s: %s", request_id(), reason)


def bad_request(reason: str, status_code: int = 400) -> Response[bytes]:
    log_refusal(reason)
    body = error_body(reason, ErrorCode.BAD_REQUEST)
    return Response(body, status_code=status_code, media_type="application/json")


def internal_error(request: Request[Any, Any, Any], error: Exception) -> Response[bytes]:
    """Litestar's handler for every exception that is not an HTTPException: a bug."""
    where = f"{request.method} {request.url.path}"
    log.error("internal error in request %s (%s)", request_id(), where, exc_info=error)
    body = error_body("internal error", ErrorCode.INTERNAL_ERROR)
    return Response(body, status_code=500, media_type="application/json")
