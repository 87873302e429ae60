"""Spans for GraphQL, when tracing is on: one per operation, one per resolver.

strawberry's OpenTelemetryExtension hooks `Schema.execute`, which POST requests here never
run (execution.py executes documents itself, mostly through compiled plans), so the spans
are opened by our executor instead: the operation around the execution, and a resolver span
around each field with a resolver of its own. A plain attribute read (strawberry's basic
resolver, most fields of a cart) gets none: it takes no time worth seeing, and a span each
would cost more than the request's execution. Nothing here imports OpenTelemetry: the
tracer comes from api/server/telemetry.py, and when it is None none of this runs.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from graphql import DocumentNode, FieldNode, OperationDefinitionNode, OperationType
from graphql.pyutils import is_awaitable

from api.graphql.engine.fast_fields import BASIC_RESOLVER

if TYPE_CHECKING:
    from collections.abc import Callable

    from graphql import GraphQLResolveInfo
    from opentelemetry.trace import Span, Tracer


def operation_span(
    tracer: Tracer, document: DocumentNode, operation: OperationType, name: str | None
) -> AbstractContextManager[Span]:
    """`graphql.mutation Add`: the operation's name, or its root fields when it has none."""
    label = name or " ".join(_root_fields(document))
    return tracer.start_as_current_span(
        f"graphql.{operation.value} {label}",
        attributes={
            "graphql.operation.type": operation.value,
            "graphql.operation.name": name or "",
        },
    )


async def traced_resolve(
    tracer: Tracer,
    resolve: Callable[..., Any],
    source: Any,
    info: GraphQLResolveInfo,
    args: dict[str, Any],
) -> Any:
    """The resolver's call and, for an async one, its await, inside a span of its own."""
    name = f"graphql.resolve {info.parent_type.name}.{info.field_name}"
    with tracer.start_as_current_span(name, attributes={"graphql.field.path": _path(info)}):
        value = resolve(source, info, **args)
        return await value if is_awaitable(value) else value


def _root_fields(document: DocumentNode) -> list[str]:
    """The fields of an anonymous operation (the only operation of its document)."""
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    return [s.name.value for s in operation.selection_set.selections if isinstance(s, FieldNode)]


def _path(info: GraphQLResolveInfo) -> str:
    return ".".join(str(key) for key in info.path.as_list())


def is_basic(resolve: Callable[..., Any]) -> bool:
    return getattr(resolve, "__name__", "") == BASIC_RESOLVER


class ResolverSpans:
    """The same resolver spans on graphql-core's own path (documents no plan covers), as
    graphql-core middleware: given to `execute` only when tracing is on."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer

    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **args: Any) -> Any:
        if is_basic(next_) or info.field_name.startswith("__"):
            return next_(source, info, **args)
        return traced_resolve(self.tracer, next_, source, info, args)
