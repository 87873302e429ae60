"""Each projection's position, lag and state, and the business clock, for admins."""

from __future__ import annotations

import strawberry

from api.auth import Role
from api.graphql.context import Info
from api.graphql.system.types import ProjectionStatus, ServerClock


@strawberry.type
class SystemQueries:
    @strawberry.field(description="Each projection's position, lag and state (admin).")
    async def projections(self, info: Info) -> list[ProjectionStatus]:
        info.context.require(Role.ADMIN)
        statuses = await info.context.services.projections.status()
        return [ProjectionStatus.of(status) for status in statuses]

    @strawberry.field(description="The business clock: now, and how fast it runs (admin).")
    async def server_clock(self, info: Info) -> ServerClock:
        info.context.require(Role.ADMIN)
        return ServerClock.of(info.context.services.clock)
