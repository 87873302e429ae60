"""Text PostgreSQL cannot store (NUL, unpaired surrogates) is found wherever it hides in what
a client sends, and a GraphQL operation carrying it is refused before any field resolves:
by the validation rule for string literals, by the executor for coerced variables."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from graphql import execute, parse

from api.graphql.engine.fast_fields import FastLeafExecutor
from api.graphql.engine.validation import validate_in_order
from api.graphql.schema import schema
from api.rest.pos_sync import OfflineSale, SoldLine
from api.storable_text import find_unstorable

PRODUCT = "query($sku: String!) { product(sku: $sku) { sku } }"
INSPECT = """mutation($id: UUID!, $results: [InspectionInput!]!) {
  inspectReturn(returnId: $id, results: $results) { status } }"""
RETURN_ID = "00000000-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("DESK-FAN", None),
        ("Café ☕ 😀", None),  # a surrogate pair decodes to one character: storable
        ("DESK-FAN\x00", ((), "U+0000")),
        ("DESK\ud800FAN", ((), "U+D800")),
        ("\udfff", ((), "U+DFFF")),
        (
            {"sku": "ok", "lines": [{"sku": "ok"}, {"sku": "x\x00"}]},
            (("lines", 1, "sku"), "U+0000"),
        ),
        (("a", ("b", "\ud83d")), ((1, 1), "U+D83D")),
        ({"quantity": 3, "price": 1.5, "gift": None, "id": RETURN_ID}, None),
    ],
)
def test_finds_the_first_character_postgresql_cannot_store(value: Any, found: Any) -> None:
    assert find_unstorable(value) == found


def test_names_a_struct_field_as_the_client_spelled_it() -> None:
    sale = OfflineSale(sale_id="s-1", lines=[SoldLine(sku="LAVA\x00LAMP", quantity=1)])
    assert find_unstorable(sale) == (("lines", 0, "sku"), "U+0000")
    as_sent = msgspec.json.decode(msgspec.json.encode(sale), type=OfflineSale)
    assert find_unstorable(as_sent) == (("lines", 0, "sku"), "U+0000")


def run(document: str, variables: dict[str, Any] | None = None) -> Any:
    """The operation as POST runs it when no plan covers it; refused before any resolver,
    so no context or database is needed."""
    errors = validate_in_order(schema._schema, parse(document))
    if errors:
        return errors
    result = execute(
        schema._schema, parse(document), variable_values=variables, executor_class=FastLeafExecutor
    )
    assert not hasattr(result, "__await__"), "refused operations never reach a resolver"
    assert result.data is None  # type: ignore[union-attr]
    return result.errors  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("document", "variables", "message"),
    [
        (PRODUCT, {"sku": "A\x00"}, 'Variable "$sku" holds NUL (U+0000)'),
        (PRODUCT, {"sku": "A\ud800"}, 'Variable "$sku" holds an unpaired surrogate (U+D800)'),
        (
            INSPECT,
            {
                "id": RETURN_ID,
                "results": [{"sku": "ok", "resellable": 1, "damaged": 0}] * 2
                + [{"sku": "LAVA\x00", "resellable": 1, "damaged": 0}],
            },
            'Variable "$results" at [2].sku holds NUL (U+0000)',
        ),
        ('{ product(sku: "A\\u0000") { sku } }', None, "A string in the document holds NUL"),
        ('{ product(sku: """A\x00""") { sku } }', None, "A string in the document holds NUL"),
        (
            'query($sku: String! = "A\\u0000") { product(sku: $sku) { sku } }',
            None,
            "A string in the document holds NUL",
        ),
        (
            f'mutation {{ inspectReturn(returnId: "{RETURN_ID}", '
            'results: [{sku: "\\u0000", resellable: 1, damaged: 0}]) { status } }',
            None,
            "A string in the document holds NUL",
        ),
    ],
)
def test_an_operation_with_unstorable_text_is_refused_as_invalid_input(
    document: str, variables: dict[str, Any] | None, message: str
) -> None:
    errors = run(document, variables)
    assert [e.extensions["code"] for e in errors] == ["INVALID_INPUT"]
    assert errors[0].message.startswith(message), errors[0].message
