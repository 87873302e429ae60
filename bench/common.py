"""What every benchmark shares: a fresh schema, timing, percentiles, ratio lines, and the
eventsourcing library configured against the same server."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse
from uuid import uuid4

import msgspec

from adapters.postgres.database import Database, server_for
from adapters.postgres.pool import connect
from adapters.settings import Settings


@dataclass
class Rate:
    """Operations in a timed run, with their latencies."""

    operations: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0  # this process's CPU time (user + system) during the run

    @classmethod
    def merged(cls, runs: list[Rate]) -> Rate:
        """Several timed runs of the same thing as one (total operations over total time)."""
        return cls(
            sum(r.operations for r in runs),
            sum(r.seconds for r in runs),
            [x for r in runs for x in r.latencies],
            sum(r.cpu_seconds for r in runs),
        )

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * share), len(ordered) - 1)]

    @property
    def cpu_per_operation(self) -> float:
        """Client-side CPU seconds per operation (Python, asyncpg and the kernel's socket work)."""
        return self.cpu_seconds / self.operations if self.operations else 0.0

    def describe(self, unit: str = "ops") -> str:
        return (
            f"{self.per_second:10,.0f} {unit}/s  p50 {self.percentile(0.5) * 1000:7.2f} ms"
            f"  p99 {self.percentile(0.99) * 1000:7.2f} ms"
        )


async def timed_workers(
    concurrency: int,
    seconds: float,
    operation: Callable[[int], Awaitable[int]],
    warmup: int = 0,
) -> Rate:
    """Run `operation(worker)` in a loop on each worker for `seconds`; it returns units done.

    With `warmup`, every worker first runs it that many times, all at once and untimed, so
    that pooled connections are open and statements prepared before the clock starts."""
    for _ in range(warmup):
        await asyncio.gather(*(operation(n) for n in range(concurrency)))
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    done = 0

    async def worker(number: int) -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            units = await operation(number)  # not `done += await ...`: that loses updates
            done += units
            latencies.append(time.perf_counter() - started)

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return Rate(done, time.perf_counter() - started, latencies, time.process_time() - cpu)


def server_cpu_seconds(backend_pid: int) -> float | None:
    """CPU time (user + system) so far of a PostgreSQL backend process; None unless the
    server runs on this machine (its /proc entry names postgres)."""
    process = Path(f"/proc/{backend_pid}")
    try:
        if b"postgres" not in (process / "cmdline").read_bytes():
            return None
        fields = (process / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ratio_line(
    label: str, value: float, target: float | None, higher_is_better: bool = True
) -> str:
    """One ratio, judged against its target (None: printed for information only)."""
    if target is None:
        return f"  {label:58} {value:7.2f}x  (informational)"
    met = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    return f"  {label:58} {value:7.2f}x  (target {sign} {target:g}x: {'PASS' if met else 'MISS'})"


def target_line(label: str, value: float, target: float, unit: str, higher: bool = True) -> str:
    """A figure against an absolute target (not a ratio to a baseline): MET or MISSED."""
    met = value >= target if higher else value < target
    sign = ">=" if higher else "<"
    return f"  {label:50} {value:10,.2f} {unit:5} (target {sign} {target:,g}: " + (
        "MET)" if met else "MISSED)"
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


# The partitioned layout in benchmarks: partitions of 1,000 events, 21 ready at the start, so
# that a run's events cross partition bounds and a stream spans about as many partitions as it
# would in a store of 200 M events in the default partitions of 10 M.
BENCH_PARTITION_SIZE, BENCH_PARTITIONS_AHEAD = 1_000, 21


def in_layout(settings: Settings, layout: str) -> Settings:
    """`settings` whose fresh schemas get the events table in `layout`."""
    return msgspec.structs.replace(
        settings,
        events_layout=layout,
        events_partition_size=BENCH_PARTITION_SIZE,
        events_partitions_ahead=BENCH_PARTITIONS_AHEAD,
    )


@asynccontextmanager
async def fresh_database(settings: Settings, pool_size: int = 40) -> AsyncIterator[Database]:
    """A migrated schema of its own (`bench_<hex>`), dropped afterwards whatever happens."""
    schema = f"bench_{uuid4().hex[:10]}"
    try:
        database = await Database.open(settings, schema=schema, pool_size=pool_size)
        try:
            yield database
        finally:
            await database.close()
    finally:
        dsn, _ = server_for(settings)
        connection = await connect(dsn)
        try:
            await connection.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await connection.close()


def libpq_environment(dsn: str, schema: str, pool_size: int = 40) -> dict[str, str]:
    """The eventsourcing library's POSTGRES_* settings for the same server and schema.

    The embedded server's DSN names a Unix socket directory as `?host=`; psycopg takes a
    directory as its host the same way libpq does."""
    url = urlparse(dsn)
    query = parse_qs(url.query)
    host = query.get("host", [url.hostname or "127.0.0.1"])[0]
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": (url.path or "/postgres").lstrip("/") or "postgres",
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(url.port or query.get("port", ["5432"])[0]),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
    }


def eventsourcing_transcodings(*structs: type) -> list[Any]:
    """What the eventsourcing library needs to store our events: its default transcodings
    (UUID, Decimal, datetime) plus each msgspec Struct as a dict of its fields."""
    import msgspec
    from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, Transcoding, UUIDAsHex

    from domain.values import Money

    def as_dict(struct_type: type) -> Transcoding:
        assert issubclass(struct_type, msgspec.Struct)
        names = struct_type.__struct_fields__

        class StructAsDict(Transcoding):
            type = struct_type
            name = struct_type.__name__

            def encode(self, obj: Any) -> dict[str, Any]:
                return {f: getattr(obj, f) for f in names}

            def decode(self, data: dict[str, Any]) -> Any:
                return struct_type(**data)

        return StructAsDict()

    types = dict.fromkeys((Money, *structs))
    return [UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), *(as_dict(t) for t in types)]


def eventsourcing_application_class(*structs: type) -> type:
    """The eventsourcing library's Application, taught to store Money (and `structs`)."""
    from eventsourcing.application import Application
    from eventsourcing.persistence import Transcoder

    class BenchApplication(Application):
        def register_transcodings(self, transcoder: Transcoder) -> None:
            for transcoding in eventsourcing_transcodings(*structs):
                transcoder.register(transcoding)

    return BenchApplication
