"""graphql-core's executor, with a short way through the commonest field: a leaf (scalar or
enum) read straight off its parent object, with no arguments and no resolver of its own.

graphql-core builds a resolve-info object for every field and strawberry routes a plain
attribute through its field machinery; for a cart with five lines that is most of a
request's execution time, spent on fields that are `getattr` and a serialize call. Such a
field here is read by strawberry's own basic resolver (so names and defaults stay
strawberry's), coerced by the type's own `coerce_output_value`, and every error goes through
graphql-core's `handle_field_error`, so nulls, non-null propagation and error paths are
exactly graphql-core's. Any other field takes graphql-core's path unchanged.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from graphql.pyutils import Path

from api.graphql.engine.storable import StorableTextExecutor

# strawberry's resolver for a field with no resolver, no extensions and no permissions
# (schema_converter.from_resolver): it ignores the info it is given.
BASIC_RESOLVER = "_get_basic_result"


class LeafShortcut:
    """What the shortcut needs to know of a field, worked out once per field definition."""

    __slots__ = ("leaf", "non_null")

    def __init__(self, leaf: GraphQLLeafType, non_null: bool) -> None:
        self.leaf, self.non_null = leaf, non_null


_shortcuts: dict[int, LeafShortcut | None] = {}


def _shortcut(field: GraphQLField) -> LeafShortcut | None:
    key = id(field)  # field definitions live as long as the schema
    if key not in _shortcuts:
        _shortcuts[key] = _work_out(field)
    return _shortcuts[key]


def _work_out(field: GraphQLField) -> LeafShortcut | None:
    resolve = field.resolve
    if resolve is None or getattr(resolve, "__name__", "") != BASIC_RESOLVER or field.args:
        return None
    kind, non_null = field.type, False
    if isinstance(kind, GraphQLNonNull):
        kind, non_null = kind.of_type, True
    return LeafShortcut(kind, non_null) if is_leaf_type(kind) else None


class FastLeafExecutor(StorableTextExecutor):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        field = parent_type.fields.get(node.name.value)
        shortcut = _shortcut(field) if field is not None and not node.arguments else None
        if shortcut is None or self.middleware_manager is not None:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        assert field is not None and field.resolve is not None
        try:
            result = field.resolve(source, None)
            if isinstance(result, Exception):
                raise result
            if result is None or result is Undefined:
                if shortcut.non_null:
                    msg = (
                        f"Cannot return null for non-nullable field"
                        f" {parent_type}.{node.name.value}."
                    )
                    raise TypeError(msg)
                return None
            return self.complete_leaf_value(shortcut.leaf, result)
        except Exception as raw_error:  # noqa: BLE001 - graphql-core's field error handling
            self.handle_field_error(raw_error, field.type, field_details_list, path)
            return None
