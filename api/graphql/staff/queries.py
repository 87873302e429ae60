"""What store managers and the head office read: click-to-collect times per store and day."""

from __future__ import annotations

from datetime import date

import strawberry

from api.auth import Principal, Role
from api.graphql.context import Info, RequestContext
from api.graphql.errors import BadInput, Forbidden
from api.graphql.limits import BoundedArguments
from api.graphql.relay import Connection, Page, decode_cursor, paged
from api.graphql.staff.types import FulfillmentStats
from projections import fulfillment_stats as statistics

Stats = statistics.FulfillmentStats

MAX_DAYS = 366
MAX_STORES = 500


def _check_days(first_day: date, last_day: date) -> None:
    if not 0 <= (last_day - first_day).days < MAX_DAYS:
        raise BadInput(f"lastDay: on or after firstDay, at most {MAX_DAYS} days")


def _stores_in_scope(context: RequestContext, store_ids: list[str] | None) -> list[str] | None:
    """The stores named (each one the caller's), else the caller's own; None: every store."""
    caller: Principal = context.require(Role.STAFF)
    if store_ids is None:
        return None if caller.role is Role.ADMIN else list(caller.stores)
    if not 0 < len(store_ids) <= MAX_STORES:
        raise BadInput(f"storeIds: 1 to {MAX_STORES} stores, or leave it out for all yours")
    for store_id in store_ids:
        context.require_store(store_id)
    return store_ids


@strawberry.type
class StaffQueries:
    @strawberry.field(
        description="Click-to-collect times per day; without a store, the chain.",
        extensions=[BoundedArguments()],
    )
    async def fulfillment_stats(
        self,
        info: Info,
        first_day: date,
        last_day: date,
        store_id: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[FulfillmentStats]:
        context = info.context
        caller = context.require(Role.STAFF)
        if store_id is None and caller.role is not Role.ADMIN:
            raise Forbidden("chain-wide statistics are for admins")
        if store_id is not None:
            context.require_store(store_id)
        _check_days(first_day, last_day)
        page = Page(first, after, last, before)
        decode_cursor(after, tuple[date])
        stats = await statistics.fulfillment_stats(context.read_pool, store_id, first_day, last_day)

        async def fetch(key: tuple[date] | None, limit: int) -> list[Stats]:
            return [s for s in stats if key is None or s.day > key[0]][:limit]

        return await paged(page, tuple[date], fetch, lambda s: (s.day,), FulfillmentStats.of)

    @strawberry.field(
        description="Click-to-collect times per store and day, by store then day: the stores "
        "named, else every store the caller works at (an admin: every store). One query for a "
        "comparison of stores.",
        extensions=[BoundedArguments()],
    )
    async def fulfillment_stats_by_store(
        self,
        info: Info,
        first_day: date,
        last_day: date,
        store_ids: list[str] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[FulfillmentStats]:
        context = info.context
        stores = _stores_in_scope(context, store_ids)
        _check_days(first_day, last_day)
        page = Page(first, after, last, before)
        decode_cursor(after, statistics.StoreDay)

        async def fetch(key: statistics.StoreDay | None, limit: int) -> list[Stats]:
            return await statistics.fulfillment_stats_by_store(
                context.read_pool, stores, first_day, last_day, limit, key
            )

        day = statistics.store_day
        return await paged(page, statistics.StoreDay, fetch, day, FulfillmentStats.of)
