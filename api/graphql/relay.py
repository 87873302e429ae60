"""Relay cursor connections: every list that can grow pages with `first` and `after`.

A cursor is opaque to clients: URL-safe base64 of the sort key of its row, which always ends
in a unique column, so rows that share a timestamp are neither skipped nor repeated. `after`
means this cursor everywhere; waiting for a write is `consistentWith`.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import msgspec
import strawberry

from api.graphql.errors import BadInput

Item = TypeVar("Item")
Row = TypeVar("Row")

DEFAULT_PAGE = 20
MAX_PAGE = 100


@strawberry.interface(
    description="Anything a client caches by identity: `id` is global and opaque, and "
    "`node(id:)` refetches it, checked as the typed query that answers it."
)
class Node:
    id: strawberry.ID = strawberry.field(
        description="Global and opaque: pass it to `node(id:)`, never take it apart."
    )


def global_id(kind: str, *key: object) -> strawberry.ID:
    """`kind` and its key, e.g. ("Cart", cart id): URL-safe base64 of `Kind:key` (key parts
    joined by a line feed, which no SKU, store or customer id holds)."""
    text = kind + ":" + "\n".join(str(part) for part in key)
    return strawberry.ID(base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode())


def parse_global_id(value: str) -> tuple[str, list[str]]:
    """(kind, key parts) of a global id; BadInput when it is not one."""
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, ValueError):
        raise BadInput(f"id: {value!r} is not a global id") from None
    kind, colon, key = text.partition(":")
    parts = key.split("\n")
    if not colon or not kind.isalpha() or not key or global_id(kind, *parts) != value:
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


def decode_cursor(cursor: str | None, key_type: Any) -> Any:
    """The key a cursor stands for (typed, e.g. `tuple[datetime, UUID]`), or None for the
    first page; BadInput when it is not a cursor of this list."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=key_type)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise BadInput("after: not a cursor of this list") from None


def page_size(first: int | None) -> int:
    if first is None:
        return DEFAULT_PAGE
    if not 0 < first <= MAX_PAGE:
        raise BadInput(f"first: between 1 and {MAX_PAGE}")
    return first


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
