"""What store managers and the head office read: click-to-collect times per store and day."""

from __future__ import annotations

from datetime import date

import strawberry

from api.auth import Principal, Role
from api.graphql.context import Info, RequestContext
from api.graphql.errors import BadInput, Forbidden
from api.graphql.limits import BoundedArguments
from api.graphql.relay import Connection, connection, decode_cursor, page_size
from api.graphql.staff.types import FulfillmentStats
from projections import fulfillment_stats as statistics

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
    ) -> Connection[FulfillmentStats]:
        context = info.context
        caller = context.require(Role.STAFF)
        if store_id is None and caller.role is not Role.ADMIN:
            raise Forbidden("chain-wide statistics are for admins")
        if store_id is not None:
            context.require_store(store_id)
        _check_days(first_day, last_day)
        size, key = page_size(first), decode_cursor(after, tuple[date])
        start = key[0] if key else None
        stats = await statistics.fulfillment_stats(context.read_pool, store_id, first_day, last_day)
        rows = [s for s in stats if start is None or s.day > start][: size + 1]
        return connection(rows, size, lambda s: (s.day,), FulfillmentStats.of, after)

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
    ) -> Connection[FulfillmentStats]:
        context = info.context
        stores = _stores_in_scope(context, store_ids)
        _check_days(first_day, last_day)
        size = page_size(first)
        key = decode_cursor(after, statistics.StoreDay)
        rows = await statistics.fulfillment_stats_by_store(
            context.read_pool, stores, first_day, last_day, size + 1, key
        )
        return connection(rows, size, statistics.store_day, FulfillmentStats.of, after)
