"""The GraphQL a newcomer copies from the README is valid against the schema the code builds:
a renamed field or a list turned into a connection fails here, not in their GraphiQL."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import parse, validate

from adapters.settings import Settings
from api.graphql.schema import schema

README = Path(__file__).resolve().parents[2] / "README.md"
FENCED_GRAPHQL = re.compile(r"```graphql\n(.*?)```", re.DOTALL)
# "<cartId>" stands for a value from an earlier answer; any UUID is also a valid String.
PLACEHOLDER = re.compile(r'"<[^">]+>"')
A_UUID = '"00000000-0000-4000-8000-000000000000"'


def readme_operations() -> list[str]:
    """Each line that starts an operation begins a document of its own, as the README shows
    one operation per line or block."""
    operations: list[str] = []
    for block in FENCED_GRAPHQL.findall(README.read_text()):
        for line in block.splitlines():
            if re.match(r"(query|mutation|subscription)\b|\{", line):
                operations.append(line)
            elif operations and line.strip():
                operations[-1] += "\n" + line
    return [PLACEHOLDER.sub(A_UUID, operation) for operation in operations]


def test_the_readme_shows_graphql() -> None:
    assert len(readme_operations()) >= 3


def test_every_graphql_example_in_the_readme_is_valid() -> None:
    graphql_schema = schema._schema
    invalid = {
        operation: [error.message for error in validate(graphql_schema, parse(operation))]
        for operation in readme_operations()
    }
    assert {op: errors for op, errors in invalid.items() if errors} == {}


def test_every_setting_is_in_the_readmes_settings_table_and_nothing_else() -> None:
    table = README.read_text().split("## Settings", 1)[1].split("\n## ", 1)[0]
    first_cells = [row.split("|")[1] for row in table.splitlines() if row.startswith("| `")]
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z0-9_]+)`", cell)}

    assert documented == set(Settings.environment_names().values())
