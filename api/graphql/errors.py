"""Errors as a client sees them: domain refusals become typed `userErrors` in the payload;
authentication, authorization, bad input and "try again later" become GraphQL errors with
`extensions.code`; anything else is a bug, shown only as `internal error`."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError

from adapters.postgres.outage import Outage
from api.request_ids import current_request
from domain.errors import DomainError, ErrorCode, NotAllowed
from domain.usecases.checkout import OutOfStock


class ApiError(Exception):
    """A GraphQL error a client can act on: its code goes into `extensions.code`."""

    code = ErrorCode.INVALID_INPUT
    retryable = False

    def __init__(self, message: str) -> None:
        super().__init__(message)

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code.value, "retryable": self.retryable}


class NotAuthenticated(ApiError):
    code = ErrorCode.NOT_AUTHENTICATED


class Forbidden(ApiError):
    code = ErrorCode.NOT_ALLOWED


class BadInput(ApiError):
    code = ErrorCode.INVALID_INPUT


class NotFoundError(ApiError):
    """Something the request names does not exist (an unknown store, SKU or loyalty card)."""

    code = ErrorCode.NOT_FOUND


class Unavailable(ApiError):
    code = ErrorCode.UNAVAILABLE
    retryable = True


def as_client_error(original: BaseException | None, outage: Outage) -> ApiError | None:
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


def forbidden(refusal: NotAllowed) -> Forbidden:
    return Forbidden(str(refusal))


@strawberry.type(description="Which units of a line could not be reserved, and where they are.")
class ShortLineError:
    sku: str
    requested: int
    available: int
    available_at: list[str]


@strawberry.type(description="A refusal of the request's content: nothing was written.")
class UserError:
    code: ErrorCode
    field: str | None = strawberry.field(description="The argument or input field at fault.")
    message: str
    short_lines: list[ShortLineError] | None = None


def user_error(refusal: DomainError) -> UserError:
    short = None
    if isinstance(refusal, OutOfStock):
        short = [
            ShortLineError(
                sku=s.sku, requested=s.requested, available=s.available, available_at=s.available_at
            )
            for s in refusal.short
        ]
    field = _camel(refusal.subject) if refusal.subject else None
    return UserError(code=refusal.code, field=field, message=str(refusal), short_lines=short)


def invalid(field: str, message: str) -> UserError:
    return UserError(code=ErrorCode.INVALID_INPUT, field=field, message=message)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
