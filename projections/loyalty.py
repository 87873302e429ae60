"""The loyalty ledger's read model: each customer's balance, what they owe, their totals, and
every movement (earned, reversed, redeemed, restored, expired, and a merge's transferred_out
and transferred_in, counted in no total) for `me { loyalty }`, a till and staff.

Rows are keyed by the ledger's stream id, which derives from the customer id
(`loyalty_account_id`), so a query needs no index on the customer. A batch folds into two
set-based statements: the movements inserted (once each: the stream version is the key) and
the balances moved by their sums. Points and ids only: nothing here is personal text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from domain.loyalty.model import LoyaltyAccount, loyalty_account_id
from domain.ports import RecordedEvent
from projections.batch import columns
from projections.runner import Projection

HISTORY_LIMIT = 50
ENTRY_TYPES = "uuid int4 text int4 int4 int4 text timestamptz".split()  # noqa: SIM905


class LoyaltyEntry(msgspec.Struct, frozen=True):
    """One movement of the ledger: `balance_change` and `owed_change` as it moved them."""

    kind: str  # earned, reversed, redeemed, restored, expired, transferred_out, transferred_in
    points: int
    balance_change: int
    owed_change: int
    source: str | None  # `order:<id>` or `sale:<id>`; none for an expiry or a transfer
    at: datetime


class LoyaltyView(msgspec.Struct, frozen=True):
    customer_id: str
    balance: int
    owed: int
    earned: int
    redeemed: int
    reversed: int
    expired: int
    next_expiry: datetime | None
    history: list[LoyaltyEntry]  # newest first
    restored: int = 0  # points paid with, given back by a cancellation or a refund


def _entry(e: object) -> tuple[str, int, int, int, str | None] | None:
    """(kind, points, balance change, owed change, source) of a movement; None otherwise."""
    match e:
        case LoyaltyAccount.Earned():
            return "earned", e.points, e.points - e.settled, -e.settled, e.source
        case LoyaltyAccount.Reversed():
            return "reversed", e.points, -(e.points - e.owed), e.owed, e.source
        case LoyaltyAccount.Redeemed():
            return "redeemed", e.points, -e.points, 0, e.source
        case LoyaltyAccount.Restored():
            return "restored", e.points, e.points, 0, e.source
        case LoyaltyAccount.Expired():
            return "expired", e.points, -e.points, 0, None
        case LoyaltyAccount.TransferredOut():
            return "transferred_out", e.points, -e.points, -e.owed, None
        case LoyaltyAccount.TransferredIn():
            return "transferred_in", e.points, e.points - e.settled, e.owed - e.settled, None
    return None


class _Totals:
    __slots__ = ("at", "balance", "customer_id", "next_expiry", "owed", "sums")

    def __init__(self) -> None:
        self.customer_id = ""
        self.balance = self.owed = 0
        self.sums = {"earned": 0, "redeemed": 0, "reversed": 0, "expired": 0, "restored": 0}
        self.next_expiry: datetime | None = None  # as the batch's last movement says
        self.at: datetime | None = None


class Loyalty(Projection):
    name = "loyalty"
    version = 2  # v2: points paid with, given back (`restored`)
    topics = ("domain.loyalty.model:LoyaltyAccount.",)
    tables = ("loyalty_balance", "loyalty_entry")
    schema = """
    CREATE TABLE loyalty_balance{s} (
        account_id   uuid PRIMARY KEY,
        customer_id  text NOT NULL DEFAULT '',
        balance      int NOT NULL DEFAULT 0,
        owed         int NOT NULL DEFAULT 0,
        earned       bigint NOT NULL DEFAULT 0,
        redeemed     bigint NOT NULL DEFAULT 0,
        reversed     bigint NOT NULL DEFAULT 0,
        expired      bigint NOT NULL DEFAULT 0,
        restored     bigint NOT NULL DEFAULT 0,
        next_expiry  timestamptz,
        updated_at   timestamptz
    );
    CREATE TABLE loyalty_entry{s} (
        account_id      uuid NOT NULL,
        version         int NOT NULL,
        kind            text NOT NULL,
        points          int NOT NULL,
        balance_change  int NOT NULL,
        owed_change     int NOT NULL,
        source          text,
        at              timestamptz NOT NULL,
        PRIMARY KEY (account_id, version)
    );
    """

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        totals: dict[UUID, _Totals] = {}
        entries: list[tuple[object, ...]] = []
        for recorded in batch:
            e = recorded.event
            account = totals.get(recorded.stream_id)
            if account is None:
                account = totals[recorded.stream_id] = _Totals()
            if isinstance(e, LoyaltyAccount.Opened):
                account.customer_id, account.at = e.customer_id, e.at
                continue
            moved = _entry(e)
            if moved is None:
                continue
            kind, points, balance_change, owed_change, source = moved
            at: datetime = e.at  # type: ignore[attr-defined]
            entries.append(
                (
                    recorded.stream_id,
                    recorded.version,
                    kind,
                    points,
                    balance_change,
                    owed_change,
                    source,
                    at,
                )
            )
            account.balance += balance_change
            account.owed += owed_change
            if kind in account.sums:  # a transfer is none of them: the points moved, whole
                account.sums[kind] += points
            account.next_expiry = e.next_expiry  # type: ignore[attr-defined]
            account.at = at
        if entries:
            await connection.execute(
                f"""INSERT INTO loyalty_entry{suffix}
                    SELECT * FROM unnest($1::uuid[], $2::int4[], $3::text[], $4::int4[],
                      $5::int4[], $6::int4[], $7::text[], $8::timestamptz[])""",
                *columns(entries, len(ENTRY_TYPES)),
            )
        if totals:
            rows = [
                (
                    account_id,
                    t.customer_id,
                    t.balance,
                    t.owed,
                    t.sums["earned"],
                    t.sums["redeemed"],
                    t.sums["reversed"],
                    t.sums["expired"],
                    t.sums["restored"],
                    t.next_expiry,
                    t.at,
                )
                for account_id, t in totals.items()
            ]
            await connection.execute(
                f"""INSERT INTO loyalty_balance{suffix} AS b (account_id, customer_id, balance,
                      owed, earned, redeemed, reversed, expired, restored, next_expiry,
                      updated_at)
                    SELECT account_id, customer_id, balance, owed, earned, redeemed, reversed,
                      expired, restored, next_expiry, updated_at
                    FROM unnest($1::uuid[], $2::text[], $3::int4[], $4::int4[], $5::int8[],
                      $6::int8[], $7::int8[], $8::int8[], $9::int8[], $10::timestamptz[],
                      $11::timestamptz[])
                      AS t(account_id, customer_id, balance, owed, earned, redeemed, reversed,
                        expired, restored, next_expiry, updated_at)
                    ON CONFLICT (account_id) DO UPDATE SET
                      customer_id = CASE WHEN excluded.customer_id <> ''
                        THEN excluded.customer_id ELSE b.customer_id END,
                      balance = b.balance + excluded.balance,
                      owed = b.owed + excluded.owed,
                      earned = b.earned + excluded.earned,
                      redeemed = b.redeemed + excluded.redeemed,
                      reversed = b.reversed + excluded.reversed,
                      expired = b.expired + excluded.expired,
                      restored = b.restored + excluded.restored,
                      next_expiry = excluded.next_expiry,
                      updated_at = excluded.updated_at""",
                *columns(rows, 11),
            )


async def loyalty_of(
    pool: asyncpg.Pool, customer_id: str, limit: int = HISTORY_LIMIT
) -> LoyaltyView:
    """A customer's balance and their latest movements (all zero for one who never earned)."""
    account_id = loyalty_account_id(customer_id)
    async with pool.acquire() as connection:
        row = await connection.fetchrow(
            "SELECT * FROM loyalty_balance WHERE account_id = $1", account_id
        )
        history = await connection.fetch(
            """SELECT kind, points, balance_change, owed_change, source, at FROM loyalty_entry
               WHERE account_id = $1 ORDER BY version DESC LIMIT $2""",
            account_id,
            limit,
        )
    entries = [LoyaltyEntry(**dict(entry)) for entry in history]
    if row is None:
        return LoyaltyView(customer_id, 0, 0, 0, 0, 0, 0, None, entries)
    return LoyaltyView(
        customer_id,
        row["balance"],
        row["owed"],
        row["earned"],
        row["redeemed"],
        row["reversed"],
        row["expired"],
        row["next_expiry"],
        entries,
        row["restored"],
    )
