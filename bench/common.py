"""What every benchmark shares: a fresh schema, timing, percentiles, ratio lines."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse
from uuid import uuid4

from adapters.postgres.database import Database, server_for
from adapters.postgres.pool import connect
from adapters.settings import Settings


@dataclass
class Rate:
    """Operations in a timed run, with their latencies."""

    operations: int
    seconds: float
    latencies: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(int(len(ordered) * share), len(ordered) - 1)]

    def describe(self, unit: str = "ops") -> str:
        return (
            f"{self.per_second:10,.0f} {unit}/s  p50 {self.percentile(0.5) * 1000:7.2f} ms"
            f"  p99 {self.percentile(0.99) * 1000:7.2f} ms"
        )


async def timed_workers(
    concurrency: int, seconds: float, operation: Callable[[int], Awaitable[int]]
) -> Rate:
    """Run `operation(worker)` in a loop on each worker for `seconds`; it returns units done."""
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

    started = time.perf_counter()
    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return Rate(done, time.perf_counter() - started, latencies)


def ratio_line(label: str, value: float, target: float, higher_is_better: bool = True) -> str:
    met = value >= target if higher_is_better else value <= target
    sign = ">=" if higher_is_better else "<="
    return f"  {label:58} {value:7.2f}x  (target {sign} {target:g}x: {'PASS' if met else 'MISS'})"


def median(values: list[float]) -> float:
    return statistics.median(values)


@asynccontextmanager
async def fresh_database(settings: Settings, pool_size: int = 40) -> AsyncIterator[Database]:
    schema = f"bench_{uuid4().hex[:10]}"
    database = await Database.open(settings, schema=schema, pool_size=pool_size)
    try:
        yield database
    finally:
        await database.close()
        dsn, _ = server_for(settings)
        connection = await connect(dsn)
        await connection.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await connection.close()


def libpq_environment(dsn: str, schema: str) -> dict[str, str]:
    """The eventsourcing library's POSTGRES_* settings for the same server."""
    url = urlparse(dsn)
    query = parse_qs(url.query)
    host = query.get("host", [url.hostname or "127.0.0.1"])[0]
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": (url.path or "/postgres").lstrip("/") or "postgres",
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_PASSWORD": url.password or "",
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": "40",
        "POSTGRES_MAX_OVERFLOW": "10",
    }


def eventsourcing_transcodings() -> list:
    """What the eventsourcing library needs to store our events: its defaults plus our
    msgspec values, each as a dict."""
    import msgspec
    from eventsourcing.persistence import (
        DatetimeAsISO,
        DecimalAsStr,
        Transcoding,
        UUIDAsHex,
    )

    from domain.cart.model import CartLine
    from domain.order.model import Fulfillment, OrderLine
    from domain.values import Money

    def as_dict(struct_type: type) -> Transcoding:
        class StructAsDict(Transcoding):
            type = struct_type
            name = struct_type.__name__

            def encode(self, obj: object) -> dict:
                return {f: getattr(obj, f) for f in struct_type.__struct_fields__}

            def decode(self, data: dict) -> object:
                return struct_type(**data)

        return StructAsDict()

    structs = (Money, CartLine, OrderLine, Fulfillment)
    assert all(issubclass(t, msgspec.Struct) for t in structs)
    return [UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), *(as_dict(t) for t in structs)]


def eventsourcing_application_class() -> type:
    """The eventsourcing library's Application, taught to store our values."""
    from eventsourcing.application import Application
    from eventsourcing.persistence import Transcoder

    class BenchApplication(Application):
        def register_transcodings(self, transcoder: Transcoder) -> None:
            for transcoding in eventsourcing_transcodings():
                transcoder.register(transcoding)

    return BenchApplication
