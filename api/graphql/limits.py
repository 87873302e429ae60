"""The domain's bounds (domain/bounds.py) as a GraphQL client meets them: stated in the
descriptions of arguments and input fields, and checked on query arguments.

A mutation's arguments are checked by the use case it calls (a userError naming the field,
nothing written), so every entry point shares one check. A query's string arguments are
checked here, before its resolver reads anything: past its bound, a GraphQL error with code
INVALID_INPUT naming the argument.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry
from strawberry.extensions import FieldExtension

from api.graphql.errors import BadInput
from domain.bounds import (
    MAX_ID_LENGTH,
    MAX_SALE_LINE_QUANTITY,
    MAX_SALE_LINES,
    MAX_SALE_NUMBER_LENGTH,
    MAX_SKU_LENGTH,
    MAX_STOCK,
    MAX_TEXT_LENGTH,
    MAX_UNIT_PRICE,
)

ID_LIMIT = f"At most {MAX_ID_LENGTH} characters."
SKU_LIMIT = f"At most {MAX_SKU_LENGTH} characters."
TEXT_LIMIT = f"At most {MAX_TEXT_LENGTH:,} characters."
SALE_NUMBER_LIMIT = f"The till's sale number: at most {MAX_SALE_NUMBER_LENGTH} characters."
SALE_LINES_LIMIT = f"1 to {MAX_SALE_LINES} lines."
SALE_QUANTITY_LIMIT = f"Units, 1 to {MAX_SALE_LINE_QUANTITY:,}."
UNIT_PRICE_LIMIT = (
    f"What the till charged, 0 to {MAX_UNIT_PRICE:,}; without it, today's catalog price."
)
RECEIVED_LIMIT = f"Units in; on hand after the receipt is at most {MAX_STOCK:,}."
COUNTED_LIMIT = f"Units counted, 0 to {MAX_STOCK:,}."


def described(text: str) -> Any:
    return strawberry.argument(description=text)


DeviceId = Annotated[
    str | None,
    described(f"This device's id (else X-Omni-Device), at most {MAX_ID_LENGTH} characters."),
]
Sku = Annotated[str, described(f"A product's SKU. {SKU_LIMIT}")]
LocationId = Annotated[str, described(f"A store or warehouse. {ID_LIMIT}")]
Reason = Annotated[str, described(f"Why, in a few words. {TEXT_LIMIT}")]
BoundedId = Annotated[str, described(ID_LIMIT)]
OptionalId = Annotated[str | None, described(ID_LIMIT)]

# Query arguments checked by their name; any other string argument is an id.
TEXT_ARGUMENTS = frozenset({"search"})
SKU_ARGUMENTS = frozenset({"sku", "skus"})
UNCHECKED_ARGUMENTS = frozenset({"consistent_with", "after"})  # parsed: a bad one is refused


class InvalidArgument(BadInput):
    """INVALID_INPUT, with the argument's name in `extensions.field`."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field

    @property
    def extensions(self) -> dict[str, Any]:
        return {**super().extensions, "field": self.field}


class ArgumentTooLong(InvalidArgument):
    def __init__(self, field: str, length: int, limit: int) -> None:
        super().__init__(field, f"{length:,} characters; at most {limit:,} are allowed")


class BoundedArguments(FieldExtension):
    """Refuses a query whose string arguments are past the bounds writes have."""

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        _check(kwargs)
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Any, **kwargs: Any
    ) -> Any:
        _check(kwargs)
        return await next_(source, info, **kwargs)


def _check(arguments: dict[str, Any]) -> None:
    for name, value in arguments.items():
        if name in UNCHECKED_ARGUMENTS or value is None:
            continue
        limit = _limit(name)
        for text in value if isinstance(value, list) else (value,):
            if isinstance(text, str) and len(text) > limit:
                raise ArgumentTooLong(_camel(name), len(text), limit)


def _limit(name: str) -> int:
    if name in SKU_ARGUMENTS:
        return MAX_SKU_LENGTH
    return MAX_TEXT_LENGTH if name in TEXT_ARGUMENTS else MAX_ID_LENGTH


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
