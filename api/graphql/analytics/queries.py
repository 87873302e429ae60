"""Cart recovery and journey analytics, for admins: chain-wide figures about every customer."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import strawberry

from api.auth import Role
from api.graphql.analytics.types import JourneyStats, RecoveryStats, ReturnStats
from api.graphql.context import Info, RequestContext
from api.graphql.errors import BadInput
from api.graphql.limits import BoundedArguments
from api.graphql.relay import Connection, Page, decode_cursor, paged
from projections import cart_recovery, journey_queries

Recovery = cart_recovery.RecoveryStats
Journeys = journey_queries.JourneyStats
Returns = journey_queries.ReturnStats

MAX_DAYS = 366
Zone = Annotated[
    str,
    strawberry.argument(
        description="The day's time zone where a row has no store (carts have none)."
    ),
]


def _checked(context: RequestContext, first_day: date, last_day: date, time_zone: str) -> None:
    context.require(Role.ADMIN)
    if not 0 <= (last_day - first_day).days < MAX_DAYS:
        raise BadInput(f"lastDay: on or after firstDay, at most {MAX_DAYS} days")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        raise BadInput(f"timeZone: {time_zone!r} is not an IANA time zone") from None


@strawberry.type
class AnalyticsQueries:
    @strawberry.field(
        description="Abandoned carts per day and channel, and what came back (admin).",
        extensions=[BoundedArguments()],
    )
    async def recovery_stats(
        self,
        info: Info,
        first_day: date,
        last_day: date,
        time_zone: Zone = "UTC",
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[RecoveryStats]:
        _checked(info.context, first_day, last_day, time_zone)
        page = Page(first, after, last, before)
        decode_cursor(after, cart_recovery.RecoveryKey)
        pool = info.context.read_pool

        async def fetch(key: cart_recovery.RecoveryKey | None, limit: int) -> list[Recovery]:
            return await cart_recovery.recovery_stats(
                pool, first_day, last_day, time_zone, after=key, limit=limit
            )

        key = cart_recovery.recovery_key
        return await paged(page, cart_recovery.RecoveryKey, fetch, key, RecoveryStats.of)

    @strawberry.field(
        description="The journey funnel per day, store and starting channel, with cross-channel "
        "journeys and no-shows (admin); `chainWide` adds the stores up.",
        extensions=[BoundedArguments()],
    )
    async def journey_stats(
        self,
        info: Info,
        first_day: date,
        last_day: date,
        time_zone: Zone = "UTC",
        store_id: str | None = None,
        chain_wide: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[JourneyStats]:
        _checked(info.context, first_day, last_day, time_zone)
        page = Page(first, after, last, before)
        decode_cursor(after, journey_queries.StatsKey)
        pool, where = info.context.read_pool, (store_id, chain_wide)

        async def fetch(key: journey_queries.StatsKey | None, limit: int) -> list[Journeys]:
            return await journey_queries.journey_stats(
                pool, first_day, last_day, time_zone, *where, after=key, limit=limit
            )

        key = journey_queries.stats_key
        return await paged(page, journey_queries.StatsKey, fetch, key, JourneyStats.of)

    @strawberry.field(
        description="Returns per day of request: refunded, p50/p90 time (admin).",
        extensions=[BoundedArguments()],
    )
    async def return_stats(
        self,
        info: Info,
        first_day: date,
        last_day: date,
        time_zone: Zone = "UTC",
        store_id: str | None = None,
        chain_wide: bool = False,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[ReturnStats]:
        _checked(info.context, first_day, last_day, time_zone)
        page = Page(first, after, last, before)
        decode_cursor(after, journey_queries.StatsKey)
        pool, where = info.context.read_pool, (store_id, chain_wide)

        async def fetch(key: journey_queries.StatsKey | None, limit: int) -> list[Returns]:
            return await journey_queries.return_stats(
                pool, first_day, last_day, time_zone, *where, after=key, limit=limit
            )

        key = journey_queries.stats_key
        return await paged(page, journey_queries.StatsKey, fetch, key, ReturnStats.of)
