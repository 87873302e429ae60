"""Fires the time-driven rules that are due: abandoned carts, overdue and uncollected pickups.

Each rule is a use case the aggregate accepts once; a second firing (another process, or a
deadline not yet removed by its projection) is refused by the aggregate and only counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import UUID

import asyncpg
import msgspec

from adapters.postgres.outage import Outage
from domain.errors import DomainError
from domain.ports import Clock
from domain.service import CommerceService
from domain.values import SYSTEM_ACTOR, Channel, Context
from projections.deadlines import ABANDON_CART, PICKUP_EXPIRY, PICKUP_OVERDUE, POINTS_EXPIRY, due

log = logging.getLogger(__name__)
CLOCK_CONTEXT = Context(channel=Channel.SYSTEM, actor=SYSTEM_ACTOR)


class TickReport(msgspec.Struct):
    fired: int = 0
    refused: int = 0
    partitions_created: int = 0
    erased: int = 0


Upkeep = Callable[[], Awaitable[int]]


async def tick(
    pool: asyncpg.Pool, service: CommerceService, clock: Clock, upkeep: Upkeep | None = None
) -> TickReport:
    """The rules due, then `upkeep`: the database's own rule (the partitioned events layout's
    partitions, adapters/postgres/partitions.py), after them so that it never holds them up."""
    report = TickReport()
    now = clock.now()
    rules: dict[str, Callable[[UUID, datetime, Context], Awaitable[object]]] = {
        ABANDON_CART: service.abandon_cart,
        PICKUP_OVERDUE: service.mark_pickup_overdue,
        PICKUP_EXPIRY: service.expire_pickup,
        POINTS_EXPIRY: service.expire_points,
    }
    for item in await due(pool, now):
        # The rule is caused by the event that set its deadline, in that event's correlation.
        cause = msgspec.structs.replace(
            CLOCK_CONTEXT, causation_id=item.cause_id, correlation_id=item.correlation_id
        )
        try:
            await rules[item.kind](item.aggregate_id, now, cause)
            report.fired += 1
        except DomainError as refused:
            report.refused += 1
            log.debug("%s %s not fired: %r", item.kind, item.aggregate_id, refused)
    # Customers' own erasure requests whose waiting period has passed (issue 20).
    report.erased = len(await service.erase_due(CLOCK_CONTEXT))
    if upkeep is not None:
        report.partitions_created = await upkeep()
    return report


class Scheduler:
    """Ticks every `interval` seconds until stopped; a tick that fails is logged and the next
    one comes anyway. A database outage is one warning for the process (through `outage`),
    not a traceback every tick."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        service: CommerceService,
        clock: Clock,
        interval: float = 15.0,
        outage: Outage | None = None,
        upkeep: Upkeep | None = None,
    ) -> None:
        self.pool, self.service, self.clock, self.interval = pool, service, clock, interval
        self.upkeep = upkeep
        self.outage = outage or Outage(pool)
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                report = await tick(self.pool, self.service, self.clock, self.upkeep)
                self.ticks += 1
                if report.fired:
                    log.info("scheduler fired %d rules", report.fired)
            except Exception as error:
                if not self.outage.observe(error, "firing time-driven rules"):
                    log.exception("scheduler tick failed")
            await asyncio.sleep(self.interval)
