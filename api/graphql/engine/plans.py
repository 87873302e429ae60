"""Compiled execution plans: a validated document's operation turned, once, into a tree of
the fields to resolve and how to complete each value, then run per request.

graphql-core walks the document anew on every request: it collects fields per selection set,
builds a resolve-info object per field and dispatches on the return type per value, which for
a cart of five lines was most of the request's CPU. A plan does that walking once per
document; plan_run.py runs a plan per request.

Plans cover what this API's clients send: fields, aliases, arguments and variables, inline
fragments and fragment spreads (on the object's type, or on an interface or union it belongs
to), `__typename`, lists and non-null wrappers of objects and leaves, and abstract types
(`node(id:)` answers the `Node` interface): one object plan per possible type, chosen per
value by the type's own `resolve_type`. Anything else (directives such as @skip/@include,
introspection, the same response key selected twice in different ways) compiles to no plan
and is run by graphql-core unchanged. A differential test runs the same
documents both ways and compares the answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLAbstractType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    is_abstract_type,
    is_leaf_type,
)

from api.graphql.engine.fast_fields import BASIC_RESOLVER


class Unsupported(Exception):
    """The document uses something plans leave to graphql-core."""


@dataclass(frozen=True, slots=True)
class Leaf:
    kind: GraphQLLeafType


@dataclass(frozen=True, slots=True)
class ListOf:
    item: Shape


@dataclass(frozen=True, slots=True)
class NonNull:
    inner: Shape


@dataclass(frozen=True, slots=True)
class FieldPlan:
    key: str  # the response key (alias or name)
    name: str
    parent: GraphQLObjectType
    field: GraphQLField | None  # None for __typename
    nodes: list[FieldNode]
    shape: Shape
    basic: bool  # strawberry's plain attribute read: needs no info, takes no arguments
    has_args: bool


@dataclass(frozen=True, slots=True)
class ObjectPlan:
    type: GraphQLObjectType
    fields: tuple[FieldPlan, ...]
    # Every field below is a plain attribute read: nothing can be awaited, so it completes
    # on the direct path (no awaitable checks, paths built only for errors).
    synchronous: bool


@dataclass(frozen=True, slots=True)
class AbstractOf:
    kind: GraphQLAbstractType
    plans: dict[str, ObjectPlan]  # one per possible type, by its name


Shape = Union[Leaf, ListOf, NonNull, ObjectPlan, AbstractOf]  # noqa: UP007 - a recursive alias


@dataclass(frozen=True, slots=True)
class _Document:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]


@dataclass(frozen=True, slots=True)
class Plan:
    root: ObjectPlan
    serial: bool  # mutations run their root fields one after another


def compile_plan(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> Plan | None:
    """The operation's plan, or None when it uses what plans leave to graphql-core."""
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
    }.get(operation.operation)
    if root is None or operation.directives:
        return None
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    try:
        plan = _object(_Document(schema, fragments), root, operation.selection_set)
    except Unsupported:
        return None
    return Plan(plan, serial=operation.operation is OperationType.MUTATION)


def _object(
    doc: _Document,
    type_: GraphQLObjectType,
    selection_set: SelectionSetNode,
) -> ObjectPlan:
    # A type's is_type_of (strawberry gives one to every type with an interface) only checks
    # what a resolver returned for it, which plans take on trust as they do for every type.
    grouped: dict[str, list[FieldNode]] = {}
    _collect(doc, type_, selection_set, grouped)
    fields = tuple(_field(doc, type_, key, nodes) for key, nodes in grouped.items())
    synchronous = all(f.basic and is_synchronous(f.shape) for f in fields)
    return ObjectPlan(type_, fields, synchronous)


def is_synchronous(shape: Shape) -> bool:
    if isinstance(shape, NonNull):
        return is_synchronous(shape.inner)
    if isinstance(shape, ListOf):
        return is_synchronous(shape.item)
    if isinstance(shape, AbstractOf):
        return False
    return isinstance(shape, Leaf) or shape.synchronous


def _collect(
    doc: _Document,
    type_: GraphQLObjectType,
    selection_set: SelectionSetNode,
    grouped: dict[str, list[FieldNode]],
) -> None:
    condition: NamedTypeNode | None
    for selection in selection_set.selections:
        if selection.directives:
            raise Unsupported("directives")
        if isinstance(selection, FieldNode):
            key = selection.alias.value if selection.alias else selection.name.value
            grouped.setdefault(key, []).append(selection)
            continue
        if isinstance(selection, FragmentSpreadNode):
            fragment = doc.fragments[selection.name.value]
            if fragment.directives:
                raise Unsupported("directives")
            condition, inner = fragment.type_condition, fragment.selection_set
        else:
            assert isinstance(selection, InlineFragmentNode)
            condition, inner = selection.type_condition, selection.selection_set
        if condition is not None and not _applies(doc.schema, condition.name.value, type_):
            continue  # a fragment on another of an abstract type's possible types
        _collect(doc, type_, inner, grouped)


def _applies(schema: GraphQLSchema, condition: str, type_: GraphQLObjectType) -> bool:
    """graphql-core's does_fragment_condition_match."""
    named = schema.get_type(condition)
    if named is type_:
        return True
    return is_abstract_type(named) and schema.is_sub_type(named, type_)  # type: ignore[arg-type]


def _field(
    doc: _Document,
    parent: GraphQLObjectType,
    key: str,
    nodes: list[FieldNode],
) -> FieldPlan:
    node = nodes[0]
    name = node.name.value
    if len(nodes) > 1 and not _repeats_a_plain_field(nodes):
        raise Unsupported("a response key selected twice")
    if name == "__typename":
        return FieldPlan(key, name, parent, None, [node], NonNull(Leaf(_STRING)), True, False)
    if name.startswith("__"):
        raise Unsupported("introspection")
    field = parent.fields[name]
    shape = _shape(doc, field.type, node)
    resolve = field.resolve
    basic = resolve is not None and getattr(resolve, "__name__", "") == BASIC_RESOLVER
    has_args = bool(field.args or node.arguments)
    return FieldPlan(key, name, parent, field, list(nodes), shape, basic and not has_args, has_args)


def _repeats_a_plain_field(nodes: list[FieldNode]) -> bool:
    first = nodes[0]
    return all(
        n.name.value == first.name.value
        and not n.arguments
        and not n.selection_set
        and not first.selection_set
        for n in nodes
    )


def _shape(doc: _Document, type_: GraphQLOutputType, node: FieldNode) -> Shape:
    if isinstance(type_, GraphQLNonNull):
        return NonNull(_shape(doc, type_.of_type, node))
    if isinstance(type_, GraphQLList):
        return ListOf(_shape(doc, type_.of_type, node))
    if is_leaf_type(type_):
        return Leaf(type_)  # type: ignore[arg-type]
    if isinstance(type_, GraphQLObjectType) and node.selection_set is not None:
        return _object(doc, type_, node.selection_set)
    if is_abstract_type(type_) and node.selection_set is not None:
        possible = doc.schema.get_possible_types(type_)  # type: ignore[arg-type]
        plans = {t.name: _object(doc, t, node.selection_set) for t in possible}
        return AbstractOf(type_, plans)  # type: ignore[arg-type]
    raise Unsupported("an abstract type")


class _TypeName:
    """__typename completes as a String."""

    @staticmethod
    def coerce_output_value(value: Any) -> str:
        return str(value)


_STRING: Any = _TypeName
