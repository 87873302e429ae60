"""Domain failures become typed userErrors in the mutation payload; nothing else does."""

from __future__ import annotations

import strawberry

from domain.errors import ConcurrencyError, DomainError
from domain.usecases.checkout import OutOfStock


@strawberry.type
class ShortLineError:
    sku: str
    requested: int
    available: int
    available_at: list[str]


@strawberry.type
class UserError:
    code: str
    field: str | None
    message: str
    short_lines: list[ShortLineError] | None = None


def user_error(error: DomainError) -> UserError:
    short = None
    if isinstance(error, OutOfStock):
        short = [
            ShortLineError(
                sku=s.sku,
                requested=s.requested,
                available=s.available,
                available_at=list(s.available_at),
            )
            for s in error.short
        ]
    if isinstance(error, ConcurrencyError):
        message = "someone else changed this at the same moment; please try again"
    else:
        message = str(error)
    return UserError(code=error.code, field=error.field, message=message, short_lines=short)


def invalid(field: str, message: str) -> UserError:
    return UserError(code="INVALID_INPUT", field=field, message=message)
