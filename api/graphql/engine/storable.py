"""Every string argument of a GraphQL operation is text PostgreSQL can store (no NUL, no
unpaired surrogate; api/storable_text.py), or the operation is refused before it runs:
string literals by a validation rule (once per document, cached with it), variables once
they are coerced, by the executor every operation is built with. POST (execution.py) and
the WebSocket (strawberry's schema, which is given the same executor class) share both."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, StringValueNode, ValidationRule
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from api.storable_text import dotted, find_unstorable, refusal, unstorable_character
from domain.errors import ErrorCode

INVALID_INPUT = {"code": ErrorCode.INVALID_INPUT.value, "retryable": False}


class StorableTextRule(ValidationRule):
    """A string literal anywhere in the document (arguments, input objects, lists, variable
    defaults, block strings) holds only text PostgreSQL can store."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        character = unstorable_character(node.value)
        if character is not None:
            message = refusal("A string in the document", character)
            self.report_error(GraphQLError(message, node, extensions=dict(INVALID_INPUT)))


class StorableTextExecutor(StrawberryGraphQLCoreExecutionContext):
    """strawberry's executor, refusing variables that hold text PostgreSQL cannot store as
    graphql-core refuses variables it cannot coerce: before any field is resolved."""

    @classmethod
    def build(cls, *args: Any, **kwargs: Any) -> Any:
        return refuse_unstorable(super().build(*args, **kwargs))


def refuse_unstorable(executor: Any) -> Any:
    """The executor graphql-core built, or the errors that refuse the operation."""
    if isinstance(executor, list):  # graphql-core's own refusals
        return executor
    refused = unstorable_variable(executor.variable_values.coerced)
    return executor if refused is None else [refused]


def unstorable_variable(coerced: dict[str, Any]) -> GraphQLError | None:
    found = find_unstorable(coerced)
    if found is None:
        return None
    (name, *inner), character = found
    where = f'Variable "${name}"' + (f" at {dotted(tuple(inner))}" if inner else "")
    return GraphQLError(refusal(where, character), extensions=dict(INVALID_INPUT))
