"""Compiled plans on the real schema (issue 18 item 2, option b, sealed in graphql/engine/):

- every document the project's clients send without running a test (the staff pages'
  operations.js, the simulator, the README) is valid, and each of its operations compiles to
  a plan unless it uses something plans leave to graphql-core: no silent fallback;
- the private hooks the engine stands on are where it expects them: strawberry's
  `_get_basic_result` and `StrawberryGraphQLCoreExecutionContext`, and the graphql-core
  executor's methods plan_run.py calls. If one moves, the fast path would quietly stop
  applying; here it fails.

What those documents and every test's own answer, run both ways, is compared by
tests/plan_shadow.py (tests/api, tests/staff and tests/simulate run under it)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
from graphql import (
    GraphQLField,
    OperationDefinitionNode,
    get_named_type,
    is_leaf_type,
    parse,
    validate,
)
from graphql.execution import Executor
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import simulate
from api.graphql.engine.fast_fields import BASIC_RESOLVER, FastLeafExecutor
from api.graphql.engine.plans import FieldPlan, ListOf, NonNull, ObjectPlan, compile_plan
from api.graphql.engine.storable import StorableTextExecutor
from api.graphql.schema import schema
from tests.plan_fallback import fallback_reason
from tests.unit.test_readme_examples import readme_operations

GRAPHQL = schema._schema
OPERATIONS_JS = Path(__file__).resolve().parents[2] / "api/pages/static/js/operations.js"
TEMPLATE = re.compile(r"const (\w+) = [`\"](.*?)[`\"];", re.DOTALL)
OPERATION = re.compile(r"\s*(query|mutation|subscription)\b")
MY_CART = "query MyCart { myCart { id itemCount total { amount } lines { sku quantity } } }"


def staff_page_documents() -> dict[str, str]:
    """operations.js's template strings, with their `${NAME}` pieces put in."""
    pieces: dict[str, str] = {}
    for name, text in TEMPLATE.findall(OPERATIONS_JS.read_text()):
        pieces[name] = re.sub(r"\$\{(\w+)\}", lambda m: pieces[m.group(1)], text)
    return {f"operations.js {n}": t for n, t in pieces.items() if OPERATION.match(t)}


def simulator_documents() -> dict[str, str]:
    found = {}
    for module in pkgutil.iter_modules(simulate.__path__):
        loaded = importlib.import_module(f"simulate.{module.name}")
        for name, value in vars(loaded).items():
            if isinstance(value, str) and OPERATION.match(value) and "{" in value:
                found[f"simulate/{module.name}.py {name}"] = value
    return found


def readme_documents() -> dict[str, str]:
    return {f"README #{n}": text for n, text in enumerate(readme_operations(), 1)}


CLIENT_DOCUMENTS = {**staff_page_documents(), **simulator_documents(), **readme_documents()}


def test_the_harvest_finds_the_clients_documents() -> None:
    sources = {name.split(" ")[0].split("/")[0] for name in CLIENT_DOCUMENTS}
    assert sources == {"operations.js", "simulate", "README"}
    assert len(staff_page_documents()) >= 8 and len(simulator_documents()) >= 10


@pytest.mark.parametrize("name", sorted(CLIENT_DOCUMENTS))
def test_a_clients_document_compiles_unless_it_uses_what_plans_leave(name: str) -> None:
    document = parse(CLIENT_DOCUMENTS[name])
    assert [e.message for e in validate(GRAPHQL, document)] == []
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        label = operation.name.value if operation.name else None
        reason = fallback_reason(GRAPHQL, document, label)
        plan = compile_plan(GRAPHQL, document, operation)
        # Plans may learn more (interfaces, for Relay's Node): only a loss is a failure.
        assert plan is not None or reason is not None, (
            f"{name}: no plan, and nothing plans leave to graphql-core"
        )


def test_the_fallback_guard_names_what_plans_leave_to_graphql_core() -> None:
    cases = {
        'query { product(sku: "X") { sku @include(if: true) } }': "a directive",
        "query { __schema { queryType { name } } }": "introspection",
        'query { product(sku: "X") { sku } p: product(sku: "Y") { sku } }': None,
        'query { product(sku: "X") { sku } product(sku: "X") { name } }': (
            "a response key selected twice"
        ),
        "subscription { myCart { id: cartId } }": "a subscription",
    }
    for text, reason in cases.items():
        assert fallback_reason(GRAPHQL, parse(text), None) == reason, text


def test_strawberry_still_gives_plain_fields_its_basic_resolver() -> None:
    """The plans and the leaf shortcut read a plain attribute without resolve info only where
    strawberry's resolver is `_get_basic_result` (schema_converter.from_resolver)."""
    plain = GRAPHQL.get_type("CartLine").fields["sku"]  # type: ignore[union-attr]
    assert isinstance(plain, GraphQLField)
    assert getattr(plain.resolve, "__name__", None) == BASIC_RESOLVER
    basic = [
        f for t in GRAPHQL.type_map.values() for f in getattr(t, "fields", {}).values()
        if getattr(getattr(f, "resolve", None), "__name__", None) == BASIC_RESOLVER
    ]  # fmt: skip
    assert len(basic) > 100  # most of the schema's fields are plain attributes


def test_the_cart_read_compiles_to_the_fast_path() -> None:
    document = parse(MY_CART)
    [operation] = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    plan = compile_plan(GRAPHQL, document, operation)
    assert plan is not None
    [my_cart] = plan.root.fields
    cart = _object(my_cart)
    leaves = {f.name: f.basic for f in cart.fields if is_leaf_type(_named(f))}
    assert leaves == {"id": True, "itemCount": True}
    lines = _object(next(f for f in cart.fields if f.name == "lines"))
    assert lines.synchronous and all(f.basic for f in lines.fields)


def test_strawberrys_execution_context_is_the_one_both_paths_build_on() -> None:
    assert issubclass(StorableTextExecutor, StrawberryGraphQLCoreExecutionContext)
    assert issubclass(FastLeafExecutor, StorableTextExecutor)
    assert issubclass(StrawberryGraphQLCoreExecutionContext, Executor)
    assert schema.execution_context_class is StorableTextExecutor  # the WebSocket's too


@pytest.mark.parametrize(
    ("method", "parameters"),
    [
        ("build", ["schema", "document", "root_value", "context_value", "raw_variable_values"]),
        ("build_resolve_info", ["self", "field_def", "field_nodes", "parent_type", "path"]),
        ("complete_leaf_value", ["return_type", "result"]),
        ("build_response", ["self", "data"]),
        ("handle_field_error", ["self", "raw_error", "return_type", "field_details_list", "path"]),
        (
            "execute_field",
            ["self", "parent_type", "source", "field_details_list", "path", "position_context"],
        ),
    ],
)
def test_the_graphql_core_executor_methods_plans_call_are_where_they_were(
    method: str, parameters: list[str]
) -> None:
    found = list(inspect.signature(getattr(Executor, method)).parameters)
    assert found[: len(parameters)] == parameters


def test_the_graphql_core_helpers_plans_call_are_where_they_were() -> None:
    from graphql.execution.values import get_argument_values
    from graphql.pyutils import Path as ResponsePath
    from graphql.pyutils import gather_with_cancel

    assert list(inspect.signature(get_argument_values).parameters)[:3] == [
        "type_def",
        "node",
        "variable_values",
    ]
    assert ResponsePath(None, "cart", "Query").as_list() == ["cart"]
    assert inspect.iscoroutinefunction(gather_with_cancel)
    built = FastLeafExecutor.build(GRAPHQL, parse(MY_CART))
    assert not isinstance(built, list)
    assert hasattr(built, "collected_errors") and hasattr(built.variable_values, "coerced")


def _object(field: FieldPlan) -> ObjectPlan:
    shape = field.shape
    while isinstance(shape, NonNull | ListOf):
        shape = shape.inner if isinstance(shape, NonNull) else shape.item
    assert isinstance(shape, ObjectPlan), field.name
    return shape


def _named(field: FieldPlan) -> object:
    return get_named_type(field.field.type) if field.field is not None else None


NODE_DOCUMENTS = {
    "node with inline fragments": """query($id: ID!) { node(id: $id) { __typename id
      ... on Cart { cartId itemCount lines { id sku quantity } }
      ... on Product { sku name price { amount } } } }""",
    "a named fragment on Node": """query($id: ID!) { node(id: $id) { ...Ident } }
      fragment Ident on Node { id __typename }""",
    "nodes with a fragment on one type": """query($ids: [ID!]!) { nodes(ids: $ids) {
      id ...O } } fragment O on Order { orderId status total { amount } }""",
    "a fragment on Node inside a typed query": """query($id: UUID!) { cart(id: $id) {
      ...N lines { ...N sku } } } fragment N on Node { id }""",
    "Apollo's refetch, with __typename everywhere": """query Refetch($id: ID!) {
      node(id: $id) { __typename id ... on Cart { __typename cartId itemCount
        lines { __typename id sku quantity } } } }""",
}


@pytest.mark.parametrize("name", sorted(NODE_DOCUMENTS))
def test_documents_on_the_node_interface_compile_to_plans(name: str) -> None:
    document = parse(NODE_DOCUMENTS[name])
    assert [e.message for e in validate(GRAPHQL, document)] == []
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    label = operation.name.value if operation.name else None
    assert fallback_reason(GRAPHQL, document, label) is None
    assert compile_plan(GRAPHQL, document, operation) is not None, name


def test_an_abstract_field_plans_each_possible_type_with_the_fragments_that_apply() -> None:
    from api.graphql.engine.plans import AbstractOf

    document = parse(NODE_DOCUMENTS["node with inline fragments"])
    [operation] = document.definitions
    assert isinstance(operation, OperationDefinitionNode)
    plan = compile_plan(GRAPHQL, document, operation)
    assert plan is not None
    [node] = plan.root.fields
    assert isinstance(node.shape, AbstractOf)
    possible = {t.name for t in GRAPHQL.get_possible_types(node.shape.kind)}
    assert set(node.shape.plans) == possible and {"Cart", "Product", "Order"} <= possible
    keys = {name: [f.key for f in p.fields] for name, p in node.shape.plans.items()}
    assert keys["Cart"] == ["__typename", "id", "cartId", "itemCount", "lines"]
    assert keys["Product"] == ["__typename", "id", "sku", "name", "price"]
    assert keys["Order"] == ["__typename", "id"]
