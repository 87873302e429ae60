"""One GraphQL request over HTTP: the document (from the request, or from the persisted-query
registry by its hash), parsed and validated once per distinct text, executed by graphql-core
with the request's context, and answered with errors a client can act on.

strawberry's `Schema.execute` runs seven extension hooks per request around the same
graphql-core call; the parse and validation caches, the limits and the error masking here
are the ones this API needs, done once per document instead of per request.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    execute,
    parse,
)
from graphql.pyutils import is_awaitable
from strawberry import Schema
from strawberry.utils.await_maybe import await_maybe

from api.graphql.context import RequestContext, StaleRead
from api.graphql.engine.error_format import (
    execution_error,
    parse_failure,
    request_failure,
    validation_failure,
)
from api.graphql.engine.fast_fields import FastLeafExecutor
from api.graphql.engine.plan_run import PlanRun
from api.graphql.engine.plans import Plan, compile_plan
from api.graphql.engine.tracing import ResolverSpans, operation_span
from api.graphql.engine.validation import MAX_TOKENS, validate_in_order
from domain.errors import ErrorCode

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer

MAX_CACHED_DOCUMENTS = 1000
MAX_PERSISTED_QUERIES = 10_000


class RequestError(Exception):
    """The request is not a GraphQL request this endpoint serves (HTTP 400), or not with this
    method (HTTP 405: a mutation over GET)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Prepared:
    """A document parsed and validated once, or the errors that refuse it (as sent)."""

    document: DocumentNode | None
    errors: tuple[dict[str, Any], ...] = ()
    operations: Mapping[str | None, OperationType] = field(default_factory=dict)
    plans: Mapping[str | None, Plan | None] = field(default_factory=dict)


@dataclass
class Answer:
    body: dict[str, Any]
    status: int = 200
    operation: str = "anonymous"
    # Refused before execution (parse, validation, variables): the spec's "request error",
    # answered 400 and without `data` in application/graphql-response+json.
    request_error: bool = False
    # A query (not a mutation) answered without errors: GET may let caches keep it.
    cacheable: bool = False


class LRU(OrderedDict[str, Any]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: str, value: Any) -> None:
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)


class GraphQLExecutor:
    def __init__(self, schema: Schema, tracer: Tracer | None = None) -> None:
        self._documents = LRU(MAX_CACHED_DOCUMENTS)
        self._persisted = LRU(MAX_PERSISTED_QUERIES)
        self._schema = schema._schema
        self._context_class = FastLeafExecutor
        # With tracing on (api/server/telemetry.py): spans per operation and resolver (tracing.py).
        self._tracer = tracer
        self._middleware = [ResolverSpans(tracer)] if tracer is not None else None

    async def run(
        self,
        query: str | None,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        extensions: dict[str, Any] | None,
        context: RequestContext,
        method: str = "POST",
    ) -> Answer:
        query = self._query_text(query, extensions)
        if query is None:
            return _persisted_query_not_found()
        prepared = self._prepare(query)
        if prepared.document is None:
            return Answer({"data": None, "errors": list(prepared.errors)}, request_error=True)
        operation_name, operation = _operation(prepared, operation_name)
        _require_allowed(operation, method)
        context.writing = operation is OperationType.MUTATION
        if self._tracer is None:
            result = await self._execute(prepared, variables, operation_name, context)
        else:
            with operation_span(self._tracer, prepared.document, operation, operation_name):
                result = await self._execute(prepared, variables, operation_name, context)
        answer = _answer(result, context, operation_name)
        answer.cacheable = operation is OperationType.QUERY and "errors" not in answer.body
        return answer

    async def _execute(
        self,
        prepared: Prepared,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: RequestContext,
    ) -> ExecutionResult:
        assert prepared.document is not None
        plan = prepared.plans.get(operation_name)
        if plan is None:  # what plans leave to graphql-core
            return await await_maybe(  # type: ignore[no-any-return]
                execute(
                    self._schema,
                    prepared.document,
                    context_value=context,
                    variable_values=variables,
                    operation_name=operation_name,
                    middleware=self._middleware,
                    executor_class=self._context_class,
                    is_awaitable=is_awaitable,
                )
            )
        return await self._run_plan(plan, prepared.document, variables, operation_name, context)

    async def _run_plan(
        self,
        plan: Plan,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        context: RequestContext,
    ) -> ExecutionResult:
        executor = self._context_class.build(
            self._schema,
            document,
            context_value=context,
            raw_variable_values=variables,
            operation_name=operation_name,
            is_awaitable=is_awaitable,
        )
        if isinstance(executor, list):  # variables that cannot be coerced
            return ExecutionResult(None, executor)
        return await await_maybe(PlanRun(executor, self._tracer).run(plan))

    def _query_text(self, query: str | None, extensions: dict[str, Any] | None) -> str | None:
        """Automatic persisted queries: a client sends the sha256 of a document; the first
        time (unknown hash) it sends the document too, which is remembered by its hash."""
        persisted = (extensions or {}).get("persistedQuery")
        if not isinstance(persisted, dict):
            if query is None:
                raise RequestError("No GraphQL query found in the request")
            return query
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str):
            raise RequestError("persistedQuery needs a sha256Hash")
        if query is None:
            return self._persisted.get(digest)  # type: ignore[no-any-return]
        if hashlib.sha256(query.encode()).hexdigest() != digest:
            raise RequestError("provided sha256Hash does not match the query")
        self._persisted.remember(digest, query)
        return query

    def _prepare(self, query: str) -> Prepared:
        prepared = self._documents.get(query)
        if prepared is None:
            prepared = _parse_and_validate(query, self._schema)
            self._documents.remember(query, prepared)
        else:
            self._documents.move_to_end(query)
        return prepared  # type: ignore[no-any-return]


def _parse_and_validate(query: str, graphql_schema: Any) -> Prepared:
    try:
        document = parse(query, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return Prepared(None, (parse_failure(error),))
    errors = validate_in_order(graphql_schema, document)
    if errors:
        return Prepared(None, tuple(validation_failure(error) for error in errors))
    definitions = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    operations = {(d.name.value if d.name else None): d.operation for d in definitions}
    plans = {
        (d.name.value if d.name else None): compile_plan(graphql_schema, document, d)
        for d in definitions
    }
    return Prepared(document, (), operations, plans)


def _operation(prepared: Prepared, name: str | None) -> tuple[str | None, OperationType]:
    """The operation to run (the only one, or the one named) and its type."""
    operations = prepared.operations
    if name is None and len(operations) == 1:
        return next(iter(operations.items()))
    if name is None:
        raise RequestError(
            "The document holds several operations: name the one to run in operationName."
        )
    if name not in operations:
        raise RequestError(f"Unknown operation named '{name}'.")
    return name, operations[name]


def _require_allowed(operation: OperationType, method: str) -> None:
    if operation is OperationType.SUBSCRIPTION:
        raise RequestError(f"subscriptions are not allowed over {method}: use the WebSocket")
    if operation is OperationType.MUTATION and method != "POST":
        raise RequestError(f"mutations are not allowed over {method}: use POST", 405)


def _answer(result: ExecutionResult, context: RequestContext, name: str | None) -> Answer:
    body: dict[str, Any] = {"data": result.data}
    errors, unavailable = [], False
    for error in result.errors or ():
        shown, outage = execution_error(error, context.outage)
        unavailable = unavailable or outage
        errors.append(shown)
    errors += [_stale(read) for read in context.stale_reads]
    if errors:
        body["errors"] = errors
    # Variables that cannot be coerced: nothing ran, no error has a path.
    refused = result.data is None and bool(result.errors)
    refused = refused and all(e.path is None for e in result.errors or ())
    return Answer(body, 503 if unavailable else 200, name or "anonymous", refused)


def _stale(read: StaleRead) -> dict[str, Any]:
    names = ", ".join(read.projections)
    extensions: dict[str, Any] = {
        "code": "STALE_READ",
        "position": read.position,
        "projections": list(read.projections),
    }
    if read.parked_stream is None:
        message = f"read models {names} had not reached {read.position} in time"
        extensions["retryable"] = True
    else:
        # Asking again does not help: the stream waits for an operator (README, "When a
        # read model parks a stream").
        message = (
            f"read model {names} parked stream {read.parked_stream} at {read.position}: it "
            "could not apply an event of it"
        )
        extensions.update(retryable=False, parkedStream=str(read.parked_stream))
    return {
        "message": f"{message}; this answer may be stale",
        "path": list(read.path),
        "extensions": extensions,
    }


def _persisted_query_not_found() -> Answer:
    error = request_failure("PersistedQueryNotFound", ErrorCode.PERSISTED_QUERY_NOT_FOUND)
    return Answer({"data": None, "errors": [error]})
