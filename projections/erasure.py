"""Scrubbing a customer out of the read models at their erasure (issue 20, item 2).

Before their key is forgotten, the erasure reads every personal text sealed with it (and with
the keys of the guests linked to them): those are exactly the texts a read model can hold of
them in the clear. Each read model then replaces them, in its rows of that customer only, with
the placeholder a rebuild would read (`ERASED`): a column that holds a whole text (a device
id, a reason) becomes the placeholder; a summary that quotes one (a timeline line) has the
quote replaced. A rebuild after the erasure therefore reproduces the scrubbed rows exactly.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

import asyncpg

from domain.personal import ERASED

CUSTOMER_ROWS = "customer_id = ANY($1::text[])"
# The rows of the customer's carts (their own and the guests' carts that sign-in assigned).
CUSTOMER_CARTS = "cart_id IN (SELECT cart_id FROM cart_view WHERE customer_id = ANY($1::text[]))"


def quoted(texts: Collection[str]) -> str | None:
    """A PostgreSQL regular expression matching any of the texts where a summary quotes one:
    after ": " or "(" and before ")" or the end (`Order cancelled: <reason>`, `... cancelled
    (<reason>), ...`), so that a short text elsewhere in the line is left alone. Group 1 is
    what precedes the quote."""
    wanted = sorted({t for t in texts if t and t != ERASED}, key=lambda t: (-len(t), t))
    if not wanted:
        return None
    return r"(: |\()(?:" + "|".join(re.escape(t) for t in wanted) + r")(?=\)|$)"


async def scrub(
    connection: asyncpg.Connection,
    table: str,
    where: str,
    customer_ids: Sequence[str],
    texts: Collection[str],
    whole: Sequence[str] = (),
    quoting: Sequence[str] = (),
) -> None:
    """In `table`'s rows matching `where` ($1: the customer ids), the columns `whole` that
    hold one of the texts become ERASED and the columns `quoting` have every quote replaced."""
    wanted = sorted({t for t in texts if t and t != ERASED})
    pattern = quoted(wanted)
    if pattern is None or not (whole or quoting):
        return
    sets = [f"{c} = CASE WHEN {c} = ANY($2::text[]) THEN $3::text ELSE {c} END" for c in whole]
    sets += [f"{c} = regexp_replace({c}, $4::text, '\\1' || $3::text, 'g')" for c in quoting]
    touched = [f"{c} = ANY($2::text[])" for c in whole] + [f"{c} ~ $4::text" for c in quoting]
    arguments: list[object] = [list(customer_ids), wanted, ERASED]
    if quoting:
        arguments.append(pattern)
    await connection.execute(
        f"UPDATE {table} SET {', '.join(sets)} WHERE ({where}) AND ({' OR '.join(touched)})",
        *arguments,
    )
