"""The README's error codes are the server's: its table lists the `ErrorCode` enum, every
code once and in the enum's order, and no code the server never sends is named anywhere in it
(it once told clients to expect UNAUTHENTICATED, FORBIDDEN and BAD_USER_INPUT)."""

from __future__ import annotations

import re
from pathlib import Path

from graphql import GraphQLEnumType

from adapters.settings import Settings
from api.graphql.schema import schema
from domain.errors import ErrorCode

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
TABLE_ROW = re.compile(r"^\| `([A-Z_]+)` \|", re.MULTILINE)
SHOUTED = re.compile(r"`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,})`")
# Upper-case words the README names that are neither codes, enum values nor settings: the
# JetStream stream's default name.
OTHER_WORDS = {"OMNI"}


def error_table() -> list[str]:
    section = README.split("**Errors** come back", 1)[1].split("\n### ", 1)[0]
    return TABLE_ROW.findall(section)


def test_the_error_table_lists_every_code_the_server_sends_in_the_enums_order() -> None:
    assert error_table() == [code.value for code in ErrorCode]


def test_no_upper_case_name_in_the_readme_is_unknown_to_the_server() -> None:
    graphql_schema = schema._schema
    enum_values = {
        name
        for kind in graphql_schema.type_map.values()
        if isinstance(kind, GraphQLEnumType)
        for name in kind.values
    }
    settings = set(Settings.environment_names().values())
    known = enum_values | settings | {code.value for code in ErrorCode} | OTHER_WORDS

    assert sorted(set(SHOUTED.findall(README)) - known) == []
