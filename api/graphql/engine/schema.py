"""The strawberry schema the features' types are served through. Operations strawberry runs
itself (subscriptions over the WebSocket) get the same validation, token limit and error
masking as POST (which execution.py runs without these extensions), and refuse variables
PostgreSQL cannot store through the same executor class."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors, MaxTokensLimiter

from api.graphql.engine.storable import StorableTextExecutor
from api.graphql.engine.validation import MAX_TOKENS, ValidateInOrder
from api.graphql.errors import ApiError


def _hides(error: GraphQLError) -> bool:
    """Subscriptions show what the client can act on and hide anything unexpected."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return not isinstance(original, ApiError)


def build_schema(
    query: type[Any], mutation: type[Any], subscription: type[Any]
) -> strawberry.Schema:
    # Subscriptions run through strawberry's schema.subscribe, which runs these extensions
    # once per subscription; POST requests never do (execution.py validates the same way).
    return strawberry.Schema(
        query=query,
        mutation=mutation,
        subscription=subscription,
        execution_context_class=StorableTextExecutor,
        extensions=(
            ValidateInOrder,
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            lambda: MaskErrors(should_mask_error=_hides, error_message="internal error"),
        ),
    )
