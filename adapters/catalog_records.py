"""The records of a catalog file, each with the line it starts on, its columns checked.

A CSV file's header, or each object of a JSON file, must name every required column and no
column the file kind does not know: a misspelt optional column would otherwise be ignored
without a word. Text PostgreSQL cannot store (NUL, lone surrogates) is refused here too.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any, NamedTuple

WHITESPACE = re.compile(r"[ \t\n\r]*")


class CatalogFileError(ValueError):
    """A file (or a request's rows) cannot be imported: which one, where, and why."""

    def __init__(
        self, path: str, row: int, field: str, problem: str, line: int | None = None
    ) -> None:
        self.path, self.row, self.field, self.problem, self.line = path, row, field, problem, line
        where = f", line {line}" if line is not None else f", row {row}" if row else ""
        about = f", field {field!r}" if field else ""
        super().__init__(f"{path}{where}{about}: {problem.rstrip('.')}.")


class Columns(NamedTuple):
    """What one kind of catalog file holds."""

    required: tuple[str, ...]
    optional: tuple[str, ...]

    def describe(self) -> str:
        return f"{', '.join(self.required)}, and optionally {', '.join(self.optional)}"


class Record(NamedTuple):
    line: int | None  # None for rows that came from a request, not a file
    fields: dict[str, Any]


def records(text: str, name: str, is_json: bool, columns: Columns) -> list[Record]:
    text = text.removeprefix("\ufeff")  # a byte-order mark, as spreadsheets save UTF-8
    found = _json_records(text, name, columns) if is_json else _csv_records(text, name, columns)
    for number, record in enumerate(found, start=1):
        _require_storable(record, number, name)
    return found


def _csv_records(text: str, name: str, columns: Columns) -> list[Record]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [column.strip() for column in next(reader, [])]
        _require_columns(header, columns, name, 1, "no column", "columns")
        found: list[Record] = []
        last_line = reader.line_num
        for values in reader:
            line, last_line = last_line + 1, reader.line_num
            if not any(value.strip() for value in values):
                continue  # a blank line
            if len(values) != len(header):
                problem = f"{len(values)} values for the {len(header)} columns of line 1"
                raise CatalogFileError(name, len(found) + 1, "", problem, line)
            found.append(Record(line, dict(zip(header, values, strict=True))))
    except csv.Error as error:
        raise CatalogFileError(name, 0, "", f"not CSV ({error})", reader.line_num) from None
    return found


def _json_records(text: str, name: str, columns: Columns) -> list[Record]:
    """Element by element, so that each object's line is known."""
    found: list[Record] = []
    decoder, line, counted_to = json.JSONDecoder(), 1, 0
    try:
        at = _skip(text, 0)
        if not text.startswith("[", at):
            raise CatalogFileError(name, 0, "", "a JSON catalog file holds a list of objects", 1)
        at = _skip(text, at + 1)
        while not text.startswith("]", at):
            value, end = decoder.raw_decode(text, at)
            line, counted_to = line + text.count("\n", counted_to, at), at
            if not isinstance(value, dict):
                problem = "each element of the list must be an object, {...}"
                raise CatalogFileError(name, len(found) + 1, "", problem, line)
            _require_columns(list(value), columns, name, line, "the object has no", "fields")
            found.append(Record(line, value))
            at = _skip(text, end)
            if text.startswith(",", at):
                at = _skip(text, at + 1)
            elif not text.startswith("]", at):
                raise json.JSONDecodeError("Expecting ',' or ']'", text, at)
        if _skip(text, at + 1) != len(text):
            raise json.JSONDecodeError("Extra data after the list", text, at + 1)
    except json.JSONDecodeError as error:
        problem = f"not valid JSON ({error.msg}, column {error.colno})"
        raise CatalogFileError(name, 0, "", problem, error.lineno) from None
    return found


def _skip(text: str, at: int) -> int:
    match = WHITESPACE.match(text, at)
    return match.end() if match else at


def _require_columns(
    names: list[str], columns: Columns, path: str, line: int, missing_is: str, kind: str
) -> None:
    known = set(columns.required) | set(columns.optional)
    missing = [column for column in columns.required if column not in names]
    unknown = [column for column in names if column not in known]
    repeated = sorted({column for column in names if names.count(column) > 1})
    expected = f"expected the {kind} {columns.describe()}"
    if missing:
        problem = f"{missing_is} {_listed(missing)}; {expected}."
    elif unknown:
        problem = f"unknown {kind[:-1]} {_listed(unknown)}; {expected}."
    elif repeated:
        problem = f"{_listed(repeated)} named twice; {expected}."
    else:
        return
    raise CatalogFileError(path, 0, "", problem, line)


def _listed(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)


def _require_storable(record: Record, row: int, path: str) -> None:
    for field, value in record.fields.items():
        for text in _texts(value):
            if "\x00" in text:
                problem = "contains a NUL character, which cannot be stored"
                raise CatalogFileError(path, row, field, problem, record.line)
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                problem = "contains a lone surrogate (\\ud800 to \\udfff), which is not text"
                raise CatalogFileError(path, row, field, problem, record.line) from None


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for pair in value.items() for item in pair for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []
