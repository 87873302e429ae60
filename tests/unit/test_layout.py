"""Two layout rules a newcomer can rely on (issue 18): a file past 300 lines says why on its
first line, and an import inside a function of api/ says why it is not at the top (start-up
cost, or an optional dependency), never to dodge a cycle (lint-imports forbids the cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("api", "domain", "adapters", "projections", "bench", "simulate")
MAX_LINES = 300
REASON = "# Over 300 lines: "


def _sources(*packages: str) -> list[Path]:
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def test_every_file_past_300_lines_says_why_on_its_first_line() -> None:
    unexplained = []
    for path in _sources(*SHIPPED):
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MAX_LINES and not lines[0].startswith(REASON):
            unexplained.append(f"{path.relative_to(ROOT)} ({len(lines)} lines)")
    assert unexplained == [], f"split them, or start each with '{REASON}<why>'"


def test_every_import_inside_a_function_of_api_says_why() -> None:
    unexplained = []
    for path in _sources("api"):
        lines = path.read_text(encoding="utf-8").splitlines()
        for line_number in _imports_inside_functions(ast.parse("\n".join(lines))):
            if not _explained(lines, line_number):
                unexplained.append(f"{path.relative_to(ROOT)}:{line_number}")
    assert unexplained == [], "move them to the top, or say why (start-up cost, optional)"


def _imports_inside_functions(tree: ast.Module) -> list[int]:
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    return [
        node.lineno
        for function in ast.walk(tree)
        if isinstance(function, functions)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]


def _explained(lines: list[str], line_number: int) -> bool:
    """A comment on the import's line, or above it among the imports it opens."""
    index = line_number - 1
    while index >= 0:
        line = lines[index].strip()
        if "#" in line:
            return True
        if line and not line.startswith(("import ", "from ")):
            return False
        index -= 1
    return False
