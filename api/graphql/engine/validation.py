"""Validation in two passes: the spec's rules, then this API's own (depth, aliases, storable
text) only on a document that passed them. The limit rules assume a valid document:
strawberry's depth limiter looks every fragment spread up by name, and a spread of an
undefined fragment raised KeyError (HTTP 500 over POST, a bare `complete` over the
WebSocket) where the spec's rules answer "Unknown fragment"."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    specified_rules,
    validate,
)
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension

from api.graphql.engine.storable import StorableTextRule
from domain.errors import ErrorCode

log = logging.getLogger("omnicommerce.graphql")

MAX_DEPTH = 10
MAX_TOKENS = 2000
MAX_ALIASES = 20

# Built once: the rules are the same objects for every document, so a document validated
# once is never validated again (execution.py caches by the document's text).
LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)
API_RULES: tuple[type[ASTValidationRule], ...] = (*LIMIT_RULES, StorableTextRule)


def validate_in_order(schema: GraphQLSchema, document: DocumentNode) -> list[GraphQLError]:
    return validate(schema, document, specified_rules) or validate(schema, document, API_RULES)


class ValidateInOrder(SchemaExtension):
    """The same validation for operations strawberry runs (the WebSocket) as for POST: set
    before strawberry's own step, which then has nothing left to do. A rule that fails
    refuses the operation as `internal error` (an `error` message) and is logged as a bug."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        try:
            schema = context.schema._schema
            context.pre_execution_errors = validate_in_order(schema, context.graphql_document)
        except Exception:
            log.exception("validating a document failed")
            context.pre_execution_errors = [_internal_error()]
        yield


def _internal_error() -> GraphQLError:
    extensions: dict[str, Any] = {"code": ErrorCode.INTERNAL_ERROR.value}
    return GraphQLError("internal error", extensions=extensions)
