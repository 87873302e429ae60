"""Errors as a client sees them: domain refusals become typed `userErrors` in the payload;
authentication, authorization, bad input and "try again later" become GraphQL errors with
`extensions.code`; anything else is a bug, shown only as `internal error` (the engine formats
them: api/graphql/engine/error_format.py)."""

from __future__ import annotations

from typing import Any

import strawberry

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
