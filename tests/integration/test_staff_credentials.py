"""Staff credentials in PostgreSQL: imported, looked up, locked after five wrong PINs, and
unlocked by importing a new PIN."""

from __future__ import annotations

import msgspec

from adapters.postgres.database import Database
from adapters.postgres.staff_credentials import (
    MAX_FAILED_ATTEMPTS,
    StaffCredential,
    record_failed_sign_in,
    staff_credential,
    upsert_staff_credentials,
)

ED = StaffCredential(staff_id="staff-ed", stores=("AMS-ZUID",), staff_role="picker", pin_hash="h1")


async def test_an_imported_credential_is_found_by_staff_id(database: Database) -> None:
    async with database.pool.acquire() as connection:
        await upsert_staff_credentials(connection, [ED])
    assert await staff_credential(database.pool, "staff-ed") == ED
    assert await staff_credential(database.pool, "staff-nobody") is None


async def test_the_fifth_failure_in_a_row_locks_and_a_new_pin_unlocks(database: Database) -> None:
    async with database.pool.acquire() as connection:
        await upsert_staff_credentials(connection, [ED])
    for _ in range(MAX_FAILED_ATTEMPTS - 1):
        await record_failed_sign_in(database.pool, "staff-ed")
    assert (await staff_credential(database.pool, "staff-ed")).locked_until is None  # type: ignore[union-attr]
    await record_failed_sign_in(database.pool, "staff-ed")
    assert (await staff_credential(database.pool, "staff-ed")).locked_until is not None  # type: ignore[union-attr]

    async with database.pool.acquire() as connection:
        renewed = msgspec.structs.replace(ED, pin_hash="h2", staff_role="manager")
        await upsert_staff_credentials(connection, [renewed])
    again = await staff_credential(database.pool, "staff-ed")
    assert again is not None and again.locked_until is None
    assert (again.pin_hash, again.staff_role) == ("h2", "manager")
