"""Relay: object identification (the `Node` interface and its global ids) and cursor
connections: every list that can grow pages forward with `first`/`after` and backward with
`last`/`before`, as the Relay cursor spec has it.

A cursor is opaque to clients: URL-safe base64 of the sort key of its row, which always ends
in a unique column, so rows that share a timestamp are neither skipped nor repeated. `after`
and `before` mean this cursor everywhere; waiting for a write is `consistentWith`.

Every list's query reads forward from a key (`fetch(after, limit)`). A page forward is one
such read. A page backward (`last`, or `before`) reads forward in chunks from `after` (or the
start) to the `before` row and keeps the last rows: its cost grows with the distance from
the start, so that walk stops at WALK_LIMIT rows (docs/decisions/2026-12-06-relay-paging.md).
`first` and `last` together are INVALID_INPUT, as the spec advises; `first: 0` and `last: 0`
answer no edges, with pageInfo saying whether there are rows.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec
import strawberry

from api.graphql.errors import BadInput

Item = TypeVar("Item")
Row = TypeVar("Row")

DEFAULT_PAGE = 20
MAX_PAGE = 100
WALK_LIMIT = 5_000  # rows a backward page may read past to reach its `before` row


@strawberry.interface(
    description="Anything a client caches by identity: `id` is global and opaque, and "
    "`node(id:)` refetches it, checked as the typed query that answers it."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Global and opaque: pass it to `node(id:)`, never take it apart."
    )


class GlobalId:
    """A global id whose text is worked out only if it is served: graphql-core's ID scalar
    serializes an object of a type of its own through `str`, and most reads of a cart never
    select its lines' ids (bench/api.py: a 5-line cart builds six)."""

    __slots__ = ("key", "kind")

    def __init__(self, kind: str, key: tuple[object, ...]) -> None:
        self.kind, self.key = kind, key

    def __str__(self) -> str:
        return encode_global_id(self.kind, *self.key)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def global_id(kind: str, *key: object) -> strawberry.ID:
    """`kind` and its key, e.g. ("Cart", cart id), as the `id` of a Node (served as
    encode_global_id's text)."""
    return GlobalId(kind, key)  # type: ignore[return-value] # served as its text


def encode_global_id(kind: str, *key: object) -> str:
    """URL-safe base64 (no padding) of `Kind:key`, key parts joined by a line feed, which no
    SKU, store or customer id holds."""
    text = kind + ":" + "\n".join(str(part) for part in key)
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def parse_global_id(value: str) -> tuple[str, list[str]]:
    """(kind, key parts) of a global id; BadInput when it is not one."""
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, ValueError):
        raise BadInput(f"id: {value!r} is not a global id") from None
    kind, colon, key = text.partition(":")
    parts = key.split("\n")
    if not colon or not kind.isalpha() or not key or encode_global_id(kind, *parts) != value:
        raise BadInput(f"id: {value!r} is not a global id")
    return kind, parts


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Item]):
    cursor: str
    node: Item


@strawberry.type
class Connection(Generic[Item]):
    edges: list[Edge[Item]]
    page_info: PageInfo

    @strawberry.field(description="The nodes of this page, for clients that need no cursors.")
    def nodes(self) -> list[Item]:
        return [edge.node for edge in self.edges]


def encode_cursor(key: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(list(key))).rstrip(b"=").decode()


def decode_cursor(cursor: str | None, key_type: Any, argument: str = "after") -> Any:
    """The key a cursor stands for (typed, e.g. `tuple[datetime, UUID]`), or None for the
    first page; BadInput when it is not a cursor of this list."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=key_type)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise BadInput(f"{argument}: not a cursor of this list") from None


def page_size(first: int | None, argument: str = "first") -> int:
    """How many rows a page has: 0 is a page of no edges whose pageInfo still tells."""
    if first is None:
        return DEFAULT_PAGE
    if not 0 <= first <= MAX_PAGE:
        raise BadInput(f"{argument}: between 0 and {MAX_PAGE}")
    return first


@dataclass(frozen=True, slots=True)
class Page:
    """A connection field's paging arguments, checked."""

    first: int | None = None
    after: str | None = None
    last: int | None = None
    before: str | None = None

    def __post_init__(self) -> None:
        if self.first is not None and self.last is not None:
            raise BadInput("first, last: one or the other, as the Relay cursor spec advises")
        page_size(self.first)
        page_size(self.last, "last")

    @property
    def forward(self) -> bool:
        return self.last is None and self.before is None


Fetch = Callable[[Any, int], Awaitable[Sequence[Row]]]


async def paged(
    page: Page,
    key_type: Any,
    fetch: Fetch[Row],
    key: Callable[[Row], Sequence[Any]],
    node: Callable[[Row], Item],
    seen: Callable[[Sequence[Row]], None] | None = None,
) -> Connection[Item]:
    """The page `page` asks for of the list `fetch` reads forward (rows after a key, of type
    `key_type`, at most `limit` of them; None reads from the start). `seen`, when given, is
    told the rows of the page (e.g. to flag parked streams)."""
    after = decode_cursor(page.after, key_type)
    if page.forward:
        size = page_size(page.first)
        rows = await fetch(after, size + 1)
        if seen is not None:
            seen(rows[:size])
        return connection(rows, size, key, node, page.after)
    decode_cursor(page.before, key_type, "before")
    rows, reached = await _walk(page, key_type, fetch, key, after)
    if page.first is not None:
        chosen, more_after = rows[: page.first], len(rows) > page.first
        more_before = page.after is not None
    else:
        size = page_size(page.last, "last")
        chosen = rows[max(len(rows) - size, 0) :] if size else []
        more_before, more_after = len(rows) > size, reached
    if seen is not None:
        seen(chosen)
    edges = [Edge(cursor=encode_cursor(key(row)), node=node(row)) for row in chosen]
    return Connection(edges=edges, page_info=_page_info(edges, more_after, more_before))


async def _walk(
    page: Page, key_type: Any, fetch: Fetch[Row], key: Callable[[Row], Sequence[Any]], after: Any
) -> tuple[list[Row], bool]:
    """The rows after `after` up to the `before` row (not included), reading forward in
    chunks; (those rows, whether the `before` row was reached). With `first`, no more than
    first + 1 rows are read."""
    before = page.before.rstrip("=") if page.before is not None else None
    rows: list[Row] = []
    chunk = MAX_PAGE + 1
    while True:
        read = await fetch(after, chunk)
        for row in read:
            if encode_cursor(key(row)) == before:
                return rows, True
            rows.append(row)
            if page.first is not None and len(rows) > page.first:
                return rows, False
        if len(read) < chunk:
            return rows, False
        if len(rows) >= WALK_LIMIT:
            raise BadInput(
                f"before: more than {WALK_LIMIT} rows from the start (or `after`); "
                "page backward from a nearer `after`, or forward"
            )
        after = msgspec.json.decode(msgspec.json.encode(list(key(read[-1]))), type=key_type)


def _page_info(edges: Sequence[Edge[Any]], more_after: bool, more_before: bool) -> PageInfo:
    return PageInfo(
        has_next_page=more_after,
        has_previous_page=more_before,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )


def connection(
    rows: Sequence[Row],
    size: int,
    key: Callable[[Row], Sequence[Any]],
    node: Callable[[Row], Item],
    after: str | None = None,
) -> Connection[Item]:
    """A page from `size + 1` rows fetched after the cursor: the extra row says there is more."""
    page = rows[:size]
    edges = [Edge(cursor=encode_cursor(key(row)), node=node(row)) for row in page]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )
