"""What store managers and the head office read: click-to-collect times per store and day."""

from __future__ import annotations

from datetime import date

import strawberry

from api.auth import Role
from api.graphql.context import Info
from api.graphql.errors import BadInput, Forbidden
from api.graphql.relay import Connection, connection, decode_cursor, page_size
from api.graphql.staff.types import FulfillmentStats
from projections import fulfillment_times

MAX_DAYS = 366


@strawberry.type
class StaffQueries:
    @strawberry.field(description="Click-to-collect times per day; without a store, the chain.")
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
        if not 0 <= (last_day - first_day).days < MAX_DAYS:
            raise BadInput(f"lastDay: on or after firstDay, at most {MAX_DAYS} days")
        size, key = page_size(first), decode_cursor(after, tuple[date])
        start = key[0] if key else None
        stats = await fulfillment_times.fulfillment_stats(
            context.services.database.pool, store_id, first_day, last_day
        )
        rows = [s for s in stats if start is None or s.day > start][: size + 1]
        return connection(rows, size, lambda s: (s.day,), FulfillmentStats.of, after)
