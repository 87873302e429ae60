"""What plans leave to graphql-core, found by walking the document itself rather than by
asking plans.py: the fallback guard's reference (tests/plan_shadow.py, and the harvested client
documents in tests/unit/test_plans_on_the_real_schema.py)."""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    TypeInfo,
    Visitor,
    visit,
)
from graphql.utilities import TypeInfoVisitor


def fallback_reason(schema: GraphQLSchema, document: DocumentNode, name: str | None) -> str | None:
    """Why an operation is left to graphql-core (plans.py's module docstring lists what plans
    cover), found independently of plans.py; None when a plan should cover it."""
    [operation] = [
        d
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and (d.name.value if d.name else None) == name
    ]
    if operation.operation is OperationType.SUBSCRIPTION:
        return "a subscription"
    reasons: list[str] = []
    type_info = TypeInfo(schema)

    class Finder(Visitor):
        def enter(self, node: Any, *_: Any) -> None:
            if getattr(node, "directives", None):
                reasons.append("a directive")
            if isinstance(node, FieldNode) and node.name.value in ("__schema", "__type"):
                reasons.append("introspection")

    visit(document, TypeInfoVisitor(type_info, Finder()))
    if _key_selected_two_ways(document):
        reasons.append("a response key selected twice")
    return reasons[0] if reasons else None


def _key_selected_two_ways(document: DocumentNode) -> bool:
    """The same response key twice in one selection set, not as the same plain leaf."""
    found = False

    class Keys(Visitor):
        def enter_selection_set(self, node: Any, *_: Any) -> None:
            nonlocal found
            seen: dict[str, FieldNode] = {}
            for selection in node.selections:
                if not isinstance(selection, FieldNode):
                    continue
                key = selection.alias.value if selection.alias else selection.name.value
                first = seen.setdefault(key, selection)
                if first is not selection and (
                    first.selection_set or selection.selection_set or first.arguments
                ):
                    found = True

    visit(document, Keys())
    return found
