"""The strawberry schema the features' types are served through. Operations strawberry runs
itself (subscriptions over the WebSocket) get the same validation, token limit and error
pipeline as POST and GET (which execution.py runs without these extensions), and refuse
variables PostgreSQL cannot store through the same executor class."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxTokensLimiter, SchemaExtension

from api.graphql.engine.error_format import execution_error, parse_failure, validation_failure
from api.graphql.engine.storable import StorableTextExecutor
from api.graphql.engine.validation import MAX_TOKENS, ValidateInOrder


class ClientErrors(SchemaExtension):
    """Every error of an operation strawberry runs, as error_format.py tells it to clients:
    the same codes, `retryable` and request id as over HTTP. Each streamed result (a
    subscription's events) is rewritten before it is sent, the last one once."""

    def on_operation(self) -> Iterator[None]:
        self._streamed = False
        self._refused: list[GraphQLError] = []
        yield
        if not self._streamed:
            self._rewrite(self.execution_context.result)

    def on_validate(self) -> Iterator[None]:
        yield
        # What the rules refused (ValidateInOrder); strawberry later files execution errors
        # under the same name, so they are told apart here.
        self._refused = list(self.execution_context.pre_execution_errors or ())

    def on_stream_result(self, result: Any) -> Iterator[None]:
        self._streamed = True
        self._rewrite(result)
        yield None

    def _rewrite(self, result: Any) -> None:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [self._as_sent(error) for error in errors]

    def _as_sent(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context
        if context.graphql_document is None:
            body = parse_failure(error)
        elif error in self._refused:
            body = validation_failure(error)
        else:
            body, _ = execution_error(error, context.context.services.database.outage)
        return GraphQLError(
            body["message"],
            error.nodes,
            error.source,
            error.positions,
            error.path,
            extensions=body.get("extensions"),
        )


def build_schema(
    query: type[Any], mutation: type[Any], subscription: type[Any]
) -> strawberry.Schema:
    # Subscriptions run through strawberry's schema.subscribe, which runs these extensions
    # once per subscription; POST and GET requests never do (execution.py validates the same
    # way and formats errors through the same functions).
    return strawberry.Schema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        execution_context_class=StorableTextExecutor,
        extensions=(
            ValidateInOrder,
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            ClientErrors,
        ),
    )
