"""What every feature shares: money, the mutation payload's common part, and the way a use
case's refusal becomes a userError (or, for a missing permission, a GraphQL error)."""

from __future__ import annotations

from collections.abc import Awaitable
from decimal import Decimal
from typing import TypeVar

import msgspec
import strawberry

from api.graphql.errors import UserError, forbidden, user_error
from domain.errors import DomainError, NotAllowed
from domain.usecases.base import Done
from domain.values import Money as DomainMoney

R = TypeVar("R", bound=msgspec.Struct)


@strawberry.type(description="An amount in one currency, exact to the cent.")
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def of(cls, money: DomainMoney) -> Money:
        return cls(amount=money.amount, currency=money.currency)


@strawberry.type
class Payload:
    user_errors: list[UserError]
    position: str | None = strawberry.field(
        default=None,
        description="The write's place in the global order: pass it as `consistentWith` to "
        "read your own write.",
    )


async def attempt(use_case: Awaitable[Done[R]]) -> Done[R] | UserError:
    """Run a use case: its result, or the refusal as a userError (nothing was written).

    A refusal for lack of permission is not the request's content: it is a GraphQL error."""
    try:
        return await use_case
    except NotAllowed as refusal:
        raise forbidden(refusal) from None
    except DomainError as refusal:
        return user_error(refusal)
