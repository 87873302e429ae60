"""A toy read model for runner tests: one row per payment (so a double apply is caught by the
primary key) and a running total per till."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from domain.ports import RecordedEvent
from projections.runner import Projection

TOPIC = "tests.integration.test_event_store_contract:Till."


class TillTakings(Projection):
    name = "till_takings"
    topics = (TOPIC,)
    tables = ("till_payments", "till_totals")
    schema = """
    CREATE TABLE till_payments{s} (
        stream_id uuid, version int, amount numeric NOT NULL,
        PRIMARY KEY (stream_id, version));
    CREATE TABLE till_totals{s} (
        stream_id uuid PRIMARY KEY, payments int NOT NULL, total numeric NOT NULL);
    CREATE INDEX till_totals_by_total{s} ON till_totals{s} (total);
    """
    fail_on_amount: str | None = None

    async def apply(
        self, connection: asyncpg.Connection, batch: Sequence[RecordedEvent], suffix: str
    ) -> None:
        payments = [r for r in batch if r.topic.endswith(".PaymentTaken")]
        for r in payments:
            if str(r.event.amount.amount) == self.fail_on_amount:
                raise ValueError(f"refusing {r.event.amount}")
        await connection.executemany(
            f"INSERT INTO till_payments{suffix} VALUES ($1, $2, $3)",
            [(r.stream_id, r.version, r.event.amount.amount) for r in payments],
        )
        await connection.executemany(
            f"""INSERT INTO till_totals{suffix} VALUES ($1, 1, $2)
                ON CONFLICT (stream_id) DO UPDATE SET payments = till_totals{suffix}.payments + 1,
                total = till_totals{suffix}.total + excluded.total""",
            [(r.stream_id, r.event.amount.amount) for r in payments],
        )


async def table_rows(pool: asyncpg.Pool, suffix: str = "") -> tuple[list, list]:
    payments = await pool.fetch(f"SELECT * FROM till_payments{suffix} ORDER BY 1, 2")
    totals = await pool.fetch(f"SELECT * FROM till_totals{suffix} ORDER BY 1")
    return [tuple(r) for r in payments], [tuple(r) for r in totals]
