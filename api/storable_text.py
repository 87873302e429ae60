"""Text PostgreSQL cannot store, found before it is sent: NUL (U+0000), which no `text` or
`jsonb` value may hold, and unpaired surrogates (U+D800-U+DFFF), which have no UTF-8 form.
asyncpg fails on either deep inside a use case (`CharacterNotInRepertoireError`, jsonb's
"unsupported Unicode escape sequence"); the edge refuses them as invalid input instead:
GraphQL documents and variables (api/graphql/engine/storable.py), /pos/sync, the staff sign-in and
the headers copied into events (api/graphql/context.py)."""

from __future__ import annotations

import re
from typing import Any

import msgspec

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

Where = tuple[str | int, ...]


def unstorable_character(text: str) -> str | None:
    """The first character of `text` PostgreSQL cannot store, as `U+XXXX`; None if none."""
    # ASCII text (nearly all of it) has no surrogates: one memchr for NUL, no regex.
    if text.isascii() and "\x00" not in text:
        return None
    found = UNSTORABLE.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def find_unstorable(value: Any) -> tuple[Where, str] | None:
    """Where in `value` (text, or dicts, lists, tuples and msgspec structs of it) the first
    character PostgreSQL cannot store is, and which; None if nowhere. Values come decoded
    and bounded (GraphQL's coerced variables, msgspec structs), so recursion is shallow."""
    kind = type(value)
    if kind is str:
        character = unstorable_character(value)
        return None if character is None else ((), character)
    items: Any
    if kind is dict:
        items = value.items()
    elif kind is list or kind is tuple:
        items = enumerate(value)
    elif isinstance(value, msgspec.Struct):  # named as on the wire (rename="camel")
        names = zip(value.__struct_fields__, value.__struct_encode_fields__, strict=True)
        items = ((wire, getattr(value, name)) for name, wire in names)
    else:  # numbers, ids, dates, enums: nothing PostgreSQL could refuse
        return None
    for key, inner in items:
        found = find_unstorable(inner)
        if found is not None:
            return (key, *found[0]), found[1]
    return None


def dotted(where: Where) -> str:
    """`lines[0].sku` for ("lines", 0, "sku")."""
    text = ""
    for step in where:
        text += f"[{step}]" if isinstance(step, int) else f".{step}"
    return text.lstrip(".")


def refusal(subject: str, character: str) -> str:
    """The message a client gets: which value, and which character."""
    name = {"U+0000": "NUL (U+0000)"}.get(character, f"an unpaired surrogate ({character})")
    return f"{subject} holds {name}, which cannot be stored"
