"""Staff credentials in PostgreSQL: upserts for imports, look-ups and the lock-out counter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
import msgspec

MAX_FAILED_ATTEMPTS = 5
LOCK_SECONDS = 15 * 60


class StaffCredential(msgspec.Struct, frozen=True, kw_only=True):
    staff_id: str
    stores: tuple[str, ...]
    staff_role: str
    pin_hash: str
    locked_until: datetime | None = None


async def upsert_staff_credentials(
    connection: asyncpg.Connection, credentials: Sequence[StaffCredential]
) -> None:
    """Insert or update every row, in the caller's transaction; a new PIN clears a lock."""
    await connection.executemany(
        """INSERT INTO staff_credentials (staff_id, stores, staff_role, pin_hash)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (staff_id) DO UPDATE SET stores = excluded.stores,
             staff_role = excluded.staff_role, pin_hash = excluded.pin_hash,
             failed_attempts = 0, locked_until = NULL, updated_at = now()""",
        [(c.staff_id, list(c.stores), c.staff_role, c.pin_hash) for c in credentials],
    )


async def staff_credential(pool: asyncpg.Pool, staff_id: str) -> StaffCredential | None:
    row = await pool.fetchrow(
        """SELECT staff_id, stores, staff_role, pin_hash,
                  CASE WHEN locked_until > now() THEN locked_until END AS locked_until
           FROM staff_credentials WHERE staff_id = $1""",
        staff_id,
    )
    if row is None:
        return None
    return StaffCredential(**{**dict(row), "stores": tuple(row["stores"])})


async def record_failed_sign_in(pool: asyncpg.Pool, staff_id: str) -> None:
    """Count a wrong PIN; the fifth in a row locks the id (one statement: no lost counts)."""
    await pool.execute(
        """UPDATE staff_credentials SET
             locked_until = CASE WHEN failed_attempts + 1 >= $2
                            THEN now() + make_interval(secs => $3) ELSE locked_until END,
             failed_attempts = CASE WHEN failed_attempts + 1 >= $2 THEN 0
                               ELSE failed_attempts + 1 END
           WHERE staff_id = $1""",
        staff_id,
        MAX_FAILED_ATTEMPTS,
        LOCK_SECONDS,
    )


async def record_sign_in(pool: asyncpg.Pool, staff_id: str) -> None:
    await pool.execute(
        "UPDATE staff_credentials SET failed_attempts = 0 WHERE staff_id = $1 "
        "AND failed_attempts > 0",
        staff_id,
    )
